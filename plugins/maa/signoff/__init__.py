"""Phase 4, sign-off: drafts of the Audit Overview Report, the Business Unit's and QiiP's decisions, the
final report and learning briefing."""
