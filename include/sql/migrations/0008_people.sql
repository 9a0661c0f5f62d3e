-- The people who answered a sign-off, as Airflow's API server knew them at the moment it let them answer
-- (their FAB user record, filled from the directory at each login): a decision names the person, not the
-- login. Keyed by login; the auth manager's user id is kept beside it. No child's data.
CREATE TABLE people (
    login     VARCHAR(256) PRIMARY KEY,
    user_id   VARCHAR(64)  NOT NULL,
    full_name VARCHAR(256) NOT NULL,
    email     VARCHAR(320),
    noted_at  TIMESTAMP    NOT NULL
);
