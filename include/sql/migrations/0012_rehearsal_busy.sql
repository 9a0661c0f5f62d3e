-- A rehearsal's ledger: each span of wall-clock time in which part of the run was working (`busy`: a step, a
-- wait's look, a file noticed in the inbox and not yet taken) or a wait of the run was waiting between looks
-- (`waiting`, with the audit time it waits for in `target_at`, UTC). Audit time moves on only while a wait
-- waits for a moment still to come and nothing works, so a slow or busy machine makes a rehearsal last
-- longer, never changes its record. `who` names the task instance; an open span has no end yet. No
-- child's data.
CREATE TABLE rehearsal_busy (
    span_id    VARCHAR(32)  PRIMARY KEY,
    run        VARCHAR(512) NOT NULL,
    who        VARCHAR(512) NOT NULL,
    kind       VARCHAR(16)  NOT NULL,
    started_at TIMESTAMP    NOT NULL,
    ended_at   TIMESTAMP,
    target_at  TIMESTAMP
);
CREATE INDEX rehearsal_busy_run ON rehearsal_busy (run);
