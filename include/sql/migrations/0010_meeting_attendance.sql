-- The findings meeting as it is held, and Phase 4's sharing of the learning. Portable SQL (SQLite and
-- PostgreSQL). People here are professionals: no column holds a child's name, date of birth or system id
-- (a return naming a nominated child as an attendee is refused before anything is stored).

-- Further attendees an agency's accepted return lists (Overview rows attendee_1 ... attendee_9), replaced
-- with the agency's findings whenever a newer return is accepted.
CREATE TABLE meeting_attendees (
    audit_ref   VARCHAR(40)  NOT NULL,
    agency_code VARCHAR(20)  NOT NULL,
    position    INTEGER      NOT NULL,
    name        VARCHAR(300) NOT NULL,
    role        VARCHAR(100) NOT NULL,
    email       VARCHAR(320) NOT NULL,
    PRIMARY KEY (audit_ref, agency_code, position)
);

-- Who attended, as the Business Unit recorded it after the meeting (audit pages or inbox/<REF>/attendance.csv):
-- one row per invited person's email (lower-cased), the latest accepted record replacing an earlier one.
CREATE TABLE meeting_attendance (
    audit_ref   VARCHAR(40)  NOT NULL,
    email       VARCHAR(320) NOT NULL,
    attended    BOOLEAN      NOT NULL,
    version     INTEGER      NOT NULL,
    recorded_at TIMESTAMP    NOT NULL,
    PRIMARY KEY (audit_ref, email)
);

-- Phase 4: each agency's coordinator confirms when and how the learning briefing was shared in the agency.
-- A later confirmation replaces the earlier one.
CREATE TABLE learning_shared (
    audit_ref    VARCHAR(40)  NOT NULL,
    agency_code  VARCHAR(20)  NOT NULL,
    shared_on    DATE         NOT NULL,
    how          VARCHAR(300) NOT NULL,
    confirmed_by VARCHAR(256) NOT NULL,
    confirmed_at TIMESTAMP    NOT NULL,
    PRIMARY KEY (audit_ref, agency_code)
);
