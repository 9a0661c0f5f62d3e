"""Phase 3, the findings meeting: the practitioner pack and its addendum, the chair's briefing, and the
chair's analysis received and checked."""
