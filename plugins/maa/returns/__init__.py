"""Phase 2, agency returns: the return's checks, each agency's return received, reminders, the deadline."""
