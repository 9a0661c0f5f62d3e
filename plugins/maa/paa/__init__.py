"""Partnership Arrangements Audits: the year's data extracts, their figures and charts."""
