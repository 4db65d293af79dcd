#!/usr/bin/env bash
# Courses on PostgreSQL: 10,000 enrolments across 100 municipalities (each municipality's
# team enrolled through the API), of which 1,000 learners act at once: lesson events
# (`POST …/lessons/{key}/view`) and quiz attempts (start and submit, scored on the
# server), and the coordinators' municipality report over all 10,000. Each scenario is
# measured through the API with wrk and as the statements the API sends for it, straight
# from pgbench (bench/courses/*.sql). Prints a Markdown table.
#
#   bash bench/courses.sh
#   DURATION=30s CONNECTIONS=64 bash bench/courses.sh
#
# Needs wrk and pgbench (installed with apt-get when missing) and a PostgreSQL server at
# BENCH_POSTGRES_URL (default postgres://postgres@127.0.0.1:5432/postgres); it creates and
# drops a database academy_bench_courses.
set -euo pipefail
cd "$(dirname "$0")/.."
RELEASE="${CARGO_TARGET_DIR:-target}/release"

DURATION="${DURATION:-10s}"
CONNECTIONS="${CONNECTIONS:-32}"
ACTIVE=1000
PG_SERVER="${BENCH_POSTGRES_URL:-postgres://postgres@127.0.0.1:5432/postgres}"
PG_DB="academy_bench_courses"
PG_URL="${PG_SERVER%/*}/$PG_DB"
WORK="$(mktemp -d /tmp/academy-bench-courses.XXXXXX)"
PORT=8140
PID=""
PASSWORD="Verwaltung am Marktplatz 7"
API="http://127.0.0.1:$PORT/api/v1"

cleanup() {
  [ -z "$PID" ] || kill "$PID" 2>/dev/null || true
  wait 2>/dev/null || true
  psql "$PG_SERVER" -qc "DROP DATABASE IF EXISTS $PG_DB WITH (FORCE)" >/dev/null 2>&1 || true
  rm -rf "$WORK"
}
trap cleanup EXIT

command -v wrk >/dev/null || { apt-get update -qq && apt-get install -y -qq wrk >/dev/null; }
command -v pgbench >/dev/null || { apt-get update -qq && apt-get install -y -qq postgresql-contrib >/dev/null; }

echo "building the release binary…" >&2
cargo build --release -q -p academy-server

psql "$PG_SERVER" -qc "DROP DATABASE IF EXISTS $PG_DB WITH (FORCE)" >/dev/null
psql "$PG_SERVER" -qc "CREATE DATABASE $PG_DB" >/dev/null
DATABASE_URL="$PG_URL" ACADEMY_LOG=warn "$RELEASE"/academy migrate up >/dev/null
DATABASE_URL="$PG_URL" ACADEMY_LOG=warn ACADEMY_ADMIN_PASSWORD="$PASSWORD" \
  "$RELEASE"/academy create-admin --email bench-admin@example.org >/dev/null
echo "seeding 100 municipalities of 100 learners…" >&2
psql "$PG_URL" -q -v ON_ERROR_STOP=1 -f bench/courses/seed.sql >/dev/null

DATABASE_URL="$PG_URL" ACADEMY_BIND="127.0.0.1:$PORT" ACADEMY_LOG=warn ACADEMY_DEV_MODE=true \
  ACADEMY_MAIL_WORKER=false ACADEMY_FILES_DIR="$WORK/files" \
  ACADEMY_CONSULTATION_JOBS_INTERVAL=1h "$RELEASE"/academy serve >"$WORK/academy.log" 2>&1 &
PID=$!
for _ in $(seq 1 100); do
  curl -fs "http://127.0.0.1:$PORT/health/ready" >/dev/null 2>&1 && break
  sleep 0.1
done

login() { # email → access token
  curl -fs -X POST "$API/auth/login" -H 'Content-Type: application/json' \
    -d "{\"email\":\"$1\",\"password\":\"$PASSWORD\"}" | sed -E 's/.*"accessToken":"([^"]+)".*/\1/'
}
ADMIN="$(login bench-admin@example.org)"
call() { # method, path, body → response
  curl -fs -X "$1" "$API$2" -H "Authorization: Bearer $ADMIN" -H 'Content-Type: application/json' \
    ${3:+-d "$3"}
}
ORGANISATION="$(psql "$PG_URL" -Atc "SELECT id FROM organisations WHERE name = 'Stiftung Benchmark'")"
COURSE_BODY='{"organisationId":"'"$ORGANISATION"'","title":"Beteiligung im Quartier","summary":"Drei Lektionen und ein Quiz.","estimatedHours":2,
  "modules":[{"title":"Einstieg","lessons":[
    {"title":"Lesen","kind":"text","body":"Beteiligung beginnt früh."},
    {"title":"Weiterlesen","kind":"text","body":"Und sie braucht einen langen Atem."},
    {"title":"Zusammenfassen","kind":"text","body":"Wer früh fragt, plant besser."},
    {"title":"Quiz","kind":"quiz","quiz":{"passMark":100,"questions":[
      {"type":"true_false","prompt":"Beteiligung endet nie.","correct":false}]}}]}]}'
