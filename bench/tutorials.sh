#!/usr/bin/env bash
# Video tutorials on PostgreSQL: watch-progress reports of 1,000 simulated viewers of one
# 60-minute tutorial (bench/tutorials/progress.lua), at the pace of players that report
# every 10 s and as fast as the connections carry, and the list and full-text search over
# 2,000 published tutorials with transcripts. Each scenario is measured through the API
# with wrk and as the statements the API sends for it, straight from pgbench
# (bench/tutorials/*.sql). Prints a Markdown table.
#
#   bash bench/tutorials.sh
#   DURATION=30s PACED_DURATION=120s bash bench/tutorials.sh
#
# Needs wrk and pgbench (installed with apt-get when missing) and a PostgreSQL server at
# BENCH_POSTGRES_URL (default postgres://postgres@127.0.0.1:5432/postgres); it creates and
# drops a database academy_bench_tutorials.
set -euo pipefail
cd "$(dirname "$0")/.."
RELEASE="${CARGO_TARGET_DIR:-target}/release"

DURATION="${DURATION:-10s}"
CONNECTIONS="${CONNECTIONS:-32}"
# The paced run: RATE reports/s in all from VIEWERS viewers (one report per viewer every
# VIEWERS / RATE seconds), over PACED_CONNECTIONS connections, long enough for every viewer
# to report several times.
VIEWERS=1000
RATE="${RATE:-100}"
PACED_DURATION="${PACED_DURATION:-60s}"
PACED_CONNECTIONS="${PACED_CONNECTIONS:-10}"
TARGET_P99_MS=50
PG_SERVER="${BENCH_POSTGRES_URL:-postgres://postgres@127.0.0.1:5432/postgres}"
PG_DB="academy_bench_tutorials"
PG_URL="${PG_SERVER%/*}/$PG_DB"
WORK="$(mktemp -d /tmp/academy-bench-tutorials.XXXXXX)"
PORT=8130
PID=""
PASSWORD="Verwaltung am Marktplatz 7"

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
echo "seeding 2,000 tutorials and $VIEWERS viewers…" >&2
psql "$PG_URL" -q -v ON_ERROR_STOP=1 -f bench/tutorials/seed.sql >/dev/null

DATABASE_URL="$PG_URL" ACADEMY_BIND="127.0.0.1:$PORT" ACADEMY_LOG=warn ACADEMY_DEV_MODE=true \
  ACADEMY_MAIL_WORKER=false ACADEMY_FILES_DIR="$WORK/files" "$RELEASE"/academy serve \
  >"$WORK/academy.log" 2>&1 &
PID=$!
for _ in $(seq 1 100); do
  curl -fs "http://127.0.0.1:$PORT/health/ready" >/dev/null 2>&1 && break
  sleep 0.1
done

echo "signing in $VIEWERS viewers…" >&2
for n in $(seq 1 "$VIEWERS"); do
  curl -fs -X POST "http://127.0.0.1:$PORT/api/v1/auth/login" -H 'Content-Type: application/json' \
    -d "{\"email\":\"zuschauer-$n@example.org\",\"password\":\"$PASSWORD\"}" |
    sed -E 's/.*"accessToken":"([^"]+)".*/\1/'
  echo
done >"$WORK/tokens"
TUTORIAL="$(psql "$PG_URL" -Atc "SELECT id FROM tutorials WHERE slug = 'bench-tutorial-1'")"

# wrk's duration as a number of milliseconds: "812.00us", "3.20ms", "1.05s".
to_ms() { awk '{ v = $1 + 0; if ($1 ~ /us$/) v /= 1000; else if ($1 ~ /[0-9]s$/) v *= 1000; printf "%.2f", v }' <<<"$1"; }

row() { # wrk output → "requests/s | p50 | p99 | non-2xx"
  local non2xx
  non2xx="$(awk '/Non-2xx/ {print $NF}' <<<"$1")"
  echo "$(awk '/^Requests\/sec/ {printf "%.0f", $2}' <<<"$1") | $(awk '$1 == "50%" {print $2}' <<<"$1") | $(awk '$1 == "99%" {print $2}' <<<"$1") | ${non2xx:-0}"
}

api() { # path → "requests/s | p50 | p99 | non-2xx"
  row "$(wrk -t2 -c"$CONNECTIONS" -d"$DURATION" --latency "http://127.0.0.1:$PORT$1")"
}

pgb() { # script, pgbench options… → "transactions/s | mean latency"
  local file="$1" out
  shift
  sed -e "s/@TUTORIAL@/$TUTORIAL/g" "bench/tutorials/$file.sql" >"$WORK/$file.sql"
  out="$(pgbench -n -j 2 "$@" -f "$WORK/$file.sql" "$PG_URL" 2>&1)"
  echo "$out" >"$WORK/pgbench-$file.txt"
  echo "$(awk -F'= ' '/^tps/ {printf "%.0f", $2}' <<<"$out") | $(awk -F'= ' '/latency average/ {print $2}' <<<"$out")"
}

