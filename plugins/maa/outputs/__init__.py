"""What the pipeline keeps and sends: the audit store, the mailer and its ledger, PDF rendering, charts."""
