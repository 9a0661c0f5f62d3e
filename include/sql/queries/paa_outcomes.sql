-- Outcomes recorded in the audited period, by measure; rows without an outcome are counted as such.
SELECT measure, COALESCE(outcome, '') AS outcome, COUNT(*) AS events
FROM paa_events
WHERE audit_ref = :ref AND event_date >= :period_from AND event_date <= :period_to
GROUP BY measure, COALESCE(outcome, '')
ORDER BY measure, COALESCE(outcome, '')
