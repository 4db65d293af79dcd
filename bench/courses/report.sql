-- The municipality report's statement (`GET /course-reports?groupBy=municipality`), as
-- the API sends it for a coordinator.
WITH quiz AS (SELECT enrolment_id, COUNT(*) AS n, SUM(score * 100.0 / max_score) AS total
    FROM course_quiz_attempts WHERE submitted_at IS NOT NULL AND max_score > 0
    GROUP BY enrolment_id),
  begun AS (SELECT DISTINCT enrolment_id FROM course_lesson_progress),
  certified AS (SELECT enrolment_id FROM course_certificates WHERE revoked_at IS NULL)
SELECT COALESCE(m.id::text, '') AS key, MAX(COALESCE(m.name, 'ohne bestätigte Kommune')) AS name,
  COUNT(*) AS enrolled,
  COALESCE(SUM(CASE WHEN e.state = 'active' AND b.enrolment_id IS NOT NULL THEN 1 ELSE 0 END), 0) AS in_progress,
  COALESCE(SUM(CASE WHEN e.completed_at IS NOT NULL THEN 1 ELSE 0 END), 0) AS completed,
  COALESCE(SUM(CASE WHEN z.enrolment_id IS NOT NULL THEN 1 ELSE 0 END), 0) AS certified,
  CAST(COALESCE(SUM(q.n), 0) AS BIGINT) AS attempts,
  CAST(SUM(q.total) / NULLIF(SUM(q.n), 0) AS DOUBLE PRECISION) AS average_score
FROM course_enrolments e JOIN users u ON u.id = e.user_id
  LEFT JOIN municipalities m ON m.id = u.municipality_id AND u.municipality_confirmed_at IS NOT NULL
  LEFT JOIN quiz q ON q.enrolment_id = e.id
  LEFT JOIN begun b ON b.enrolment_id = e.id
  LEFT JOIN certified z ON z.enrolment_id = e.id
WHERE e.state <> 'withdrawn'
GROUP BY COALESCE(m.id::text, '') ORDER BY name, key;
