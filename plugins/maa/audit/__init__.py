"""What an audit is: its definition, its timetable, audit time (and rehearsals), pseudonyms for case ids,
and the roles of the people who run it."""
