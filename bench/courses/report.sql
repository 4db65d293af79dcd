-- The municipality report's statement (`GET /course-reports?groupBy=municipality`), as
-- the API sends it for a coordinator.
SELECT COALESCE(CASE WHEN u.municipality_confirmed_at IS NULL THEN NULL ELSE u.municipality_id END::text, '') AS key,
  MAX(COALESCE((SELECT m.name FROM municipalities m WHERE m.id = CASE WHEN u.municipality_confirmed_at IS NULL THEN NULL ELSE u.municipality_id END), 'ohne bestätigte Kommune')) AS name,
  COUNT(*) AS enrolled,
  COALESCE(SUM(CASE WHEN e.state = 'active' AND EXISTS
    (SELECT 1 FROM course_lesson_progress p WHERE p.enrolment_id = e.id) THEN 1 ELSE 0 END), 0) AS in_progress,
  COALESCE(SUM(CASE WHEN e.completed_at IS NOT NULL THEN 1 ELSE 0 END), 0) AS completed,
  COALESCE(SUM(CASE WHEN EXISTS (SELECT 1 FROM course_certificates c
    WHERE c.enrolment_id = e.id AND c.revoked_at IS NULL) THEN 1 ELSE 0 END), 0) AS certified,
  CAST(COALESCE(SUM((SELECT COUNT(*) FROM course_quiz_attempts a
    WHERE a.enrolment_id = e.id AND a.submitted_at IS NOT NULL)), 0) AS BIGINT) AS attempts,
  CAST(SUM((SELECT SUM(a.score * 100.0 / a.max_score) FROM course_quiz_attempts a
    WHERE a.enrolment_id = e.id AND a.submitted_at IS NOT NULL AND a.max_score > 0))
    / NULLIF(SUM((SELECT COUNT(*) FROM course_quiz_attempts a
    WHERE a.enrolment_id = e.id AND a.submitted_at IS NOT NULL AND a.max_score > 0)), 0)
    AS DOUBLE PRECISION) AS average_score
FROM course_enrolments e JOIN users u ON u.id = e.user_id
WHERE e.state <> 'withdrawn'
GROUP BY COALESCE(CASE WHEN u.municipality_confirmed_at IS NULL THEN NULL ELSE u.municipality_id END::text, '')
ORDER BY name, key;
