-- Events in the audited period by measure, month and category (PAA data section).
SELECT measure, event_month, category, COUNT(*) AS events
FROM paa_events
WHERE audit_ref = :ref AND event_date >= :period_from AND event_date <= :period_to
GROUP BY measure, event_month, category
ORDER BY measure, event_month, category
