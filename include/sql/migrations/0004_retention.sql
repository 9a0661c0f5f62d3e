-- Retention of identifying data (PRODUCT.md "Personal data"). Portable SQL, like 0001.
-- None of these tables holds a child's name, date of birth or system id, nor any file's contents.

-- Each identifying file removed by the retention purge: which audit, where it was (relative to the
-- data or output folder), its size and digest, and when. The id is derived from (audit, root, path,
-- sha256), so a rerun that meets the same file again records nothing twice.
CREATE TABLE purged_files (
    id          VARCHAR(64)   PRIMARY KEY,
    audit_ref   VARCHAR(40)   NOT NULL,
    root        VARCHAR(10)   NOT NULL,
    path        VARCHAR(1000) NOT NULL,
    size_bytes  BIGINT        NOT NULL,
    sha256      VARCHAR(64)   NOT NULL,
    purged_at   TIMESTAMP     NOT NULL
);
CREATE INDEX purged_files_by_audit ON purged_files (audit_ref);

-- One row per audit, written the first time its purge completes: from then on `maa resolve-case`
-- answers "purged on <date>". approved_on and retention_days are the policy the purge applied.
CREATE TABLE purges (
    audit_ref      VARCHAR(40) PRIMARY KEY,
    approved_on    DATE        NOT NULL,
    retention_days INTEGER     NOT NULL,
    run_day        DATE        NOT NULL,
    purged_at      TIMESTAMP   NOT NULL,
    files          INTEGER     NOT NULL,
    size_bytes     BIGINT      NOT NULL
);

-- Every `maa resolve-case` request: who asked (as they said, and the account they used), when, and
-- the outcome. case_ref is kept only when it is one of the audit's case refs, so a mistyped name is
-- never stored.
CREATE TABLE case_resolutions (
    id        VARCHAR(64)  PRIMARY KEY,
    audit_ref VARCHAR(40)  NOT NULL,
    case_ref  VARCHAR(40),
    asked_by  VARCHAR(200) NOT NULL,
    os_user   VARCHAR(200) NOT NULL,
    asked_at  TIMESTAMP    NOT NULL,
    outcome   VARCHAR(20)  NOT NULL
);
CREATE INDEX case_resolutions_by_audit ON case_resolutions (audit_ref);
