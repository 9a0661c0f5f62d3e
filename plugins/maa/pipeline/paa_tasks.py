"""PAA steps: thin Airflow shells around `maa.paa_data`, run by AuditStepOperator.

They return only file names and outcomes: an extract's rows never reach XCom or the logs.
"""

from __future__ import annotations

from maa.pipeline.tasks import load_current, mailer_for


def receive_data_extracts(definition_file: str) -> dict[str, str]:
    """The Business Unit's data extracts (inbox/<REF>/data/<measure>.csv): each checked, then loaded and
    archived, or quarantined with its reasons emailed to the Business Unit. A measure with no extract is
    reported as such; an extract that comes later is taken in at the next look."""
    from maa.outputs.store import Store
    from maa.paa import extracts

    definition, store = load_current(definition_file), Store()
    return extracts.receive_extracts(definition, store, mailer_for(store, definition))
