"""Files arriving: the inbox, bounded readers for workbooks and CSV, the Great Expectations checks."""
