-- The audit store. Portable SQL: the same file runs on SQLite and PostgreSQL.
-- No column holds a child's name, date of birth or system id: cases keep a
-- keyed hash of the system id and an age band only.

CREATE TABLE audits (
    ref             VARCHAR(40)  PRIMARY KEY,
    audit_type      VARCHAR(4)   NOT NULL,
    title           VARCHAR(300) NOT NULL,
    theme           VARCHAR(300),
    start_date      DATE         NOT NULL,
    status          VARCHAR(12)  NOT NULL,
    definition_file VARCHAR(300) NOT NULL,
    updated_at      TIMESTAMP    NOT NULL
);

CREATE TABLE agencies (
    audit_ref           VARCHAR(40)  NOT NULL REFERENCES audits (ref),
    code                VARCHAR(20)  NOT NULL,
    name                VARCHAR(300) NOT NULL,
    coordinator_email   VARCHAR(320) NOT NULL,
    submission_deadline DATE         NOT NULL,
    PRIMARY KEY (audit_ref, code)
);

CREATE TABLE milestones (
    audit_ref VARCHAR(40) NOT NULL REFERENCES audits (ref),
    name      VARCHAR(40) NOT NULL,
    due_date  DATE        NOT NULL,
    PRIMARY KEY (audit_ref, name)
);

CREATE TABLE cases (
    audit_ref      VARCHAR(40) NOT NULL REFERENCES audits (ref),
    case_ref       VARCHAR(40) NOT NULL,
    system_id_hash VARCHAR(64) NOT NULL,
    age_band       VARCHAR(12) NOT NULL,
    PRIMARY KEY (audit_ref, case_ref)
);

-- What happened, once each: the id is derived from (audit, kind, subject),
-- so a rerun that records the same event again changes nothing.
CREATE TABLE events (
    id          VARCHAR(64)   PRIMARY KEY,
    audit_ref   VARCHAR(40)   NOT NULL,
    kind        VARCHAR(40)   NOT NULL,
    subject     VARCHAR(200)  NOT NULL,
    detail      VARCHAR(4000),
    occurred_at TIMESTAMP     NOT NULL
);
CREATE INDEX events_by_audit ON events (audit_ref, kind);

-- The email ledger: pending before the send, sent after (PRODUCT.md "Email").
CREATE TABLE emails (
    message_key VARCHAR(400) PRIMARY KEY,
    message_id  VARCHAR(200) NOT NULL UNIQUE,
    audit_ref   VARCHAR(40)  NOT NULL,
    kind        VARCHAR(40)  NOT NULL,
    recipient   VARCHAR(320) NOT NULL,
    version     INTEGER      NOT NULL,
    subject     VARCHAR(400) NOT NULL,
    status      VARCHAR(10)  NOT NULL,
    transport   VARCHAR(10)  NOT NULL,
    created_at  TIMESTAMP    NOT NULL,
    sent_at     TIMESTAMP
);

-- Every file taken out of an inbox, accepted or refused, with where it went.
CREATE TABLE inbox_files (
    id          VARCHAR(64)   PRIMARY KEY,
    audit_ref   VARCHAR(40)   NOT NULL,
    kind        VARCHAR(20)   NOT NULL,
    agency_code VARCHAR(20),
    version     INTEGER       NOT NULL,
    outcome     VARCHAR(10)   NOT NULL,
    stored_as   VARCHAR(500)  NOT NULL,
    reasons     VARCHAR(8000),
    sha256      VARCHAR(64)   NOT NULL,
    received_at TIMESTAMP     NOT NULL
);
CREATE INDEX inbox_files_by_audit ON inbox_files (audit_ref, kind, agency_code);

-- Room for Phase 2 onwards: agency returns, their findings, and agreed actions.
CREATE TABLE returns (
    audit_ref    VARCHAR(40)  NOT NULL REFERENCES audits (ref),
    agency_code  VARCHAR(20)  NOT NULL,
    version      INTEGER      NOT NULL,
    status       VARCHAR(20)  NOT NULL,
    completed_by VARCHAR(300),
    accepted_at  TIMESTAMP,
    PRIMARY KEY (audit_ref, agency_code)
);

CREATE TABLE findings (
    audit_ref        VARCHAR(40)   NOT NULL REFERENCES audits (ref),
    agency_code      VARCHAR(20)   NOT NULL,
    unit_ref         VARCHAR(300)  NOT NULL,
    domain           VARCHAR(300)  NOT NULL,
    grade            VARCHAR(30)   NOT NULL,
    worked_well      VARCHAR(4000),
    worked_less_well VARCHAR(4000),
    learning         VARCHAR(4000),
    PRIMARY KEY (audit_ref, agency_code, unit_ref, domain)
);

CREATE TABLE actions (
    audit_ref    VARCHAR(40)   NOT NULL REFERENCES audits (ref),
    action_id    VARCHAR(40)   NOT NULL,
    action       VARCHAR(2000) NOT NULL,
    owner_agency VARCHAR(20)   NOT NULL,
    due_date     DATE          NOT NULL,
    theme        VARCHAR(300),
    review_refs  VARCHAR(400),
    status       VARCHAR(20)   NOT NULL,
    PRIMARY KEY (audit_ref, action_id)
);
