"""What each role may do in Airflow, as the FAB auth manager's (action, resource) pairs.

Two kinds of pair. A global pair ("DAG Runs", "Task Instances", ...) applies to every DAG the role may see
at all. A DAG's own pairs ("DAG:<id>", "DAG Run:<id>") say which DAGs those are: the factory writes them into
each audit DAG's `access_control` from its definition, and Airflow's DAG processor applies them whenever it
writes the DAG (only under the FAB auth manager). FAB's rules, as they bind here:

- any change to a DAG's runs, tasks or sign-off needs "can_edit" on the DAG itself, which also lets the
  holder pause it: there is no "answer but not pause" in FAB;
- reading a run's task instances, logs or sign-off needs the global "DAG Runs" read, a DAG's own
  "DAG Run:<id>" pair covers the run list only;
- sign-off details ("HITL Detail") are per DAG at best, never per task: whoever may read one stage of an
  audit's sign-off reads both (who answers which is checked apart, maa.web.auth_manager).

Light on purpose: the DAG factory imports it at parse time.
"""

from __future__ import annotations

import warnings
from collections.abc import Iterator
from contextlib import contextmanager

from maa.audit.definitions import AuditDefinition
from maa.audit.roles import BUSINESS_UNIT, OPERATOR, PUBLIC, QIIP, coordinator_role

READ, EDIT, CREATE, MENU = "can_read", "can_edit", "can_create", "menu_access"
DAGS, DAG_RUNS, TASK_INSTANCES, TASK_LOGS = "DAGs", "DAG Runs", "Task Instances", "Task Logs"
SIGNOFF, XCOMS, WEBSITE, IMPORT_ERRORS, PLUGINS = "HITL Detail", "XComs", "Website", "ImportError", "Plugins"

Pair = tuple[str, str]
# The resources of one DAG's own pairs, which its access_control owns.
DAG_OWN_PREFIXES = ("DAG:", "DAG Run:")
# FAB gives every role of ours Website read at each start (the UI's home page); listing it keeps a sync exact.
_SIGNED_IN = frozenset({(READ, WEBSITE), (MENU, DAGS)})
# Airflow's UI lists the plugins to show their navigation entries: "Audits" opens the audit pages.
_AUDIT_PAGES = frozenset({(READ, PLUGINS)})

BUSINESS_UNIT_PAIRS = _SIGNED_IN | _AUDIT_PAGES | {
    (READ, DAG_RUNS), (EDIT, DAG_RUNS),  # see and clear runs, mark one failed
    (READ, TASK_INSTANCES), (EDIT, TASK_INSTANCES),  # clear tasks
    (READ, XCOMS),  # the deadline's status table is a task's XCom
    (READ, SIGNOFF), (EDIT, SIGNOFF), (MENU, SIGNOFF),  # "Required actions"
}
QIIP_PAIRS = _SIGNED_IN | _AUDIT_PAGES | {
    (READ, DAG_RUNS), (READ, TASK_INSTANCES),
    (READ, SIGNOFF), (EDIT, SIGNOFF), (MENU, SIGNOFF),
}
OPERATOR_PAIRS = _SIGNED_IN | {
    (READ, DAGS), (EDIT, DAGS),  # every DAG: pause, and (with the pairs below) clear and rerun
    (READ, DAG_RUNS), (EDIT, DAG_RUNS),
    (READ, TASK_INSTANCES), (EDIT, TASK_INSTANCES),
    (READ, TASK_LOGS),
    (READ, IMPORT_ERRORS),  # a broken definition is an import error
}
# A coordinator sees its audits' DAGs and their runs and nothing inside them: reading task instances would
# show every task's rendered fields, the sign-off's draft summary among them.
COORDINATOR_PAIRS = _SIGNED_IN | _AUDIT_PAGES
PUBLIC_PAIRS: frozenset[Pair] = frozenset()

FIXED_ROLES: dict[str, frozenset[Pair]] = {
    BUSINESS_UNIT: frozenset(BUSINESS_UNIT_PAIRS),
    QIIP: frozenset(QIIP_PAIRS),
    OPERATOR: frozenset(OPERATOR_PAIRS),
    PUBLIC: PUBLIC_PAIRS,
}


def global_pairs(agency_codes: set[str]) -> dict[str, frozenset[Pair]]:
    """Every role the project makes, with its exact global pairs: the fixed roles and one coordinator role
    per agency code."""
    return {**FIXED_ROLES, **{coordinator_role(code): COORDINATOR_PAIRS for code in sorted(agency_codes)}}


def audit_access_control(definition: AuditDefinition) -> dict[str, dict[str, set[str]]]:
    """The audit DAG's own pairs: the Business Unit starts it and answers in it, QiiP answers in it (no
    trigger: no "DAG Runs" create), each of its agencies' coordinators reads it."""
    return {
        BUSINESS_UNIT: {DAGS: {READ, EDIT}, DAG_RUNS: {READ, CREATE}},
        QIIP: {DAGS: {READ, EDIT}, DAG_RUNS: {READ}},
        **{coordinator_role(agency.code): {DAGS: {READ}, DAG_RUNS: {READ}} for agency in definition.agencies},
    }


# The programme-wide DAGs (tracker, retention): the operator may start them (a retention dry run first).
PROGRAMME_ACCESS_CONTROL = {OPERATOR: {DAG_RUNS: {CREATE}}}


def when_applied(access_control: dict[str, dict[str, set[str]]]) -> dict[str, dict[str, set[str]]] | None:
    """A DAG's access_control where Airflow applies it, else none (see applies_access_control)."""
    return access_control if applies_access_control() else None


@contextmanager
def access_control_unwarned() -> Iterator[None]:
    """Airflow 3.3 warns of every DAG given access_control as of "the airflow.security.permissions module",
    which nothing here uses; access_control is how the FAB auth manager scopes a DAG, so the warning would
    only stand beside every audit in the UI's parse warnings."""
    with warnings.catch_warnings():
        warnings.filterwarnings("ignore", message="The airflow.security.permissions module is deprecated")
        yield


def applies_access_control() -> bool:
    """Whether Airflow applies DAGs' access_control: only under a FAB auth manager, and only when the string
    "FabAuthManager" is in `[core] auth_manager` (what Airflow's DAG processor checks). Elsewhere (the simple
    auth manager of dag.test() and the DAG tests) a DAG names no role, so none has to exist."""
    from airflow.providers.common.compat.sdk import conf

    return "FabAuthManager" in conf.get("core", "auth_manager")
