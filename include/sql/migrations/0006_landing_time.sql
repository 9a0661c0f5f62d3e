-- When each file landed in the inbox, by the inbox's own clock (its modification time), beside when the
-- pipeline took it (received_at): whether a return was on time is decided from the landing, never from
-- when a task happened to look. Empty for files taken before this migration.
ALTER TABLE inbox_files ADD COLUMN landed_at TIMESTAMP;
