#!/usr/bin/env bash
# Consultation hours on PostgreSQL: booking under contention (200 learners rushing the
# 3-seat slots of one offer) with the seat invariant checked afterwards, and the public
# slot listing over 12 weeks of 200 consultants (48,000 slots). Prints a Markdown table.
#
#   bash bench/consultation.sh
#   DURATION=30s CONNECTIONS=64 bash bench/consultation.sh
#
# Each slot listing is also measured as the statements the API sends for it, straight from
# pgbench at the same concurrency (bench/consultation/*.sql).
#
# Needs wrk and pgbench (installed with apt-get when missing) and a PostgreSQL server at
# BENCH_POSTGRES_URL (default postgres://postgres@127.0.0.1:5432/postgres); it creates
# and drops a database academy_bench_consultation.
set -euo pipefail
cd "$(dirname "$0")/.."
RELEASE="${CARGO_TARGET_DIR:-target}/release"

DURATION="${DURATION:-10s}"
CONNECTIONS="${CONNECTIONS:-32}"
PG_SERVER="${BENCH_POSTGRES_URL:-postgres://postgres@127.0.0.1:5432/postgres}"
PG_DB="academy_bench_consultation"
PG_URL="${PG_SERVER%/*}/$PG_DB"
WORK="$(mktemp -d /tmp/academy-bench-consultation.XXXXXX)"
PORT=8120
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
echo "seeding 200 consultants with 12 weeks of slots and 200 learners…" >&2
psql "$PG_URL" -q -v ON_ERROR_STOP=1 -f bench/consultation/seed.sql >/dev/null

DATABASE_URL="$PG_URL" ACADEMY_BIND="127.0.0.1:$PORT" ACADEMY_LOG=warn ACADEMY_DEV_MODE=true \
  ACADEMY_MAIL_WORKER=false ACADEMY_FILES_DIR="$WORK/files" \
  "$RELEASE"/academy serve \
  >"$WORK/academy.log" 2>&1 &
PID=$!
for _ in $(seq 1 100); do
  curl -fs "http://127.0.0.1:$PORT/health/ready" >/dev/null 2>&1 && break
  sleep 0.1
done

echo "signing in 200 learners…" >&2
for n in $(seq 1 200); do
  curl -fs -X POST "http://127.0.0.1:$PORT/api/v1/auth/login" -H 'Content-Type: application/json' \
    -d "{\"email\":\"lernende-$n@example.org\",\"password\":\"$PASSWORD\"}" |
    sed -E 's/.*"accessToken":"([^"]+)".*/\1/'
  echo
done >"$WORK/tokens"
psql "$PG_URL" -Atc "SELECT s.id FROM consultation_slots s JOIN consultation_offers o ON o.id = s.offer_id
  WHERE o.title = 'Gruppensprechstunde' ORDER BY s.starts_at LIMIT 40" >"$WORK/slots"

FROM="$(date -u +%Y-%m-%dT%H:%M:%SZ)"
TO="$(date -u -d '+84 days' +%Y-%m-%dT%H:%M:%SZ)"
CONSULTANT="$(psql "$PG_URL" -Atc "SELECT id FROM users WHERE email = 'berater-17@example.org'")"

api() { # path → "requests/s | p50 | p99"
  local out
  out="$(wrk -t2 -c"$CONNECTIONS" -d"$DURATION" --latency "http://127.0.0.1:$PORT$1")"
  grep -q "Non-2xx" <<<"$out" && echo "warning: $1 had non-2xx answers" >&2
  echo "$(awk '/^Requests\/sec/ {printf "%.0f", $2}' <<<"$out") | $(awk '$1 == "50%" {print $2}' <<<"$out") | $(awk '$1 == "99%" {print $2}' <<<"$out")"
}

sql() { # script, offset → "transactions/s | mean latency"
  local out
  sed -e "s/@FROM@/$FROM/g; s/@TO@/$TO/g; s/@CONSULTANT@/$CONSULTANT/g; s/@OFFSET@/$2/g" \
    "bench/consultation/$1.sql" >"$WORK/$1.sql"
  out="$(pgbench -n -c "$CONNECTIONS" -j 2 -T "${DURATION%s}" -f "$WORK/$1.sql" "$PG_URL" 2>&1)"
  echo "$(awk -F'= ' '/^tps/ {printf "%.0f", $2}' <<<"$out") | $(awk -F'= ' '/latency average/ {print $2}' <<<"$out")"
}

RANGE="from=$FROM&to=$TO&limit=100"
echo "| scenario | API requests/s | API p50 | API p99 | pgbench tps (same SQL) | pgbench mean latency |"
echo "|---|---:|---:|---:|---:|---:|"
echo "| slots, 12 weeks × 200 consultants, first page of 100 | $(api "/api/v1/consultation-slots?$RANGE") | $(sql slots 0) |"
echo "| slots, same range, page at offset 40,000 | $(api "/api/v1/consultation-slots?$RANGE&offset=40000") | $(sql slots 40000) |"
echo "| slots of one consultant, 12 weeks | $(api "/api/v1/consultation-slots?consultant=$CONSULTANT&$RANGE") | $(sql consultant 0) |"
echo "| slots by field of action, 12 weeks | $(api "/api/v1/consultation-slots?fieldOfAction=housing&$RANGE") | $(sql field 0) |"

out="$(BENCH_TOKENS="$WORK/tokens" BENCH_SLOTS="$WORK/slots" \
  wrk -t2 -c"$CONNECTIONS" -d"$DURATION" --latency -s bench/consultation/book.lua "http://127.0.0.1:$PORT/")"
echo "| booking rush: 200 learners, 40 slots × 3 seats | $(awk '/^Requests\/sec/ {printf "%.0f", $2}' <<<"$out") | $(awk '$1 == "50%" {print $2}' <<<"$out") | $(awk '$1 == "99%" {print $2}' <<<"$out") | | |"
echo
echo "booking answers: $(grep '^created=' <<<"$out")"
violations="$(psql "$PG_URL" -Atc "SELECT count(*) FROM consultation_slots s
  WHERE s.booked + s.held > s.capacity
     OR s.booked <> (SELECT count(*) FROM consultation_bookings b
                     WHERE b.slot_id = s.id AND b.status IN ('pending', 'confirmed'))")"
booked="$(psql "$PG_URL" -Atc "SELECT count(*) FROM consultation_bookings")"
echo "invariant: $booked bookings stored for 120 seats; slots over capacity or out of step with their bookings: $violations"
[ "$violations" = 0 ] && [ "$booked" -le 120 ]
