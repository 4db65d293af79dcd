-- What the API does for one quiz attempt, start and submission (the two requests of
-- `BENCH_MODE=quiz`): lock the enrolment, count the earlier attempts, insert the attempt,
-- and close it with its score by a conditional update, in one transaction each.
\set n random(1, :learners)
BEGIN;
UPDATE course_enrolments SET version = version + 1
 WHERE user_id = ('00000000-0000-4000-8000-' || (200000000000 + :n))::uuid AND state = 'active';
SELECT number FROM course_quiz_attempts a JOIN course_enrolments e ON e.id = a.enrolment_id
 WHERE e.user_id = ('00000000-0000-4000-8000-' || (200000000000 + :n))::uuid AND e.state = 'active'
 ORDER BY number DESC;
INSERT INTO course_quiz_attempts (id, enrolment_id, lesson_id, lesson_key, number, layout, answers,
                                  started_at, max_score, version)
SELECT gen_random_uuid(), e.id, '@QUIZ_LESSON@', '@QUIZ_KEY@',
       1 + (SELECT COALESCE(max(number), 0) FROM course_quiz_attempts a WHERE a.enrolment_id = e.id),
       '[]', '{}', now(), 1, 1
  FROM course_enrolments e
 WHERE e.user_id = ('00000000-0000-4000-8000-' || (200000000000 + :n))::uuid AND e.state = 'active';
COMMIT;
BEGIN;
UPDATE course_quiz_attempts SET submitted_at = now(), score = 0, passed = false, results = '{}',
       version = version + 1
 WHERE submitted_at IS NULL AND enrolment_id =
       (SELECT id FROM course_enrolments
         WHERE user_id = ('00000000-0000-4000-8000-' || (200000000000 + :n))::uuid AND state = 'active');
COMMIT;
