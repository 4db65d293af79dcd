-- What the API does for one lesson event (`POST /enrolments/{id}/lessons/{key}/view` on a
-- lesson already completed): lock the enrolment by raising its version, read it, its
-- revision's structure and its progress, and the learner's completed tutorials, in one
-- transaction. Client c of :clients works on enrolments c, c + :clients, … in turn.
\set n random(1, :learners)
BEGIN;
UPDATE course_enrolments SET version = version + 1
 WHERE user_id = ('00000000-0000-4000-8000-' || (200000000000 + :n))::uuid AND state = 'active';
SELECT * FROM course_enrolments
 WHERE user_id = ('00000000-0000-4000-8000-' || (200000000000 + :n))::uuid AND state = 'active';
SELECT * FROM course_revisions WHERE id = '@REVISION@';
SELECT * FROM course_modules WHERE revision_id = '@REVISION@' ORDER BY position;
SELECT * FROM course_lessons WHERE revision_id = '@REVISION@' ORDER BY position;
SELECT * FROM course_lesson_progress p JOIN course_enrolments e ON e.id = p.enrolment_id
 WHERE e.user_id = ('00000000-0000-4000-8000-' || (200000000000 + :n))::uuid AND e.state = 'active';
COMMIT;
