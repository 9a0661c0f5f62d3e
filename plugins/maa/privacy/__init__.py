"""Children's data after the audit: retention's purge of identifying files, and resolving a case ref."""
