-- How each audit's runs ended, for retention of every ending (withdrawn, or ended without QiiP's approval;
-- an approval is read from the sign-off decisions). Portable SQL, like 0001. No child's data.

-- One row per run that ended without approval: a withdrawal when a task of the run first applied it, or the
-- run's end as Airflow recorded it. The first record of a run stays, so a later look changes nothing.
CREATE TABLE audit_endings (
    audit_ref   VARCHAR(40)  NOT NULL,
    run_id      VARCHAR(250) NOT NULL,
    ending      VARCHAR(30)  NOT NULL,
    ended_at    TIMESTAMP    NOT NULL,
    detail      VARCHAR(400) NOT NULL,
    recorded_at TIMESTAMP    NOT NULL,
    PRIMARY KEY (audit_ref, run_id)
);

-- A purge now follows any ending: the day it counted from, and which ending it was.
ALTER TABLE purges RENAME COLUMN approved_on TO ended_on;
ALTER TABLE purges ADD COLUMN ending VARCHAR(30) NOT NULL DEFAULT 'approved';

-- A rehearsal's record (maa.outputs.rehearsals): the audit's store rows came from a rehearsal run, so the
-- tracker, the pages and the programme's figures leave them out; a real run of the audit removes them first.
ALTER TABLE audits ADD COLUMN rehearsal BOOLEAN NOT NULL DEFAULT FALSE;
