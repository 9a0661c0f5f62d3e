"""Audit definitions: one YAML file per audit, validated into typed models.

A definition holds no personal data about children, so it can live in git.
Errors name the file, the field and the problem; one bad file never hides the
others (see `load_all`).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date
from enum import StrEnum
from pathlib import Path
from typing import Annotated, Any

from pydantic import (
    Field,
    StringConstraints,
    ValidationError,
    ValidationInfo,
    field_validator,
    model_validator,
)

from maa import config
from maa.audit.fields import Day, Text
from maa.audit.fields import Strict as _Strict
from maa.audit.findings_meeting import FindingsMeeting
from maa.audit.loading import DefinitionError, DefinitionProblems, problems_from, read_mapping, read_text
from maa.audit.panel import Panel
from maa.audit.rules import RULES
from maa.audit.timetable import Timetable, build_timetable

DEFAULT_DOMAINS = (
    "Recognition of need and risk",
    "Information sharing",
    "Assessment and planning",
    "Voice of the child",
    "Multi-agency working",
    "Impact and outcomes for the child",
)

# The 2023 procedure's ten areas for a Partnership Arrangements Audit.
DEFAULT_AREAS = (
    "Outputs from audit",
    "SIN decision process",
    "Outputs from safeguarding reviews",
    "Outputs from subgroups",
    "Section 11 reporting",
    "Section 175 arrangements",
    "Escalation process",
    "Single agency activity",
    "Multi-agency training",
    "Data",
)

EMAIL_PATTERN = r"^[^@\s<>,;]+@[^@\s<>,;]+\.[A-Za-z]{2,}$"
Email = Annotated[str, StringConstraints(strip_whitespace=True, pattern=EMAIL_PATTERN)]
Code = Annotated[str, StringConstraints(strip_whitespace=True, pattern=r"^[A-Za-z0-9_]{1,20}$")]
# A letter first and single dashes between letters and digits, so that every ref gives its own DAG id.
Ref = Annotated[str, StringConstraints(strip_whitespace=True, max_length=40,
                                       pattern=r"^[A-Za-z][A-Za-z0-9]*(-[A-Za-z0-9]+)*$")]
# The programme DAGs' ids (maa.pipeline.tracker_dag, retention_dag): no audit may take one over.
PROGRAMME_DAG_IDS = frozenset({"maa_action_tracker", "maa_retention"})


class AuditType(StrEnum):
    MACA = "MACA"
    MATA = "MATA"
    PAA = "PAA"


class Status(StrEnum):
    active = "active"
    paused = "paused"
    withdrawn = "withdrawn"


class Person(_Strict):
    name: Text
    email: Email


class Mailbox(_Strict):
    email: Email


class Qiip(_Strict):
    emails: list[Email] = Field(min_length=1)


class Agency(_Strict):
    code: Code
    name: Text
    coordinator: Person


class Period(_Strict):
    from_: Day = Field(alias="from")
    to: Day

    @model_validator(mode="after")
    def _ordered(self) -> Period:
        if self.to < self.from_:
            raise ValueError("'to' is before 'from'")
        return self


# Default stage lengths in weeks (impact review in months), per audit type.
DEFAULT_TIMESCALES: dict[AuditType, dict[str, int]] = {
    AuditType.MATA: dict(notice=2, agency_audit=5, review=2, chair_report=2, signoff=1,
                         impact_review_months=6),
    AuditType.MACA: dict(notice=1, agency_audit=2, review=1, chair_report=2, signoff=1,
                         impact_review_months=6),
    AuditType.PAA: dict(notice=2, agency_audit=5, review=2, chair_report=2, signoff=1,
                        impact_review_months=6),
}


class Timescale(_Strict):
    # Strict numbers refuse booleans and text: pydantic would otherwise take `notice: true` as 1 week.
    notice: int = Field(strict=True, ge=0, le=52)
    agency_audit: int = Field(strict=True, ge=0, le=52)
    review: int = Field(strict=True, ge=0, le=52)
    chair_report: int = Field(strict=True, ge=0, le=52)
    signoff: int = Field(strict=True, ge=0, le=52)
    impact_review_months: int = Field(strict=True, ge=1, le=36)

    def out_of_bounds(self) -> list[tuple[str, str]]:
        """(field, problem) for every stage outside the procedure's bounds.

        The eight-week limit is not listed here: it holds whatever the reason.
        """
        problems = []
        to_deadline = self.notice + self.agency_audit
        if to_deadline < 1:
            problems.append(("timescale.agency_audit",
                             f"notice + agency_audit is {to_deadline} weeks; the procedure's range is 1 to 8"))
        if self.review < 1:
            problems.append(("timescale.review",
                             "review must be at least 1 week (one week to read the returns)"))
        after_meeting = self.review - 1 + self.chair_report
        if not 1 <= after_meeting <= 3:
            problems.append(("timescale.chair_report",
                             f"the chair's report would be due {after_meeting} weeks after the findings "
                             "meeting; the 2023 procedure says 1 to 3"))
        if not 1 <= self.signoff <= 4:
            problems.append(("timescale.signoff", f"{self.signoff} weeks; the bound is 1 to 4"))
        if not 6 <= self.impact_review_months <= 12:
            problems.append(("timescale.impact_review_months",
                             f"{self.impact_review_months} months; the procedure says 6 to 12"))
        return problems


class AuditDefinition(_Strict):
    ref: Ref
    type: AuditType
    title: Text
    theme: Text | None = Field(default=None, validate_default=True)  # validate_default: rules run on a field left out
    start: Day
    status: Status = Status.active
    chair: Person
    business_unit: Mailbox
    concerns_to: Mailbox | None = None
    qiip: Qiip
    nominating_agency: Code | None = Field(default=None, validate_default=True)
    methods: list[Text] | None = Field(default=None, validate_default=True)  # how a MATA gathers its evidence
    agencies: list[Agency] = Field(min_length=2)
    domains: list[Text] = Field(default_factory=lambda: list(DEFAULT_DOMAINS), min_length=1)
    areas: list[Text] | None = None
    period: Period | None = Field(default=None, validate_default=True)
    panel: Panel | None = None  # the Audit Panel's decision (maa.audit.panel)
    timescale: Timescale
    timescale_reason: Text | None = Field(default=None, validate_default=True)
    extensions: dict[Code, Day] = Field(default_factory=dict)
    late_grace_days: int = Field(default=3, strict=True, ge=0, le=30)
    retention_days: int = Field(default=90, strict=True, ge=1, le=3650)
    meeting: FindingsMeeting = Field(default_factory=FindingsMeeting)

    @model_validator(mode="before")
    @classmethod
    def _timescale_defaults(cls, data: Any) -> Any:
        """Stages not given take the audit type's defaults."""
        if not isinstance(data, dict):
            return data
        audit_type = data.get("type")
        if not isinstance(audit_type, str):
            return data
        try:
            defaults = DEFAULT_TIMESCALES[AuditType(audit_type)]
        except ValueError:
            return data
        given = data.get("timescale") or {}
        if isinstance(given, dict):
            data = {**data, "timescale": {**defaults, **given}}
        return data

    @field_validator("ref")
    @classmethod
    def _not_a_programme_dag(cls, ref: str) -> str:
        if dag_id_for(ref) in PROGRAMME_DAG_IDS:
            raise ValueError(f"{ref} would take the DAG id {dag_id_for(ref)}, which a programme DAG has")
        return ref

    @field_validator("agencies")
    @classmethod
    def _unique_codes(cls, agencies: list[Agency]) -> list[Agency]:
        seen: set[str] = set()
        for agency in agencies:
            if agency.code.upper() in seen:
                raise ValueError(f"agency code {agency.code!r} is listed twice")
            seen.add(agency.code.upper())
        return agencies

    @field_validator("domains", "areas")
    @classmethod
    def _unique_names(cls, names: list[str] | None) -> list[str] | None:
        if names is not None:
            lowered = [n.casefold() for n in names]
            duplicates = sorted({n for n in names if lowered.count(n.casefold()) > 1})
            if duplicates:
                raise ValueError(f"listed twice: {', '.join(duplicates)}")
        return names

    @field_validator(*RULES)
    @classmethod
    def _rules_across_fields(cls, value: Any, info: ValidationInfo) -> Any:
        """The procedure's rules (maa.audit.rules), each run once the fields it reads are validated: pydantic
        runs a model's own validators only when every field is valid, so one bad field would hide them all."""
        assert info.field_name is not None, "a validator bound to fields is always called for one"
        problems = RULES[info.field_name](value, info.data)
        if problems:
            raise DefinitionProblems(problems)
        return value

    @property
    def dag_id(self) -> str:
        return dag_id_for(self.ref)

    @property
    def timetable(self) -> Timetable:
        return build_timetable(self.start, self.timescale)

    @property
    def review_units(self) -> list[str]:
        """What each agency reports on: case domains, or areas for a PAA."""
        if self.type is AuditType.PAA:
            return list(self.areas or DEFAULT_AREAS)
        return list(self.domains)

    @property
    def has_cases(self) -> bool:
        """Whether the audit grades nominated cases: a MACA, or a MATA with a nominating agency (a thematic MATA
        without one gathers its evidence by its `methods` and grades each domain once; a PAA has areas)."""
        return self.type is not AuditType.PAA and self.nominating_agency is not None

    @property
    def nominator(self) -> Agency:
        """The agency that nominates the cases, which an audit with cases (`has_cases`) has."""
        if self.nominating_agency is None:
            raise ValueError(f"{self.ref} is a {self.type.value}: it has no nominating agency")
        return self.agency(self.nominating_agency)

    @property
    def audited_period(self) -> Period:
        """The period a PAA audits; the rules require one in a PAA."""
        if self.period is None:
            raise ValueError(f"{self.ref} is a {self.type.value}: it audits no period")
        return self.period

    @property
    def concerns_email(self) -> str:
        return (self.concerns_to or self.business_unit).email

    def agency(self, code: str) -> Agency:
        return next(a for a in self.agencies if a.code == code)

    def submission_deadline_for(self, code: str) -> date:
        return self.extensions.get(code, self.timetable["submission_deadline"])


