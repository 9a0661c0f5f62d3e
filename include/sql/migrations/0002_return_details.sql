-- Agency returns: when each was received and who the agency nominated for the
-- practitioner event (staff, not children). status: accepted, accepted_late, no_return.
ALTER TABLE returns ADD COLUMN received_at TIMESTAMP;
ALTER TABLE returns ADD COLUMN practitioner_name VARCHAR(300);
ALTER TABLE returns ADD COLUMN practitioner_email VARCHAR(320);
