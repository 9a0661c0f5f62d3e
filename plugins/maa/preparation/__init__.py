"""Phase 1, preparation: the notice, the Audit Panel's case list, the audit packs and return templates."""
