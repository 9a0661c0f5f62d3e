"""The programme across audits: QiiP's programme report and the records a PAA's first area is filled from."""
