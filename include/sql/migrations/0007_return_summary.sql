-- Each agency's summary of its return (the Overview sheet's required `summary`), so that the practitioner
-- pack, the chair's briefing and the Audit Overview Report can show what the agency said. Case refs only:
-- the return's checks refuse a summary that names a nominated child. Empty for returns taken before.
ALTER TABLE returns ADD COLUMN summary TEXT;
