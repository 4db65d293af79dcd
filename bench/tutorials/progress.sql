-- POST /api/v1/tutorials/{id}/progress: the conditional UPDATE the server runs for each
-- accepted report of a viewer who has reported before (captured from PostgreSQL's
-- statement log; values inlined, the report's time as now()). Client c updates viewers
-- c + 1, c + 1 + clients, … in turn, each with the number of reports its row holds, so
-- every UPDATE finds its row. The script resets the counts to 0, passes clients, viewers
-- and i = 0 with -D and fills in @TUTORIAL@; viewer n's id ends in 100000000000 + n.
\set share :viewers / :clients
\set viewer 1 + :client_id + :clients * (:i % :share)
\set reports :i / :share
\set next :reports + 1
\set user 100000000000 + :viewer
\set to 610000 + 10000 * :reports
\set covered :to - 580000
\set progress :covered / 3600000.0
UPDATE "tutorial_progress" SET "coverage" = '[{"to": 20000, "from": 0}, {"to": :to, "from": 600000}]', "covered_ms" = :covered, "progress" = :progress, "position_ms" = :to, "credit_ms" = 15000, "reports" = :next, "last_report_at" = now(), "completed_at" = NULL WHERE "tutorial_progress"."user_id" = '00000000-0000-4000-8000-:user' AND "tutorial_progress"."tutorial_id" = '@TUTORIAL@' AND "tutorial_progress"."reports" = :reports;
\set i :i + 1