progress() { # mode, connections, duration, start position → wrk output
  BENCH_TOKENS="$WORK/tokens" BENCH_TUTORIAL="$TUTORIAL" BENCH_MODE="$1" BENCH_RATE="$RATE" \
    BENCH_THREADS=2 BENCH_START="$4" \
    wrk -t2 -c"$2" -d"$3" --latency -s bench/tutorials/progress.lua "http://127.0.0.1:$PORT/"
}

# The pgbench figure of the report's UPDATE: every client updates its own share of the
# viewers' rows in turn, each time with the number of reports the row holds (reset to 0
# first), so that every conditional UPDATE finds its row, as an accepted report's does.
update_sql() { # clients, pgbench options… → "transactions/s | mean latency"
  local clients="$1" out
  shift
  psql "$PG_URL" -qc "UPDATE tutorial_progress SET reports = 0 WHERE tutorial_id = '$TUTORIAL'" >/dev/null
  out="$(pgb progress -c "$clients" -D clients="$clients" -D viewers="$VIEWERS" -D i=0 "$@")"
  local done_tx stored
  done_tx="$(awk -F': ' '/number of transactions actually processed/ {split($2, a, "/"); print a[1]}' "$WORK/pgbench-progress.txt")"
  stored="$(psql "$PG_URL" -Atc "SELECT sum(reports) FROM tutorial_progress WHERE tutorial_id = '$TUTORIAL'")"
  [ "$done_tx" = "$stored" ] ||
    echo "warning: pgbench ran $done_tx UPDATEs but the rows count $stored reports" >&2
  echo "$out"
}

echo "measuring…" >&2
max_out="$(progress elapsed "$CONNECTIONS" "$DURATION" 0)"
# A viewer who just reported every second or so has little allowance left for a 10 s
# report: wait until every viewer has earned it, as between two reports of a player.
sleep $((VIEWERS / RATE))
paced_out="$(progress paced "$PACED_CONNECTIONS" "$PACED_DURATION" 600)"
progress_rows="$(psql "$PG_URL" -Atc "SELECT count(*) || ' rows, ' || sum(reports) || ' reports' FROM tutorial_progress WHERE tutorial_id = '$TUTORIAL'")"
max_sql="$(update_sql "$CONNECTIONS" -T "${DURATION%s}")"
paced_sql="$(update_sql "$PACED_CONNECTIONS" -R "$RATE" -T "${PACED_DURATION%s}")"

echo "| scenario | API requests/s | API p50 | API p99 | API non-2xx | pgbench tps (same SQL) | pgbench mean latency |"
echo "|---|---:|---:|---:|---:|---:|---:|"
echo "| progress reports, $VIEWERS viewers, as fast as $CONNECTIONS connections go | $(row "$max_out") | $max_sql |"
echo "| progress reports, $VIEWERS viewers every $((VIEWERS / RATE)) s (paced at $RATE/s, $PACED_CONNECTIONS connections, ${PACED_DURATION}) | $(row "$paced_out") | $paced_sql |"
for scenario in "list:/api/v1/tutorials" "captions:/api/v1/tutorials?captions=true" "search:/api/v1/tutorials?q=Klimaanpassung"; do
  name="${scenario%%:*}"
  path="${scenario#*:}"
  echo "| $name \`$path\` | $(api "$path") | $(pgb "$name" -c "$CONNECTIONS" -T "${DURATION%s}") |"
done
echo
echo "progress answers, as fast as possible: $(grep '^accepted=' <<<"$max_out")"
echo "progress answers, paced: $(grep '^accepted=' <<<"$paced_out")"
echo "stored progress of the watched tutorial after both runs: $progress_rows (requests still in flight when wrk stopped are stored but not counted above)"
echo "matching tutorials: $(psql "$PG_URL" -Atc "SELECT (SELECT count(*) FROM tutorials t WHERE EXISTS (SELECT 1 FROM tutorial_tracks x WHERE x.tutorial_id = t.id AND x.kind = 'captions' AND x.status = 'approved' AND x.language = 'de')) || ' with approved German captions, ' || (SELECT count(*) FROM tutorial_search WHERE document @@ plainto_tsquery('german', 'Klimaanpassung')) || ' found by \"Klimaanpassung\", of ' || (SELECT count(*) FROM tutorials)")"
p99="$(to_ms "$(awk '$1 == "99%" {print $2}' <<<"$paced_out")")"
if awk -v p="$p99" -v t="$TARGET_P99_MS" 'BEGIN { exit !(p < t) }'; then
  echo "target: p99 of paced reports ${p99} ms < ${TARGET_P99_MS} ms: met"
else
  echo "target: p99 of paced reports ${p99} ms < ${TARGET_P99_MS} ms: NOT met"
fi
