-- Events by measure and category in the audited period and in the previous period of the same length.
SELECT measure, category,
       SUM(CASE WHEN event_date >= :period_from AND event_date <= :period_to THEN 1 ELSE 0 END) AS current_events,
       SUM(CASE WHEN event_date >= :previous_from AND event_date <= :previous_to THEN 1 ELSE 0 END)
           AS previous_events
FROM paa_events
WHERE audit_ref = :ref AND event_date >= :previous_from AND event_date <= :period_to
GROUP BY measure, category
ORDER BY measure, category
