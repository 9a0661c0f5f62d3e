"""Who may see which page, from the roles of the user Airflow's own login established.

The same roles Airflow checks (maa.audit.roles): "Business Unit" (and Admin) see everything here and
register audits, "QiiP" sees the programme, "Coordinator <CODE>" uploads for that agency. The roles come
from the FAB user record, which a directory login refreshes at each sign-in: one source of truth.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from maa.audit.roles import ADMIN, BUSINESS_UNIT, QIIP, agency_of


def role_names(user: Any) -> frozenset[str]:
    """The FAB roles a logged-in user holds (none for another auth manager's user)."""
    return frozenset(role.name for role in getattr(user, "roles", None) or ())


def full_name(user: Any) -> str:
    """The person's name from their user record, else their login."""
    parts = (getattr(user, "first_name", None), getattr(user, "last_name", None))
    return " ".join(part.strip() for part in parts if part and part.strip()) or user.get_name()


class Forbidden(Exception):
    """The page exists but is not this user's to see; the message says whose it is."""


@dataclass(frozen=True)
class Visitor:
    login: str
    name: str  # the person's full name, as the pages greet them
    roles: frozenset[str]

    @classmethod
    def of(cls, user: Any) -> Visitor:
        return cls(login=user.get_name(), name=full_name(user), roles=role_names(user))

    @property
    def business_unit(self) -> bool:
        return bool({BUSINESS_UNIT, ADMIN} & self.roles)

    @property
    def qiip(self) -> bool:
        return QIIP in self.roles

    @property
    def agencies(self) -> tuple[str, ...]:
        """The agencies whose coordinator role this user holds (usually one)."""
        return tuple(sorted(code for role in self.roles if (code := agency_of(role))))

    @property
    def agency(self) -> str | None:
        """The agency whose upload page is this user's own (the first, for someone coordinating two)."""
        return self.agencies[0] if self.agencies else None

    @property
    def programme(self) -> bool:
        """The dashboard and the tracker: the Business Unit and QiiP."""
        return self.business_unit or self.qiip

    def check_programme(self) -> None:
        if not self.programme:
            raise Forbidden("The audit programme's pages are for the Business Unit and QiiP. If your work needs "
                            "them, ask the Business Unit for the right login.")

    def check_registration(self) -> None:
        if not self.business_unit:
            raise Forbidden("Only the Business Unit registers audits: a new audit is put to it after the Audit "
                            "Panel's decision.")

    def check_attendance(self) -> None:
        if not self.business_unit:
            raise Forbidden("Only the Business Unit records who attended a findings meeting.")

    def check_upload(self, agency_code: str) -> None:
        """A coordinator uploads for their own agency only; the Business Unit for any (a return sent to it)."""
        if self.business_unit or agency_code.upper() in self.agencies:
            return
        if self.agencies:
            raise Forbidden(f"This upload page belongs to another agency; yours is {', '.join(self.agencies)}.")
        raise Forbidden("This page is where an agency's coordinator uploads the agency's completed return workbook"
                        " and sees whether it was accepted. Uploading returns is not part of your role"
                        + (": the returns received are on the audit programme page." if self.qiip else "."))
