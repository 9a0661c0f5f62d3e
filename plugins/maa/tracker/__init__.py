"""The action tracker and Phase 5: the register of agreed actions, owners' updates, reminders, the
monthly report and the impact review."""
