-- Partnership Arrangements Audits: the year's data, one row per event from the Business Unit's extracts.
-- An event row holds a date, a category and an optional outcome, nothing else: no child's name,
-- date of birth or id ever reaches the store (the extract checks refuse any other column).
-- event_month ('YYYY-MM') is kept beside the date because month arithmetic differs between SQLite
-- (strftime) and PostgreSQL (to_char); grouping on a stored column is the same SQL on both.
-- A newer accepted extract for a measure replaces that measure's rows; the key (audit, measure, row)
-- means a rerun writes no row twice.
CREATE TABLE paa_events (
    audit_ref   VARCHAR(40)  NOT NULL REFERENCES audits (ref),
    measure     VARCHAR(30)  NOT NULL,
    row_number  INTEGER      NOT NULL,
    event_date  DATE         NOT NULL,
    event_month CHAR(7)      NOT NULL,
    category    VARCHAR(100) NOT NULL,
    outcome     VARCHAR(100),
    PRIMARY KEY (audit_ref, measure, row_number)
);
CREATE INDEX paa_events_by_month ON paa_events (audit_ref, measure, event_month);

-- Which extract each measure's rows came from (the archived file's version) and whether it had outcomes,
-- so the report can say what it rests on and tell "no extract" from "no events".
CREATE TABLE paa_extracts (
    audit_ref   VARCHAR(40)  NOT NULL REFERENCES audits (ref),
    measure     VARCHAR(30)  NOT NULL,
    version     INTEGER      NOT NULL,
    row_count   INTEGER      NOT NULL,
    has_outcome INTEGER      NOT NULL,
    first_date  DATE,
    last_date   DATE,
    accepted_at TIMESTAMP    NOT NULL,
    PRIMARY KEY (audit_ref, measure)
);