COURSE="$(call POST /courses "$COURSE_BODY" | sed -E 's/^\{"id":"([^"]+)".*/\1/')"
call POST "/courses/$COURSE/submit" >/dev/null
call POST "/courses/$COURSE/publish" >/dev/null
echo "enrolling the 100 municipalities' teams…" >&2
for m in $(psql "$PG_URL" -Atc "SELECT id FROM municipalities WHERE name LIKE 'Beispielgemeinde %'"); do
  call PUT "/courses/$COURSE/teams/$m" '{}' >/dev/null
done
REVISION="$(psql "$PG_URL" -Atc "SELECT live_revision_id FROM courses WHERE id = '$COURSE'")"
LESSON="$(psql "$PG_URL" -Atc "SELECT key FROM course_lessons WHERE revision_id = '$REVISION' AND position = 0")"
read -r QUIZ_LESSON QUIZ_KEY <<<"$(psql "$PG_URL" -AtF ' ' -c "SELECT id, key FROM course_lessons WHERE revision_id = '$REVISION' AND kind = 'quiz'")"
QUESTION="$(psql "$PG_URL" -Atc "SELECT quiz->'questions'->0->>'key' FROM course_lessons WHERE id = '$QUIZ_LESSON'")"
ENROLMENTS="$(psql "$PG_URL" -Atc "SELECT count(*) FROM course_enrolments WHERE course_id = '$COURSE'")"

echo "signing in $ACTIVE learners…" >&2
psql "$PG_URL" -AtF $'\t' -c "SELECT u.email, e.id FROM course_enrolments e JOIN users u ON u.id = e.user_id
  WHERE u.email LIKE 'lernende-%' ORDER BY split_part(split_part(u.email, '-', 2), '@', 1)::int LIMIT $ACTIVE" >"$WORK/enrolments"
while IFS=$'\t' read -r email enrolment; do
  printf '%s\t%s\n' "$(login "$email")" "$enrolment"
done <"$WORK/enrolments" >"$WORK/learners"

row() { # wrk output → "requests/s | p50 | p99 | non-2xx"
  local non2xx
  non2xx="$(awk '/Non-2xx/ {print $NF}' <<<"$1")"
  echo "$(awk '/^Requests\/sec/ {printf "%.0f", $2}' <<<"$1") | $(awk '$1 == "50%" {print $2}' <<<"$1") | $(awk '$1 == "99%" {print $2}' <<<"$1") | ${non2xx:-0}"
}

pgb() { # script, pgbench options… → "transactions/s | mean latency"
  local file="$1" out
  shift
  sed -e "s/@REVISION@/$REVISION/g" -e "s/@QUIZ_LESSON@/$QUIZ_LESSON/g" -e "s/@QUIZ_KEY@/$QUIZ_KEY/g" \
    "bench/courses/$file.sql" >"$WORK/$file.sql"
  out="$(pgbench -n -j 2 -c "$CONNECTIONS" -T "${DURATION%s}" -D learners="$ACTIVE" "$@" -f "$WORK/$file.sql" "$PG_URL" 2>&1)"
  echo "$out" >"$WORK/pgbench-$file.txt"
  echo "$(awk -F'= ' '/^tps/ {printf "%.0f", $2}' <<<"$out") | $(awk -F'= ' '/latency average/ {print $2}' <<<"$out")"
}

learning() { # mode → wrk output
  BENCH_LEARNERS="$WORK/learners" BENCH_MODE="$1" BENCH_THREADS=2 BENCH_LESSON="$LESSON" \
    BENCH_QUIZ="$QUIZ_KEY" BENCH_QUESTION="$QUESTION" \
    wrk -t2 -c"$CONNECTIONS" -d"$DURATION" --latency -s bench/courses/learning.lua "http://127.0.0.1:$PORT/"
}

echo "measuring…" >&2
view_out="$(learning view)"
quiz_out="$(learning quiz)"
report_out="$(wrk -t2 -c"$CONNECTIONS" -d"$DURATION" --latency -H "Authorization: Bearer $ADMIN" \
  "$API/course-reports?groupBy=municipality")"
rss_peak="$(awk '/VmHWM/ {printf "%.0f MiB", $2 / 1024}' "/proc/$PID/status")"
view_sql="$(pgb event)"
quiz_sql="$(pgb quiz)"
report_sql="$(pgb report)"

echo "| scenario | API requests/s | API p50 | API p99 | API non-2xx | pgbench tps (same SQL) | pgbench mean latency |"
echo "|---|---:|---:|---:|---:|---:|---:|"
echo "| lesson events, $ACTIVE learners, $CONNECTIONS connections | $(row "$view_out") | $view_sql |"
echo "| quiz attempts (start, submit), $ACTIVE learners | $(row "$quiz_out") | $quiz_sql |"
echo "| municipality report over $ENROLMENTS enrolments | $(row "$report_out") | $report_sql |"
echo
echo "lesson events: $(grep '^answers=' <<<"$view_out")"
echo "quiz requests: $(grep '^answers=' <<<"$quiz_out")"
echo "stored: $(psql "$PG_URL" -Atc "SELECT (SELECT count(*) FROM course_enrolments) || ' enrolments in ' || (SELECT count(DISTINCT team_id) FROM course_enrolments) || ' teams, ' || (SELECT count(*) FROM course_lesson_progress) || ' lesson rows, ' || (SELECT count(*) FROM course_quiz_attempts WHERE submitted_at IS NOT NULL) || ' submitted attempts'")"
echo "server RSS peak: $rss_peak"
