"""Who may see which page, from the user Airflow's own login established.

Airflow's simple auth manager knows four fixed roles, none of which says "Business Unit" or "agency
coordinator", so the pages go by login name: the Business Unit's and QiiP's logins are listed
(MAA_BUSINESS_UNIT_USERS, MAA_QIIP_USERS), and a coordinator logs in as `coordinator-<agency code>`
(what `make up` creates for every agency of every audit).
"""

from __future__ import annotations

from dataclasses import dataclass

from maa.config import settings

COORDINATOR_PREFIX = "coordinator-"


class Forbidden(Exception):
    """The page exists but is not this user's to see; the message says whose it is."""


@dataclass(frozen=True)
class Visitor:
    name: str
    business_unit: bool
    qiip: bool
    agency: str | None  # the agency code of a coordinator's login

    @classmethod
    def named(cls, name: str) -> Visitor:
        lowered = name.lower()
        agency = lowered.removeprefix(COORDINATOR_PREFIX).upper() if lowered.startswith(COORDINATOR_PREFIX) else None
        who = settings()
        return cls(name=name, business_unit=lowered in who.business_unit_users, qiip=lowered in who.qiip_users,
                   agency=agency or None)

    @property
    def programme(self) -> bool:
        """The dashboard and the tracker: the Business Unit and QiiP."""
        return self.business_unit or self.qiip

    def check_programme(self) -> None:
        if not self.programme:
            raise Forbidden("The audit programme's pages are for the Business Unit and QiiP.")

    def check_registration(self) -> None:
        if not self.business_unit:
            raise Forbidden("Only the Business Unit registers audits.")

    def check_upload(self, agency_code: str) -> None:
        """A coordinator uploads for their own agency only; the Business Unit for any (a return sent to it)."""
        if not (self.business_unit or self.agency == agency_code.upper()):
            raise Forbidden(f"This upload page belongs to another agency; yours is "
                            f"{self.agency or 'not set: ask the Business Unit for a coordinator login'}.")