def dag_id_for(ref: str) -> str:
    return "maa_" + ref.lower().replace("-", "_")


def parse_definition(path: Path, text: str) -> AuditDefinition:
    raw = read_mapping(path, text)
    try:
        return AuditDefinition.model_validate(raw)
    except ValidationError as exc:
        raise DefinitionError(path, problems_from(exc)) from None


def load_definition(path: Path | str) -> AuditDefinition:
    path = Path(path)
    return parse_definition(path, read_text(path))


@dataclass(frozen=True)
class LoadedDefinitions:
    definitions: dict[Path, AuditDefinition]
    errors: dict[Path, DefinitionError]


def definition_files(folder: Path | None = None) -> list[Path]:
    folder = folder or config.audits_dir()
    if not folder.is_dir():
        return []
    return sorted(p for p in folder.iterdir() if p.suffix in (".yaml", ".yml") and p.is_file())


def load_all(paths: Iterable[Path] | None = None) -> LoadedDefinitions:
    """Every definition, in sorted file order, each error kept against its own file.

    Two refs equal but for letter case: the later file is refused, naming both.
    """
    good: dict[Path, AuditDefinition] = {}
    errors: dict[Path, DefinitionError] = {}
    owner_of_ref: dict[str, Path] = {}
    for path in sorted(paths if paths is not None else definition_files()):
        try:
            definition = load_definition(path)
        except DefinitionError as exc:
            errors[path] = exc
            continue
        key = definition.ref.casefold()
        if key in owner_of_ref:
            errors[path] = DefinitionError(path, [("ref", f"{definition.ref!r} is already used by "
                                                          f"{owner_of_ref[key]} (refs are unique ignoring case)")])
            continue
        owner_of_ref[key] = path
        good[path] = definition
    return LoadedDefinitions(good, errors)


def load_current(file_name: str) -> AuditDefinition:
    """The definition as it is now on disk, so that edits take effect at the next wait."""
    return load_definition(config.audits_dir() / file_name)
