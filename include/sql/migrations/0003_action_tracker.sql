-- The action tracker (Phase 5 included). Portable SQL: the same file runs on SQLite and PostgreSQL.
-- No column holds a child's name, date of birth or system id: progress notes are checked
-- against the audit's nominated children before they are accepted.

-- The review findings register as last validated (registers/review_findings.csv): reference data
-- that the Business Unit keeps, replaced whole when a valid register is loaded.
CREATE TABLE review_findings (
    ref         VARCHAR(40)   PRIMARY KEY,
    review_type VARCHAR(20)   NOT NULL,
    title       VARCHAR(300)  NOT NULL,
    finding     VARCHAR(2000) NOT NULL,
    loaded_at   TIMESTAMP     NOT NULL
);

-- Which review findings each agreed action answers: one row per (action, review ref), so the
-- tracker report can group actions by finding and list the findings no action answers.
CREATE TABLE action_reviews (
    audit_ref  VARCHAR(40) NOT NULL,
    action_id  VARCHAR(40) NOT NULL,
    review_ref VARCHAR(40) NOT NULL,
    PRIMARY KEY (audit_ref, action_id, review_ref),
    FOREIGN KEY (audit_ref, action_id) REFERENCES actions (audit_ref, action_id)
);
CREATE INDEX action_reviews_by_review ON action_reviews (review_ref);

-- Every progress update an owner agency sent, as its own record: history, never overwritten.
-- The id is derived from (file content, row), so processing the same file again adds nothing.
-- An action's current status is its latest update (or actions.status, as agreed, before any).
CREATE TABLE action_updates (
    id            VARCHAR(64)   PRIMARY KEY,
    audit_ref     VARCHAR(40)   NOT NULL,
    action_id     VARCHAR(40)   NOT NULL,
    agency_code   VARCHAR(20)   NOT NULL,
    status        VARCHAR(20)   NOT NULL,
    progress_note VARCHAR(2000),
    reported_on   DATE          NOT NULL,
    source_file   VARCHAR(500)  NOT NULL,
    source_row    INTEGER       NOT NULL,
    received_at   TIMESTAMP     NOT NULL,
    FOREIGN KEY (audit_ref, action_id) REFERENCES actions (audit_ref, action_id)
);
CREATE INDEX action_updates_by_action ON action_updates (audit_ref, action_id, received_at);
