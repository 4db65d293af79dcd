#!/usr/bin/env bash
# Guides on PostgreSQL with 10,000 published guides: list, filter and full-text search
# through the API (wrk, 32 connections), and the same statements straight from pgbench
# — how close the API gets to what the database itself can do. Prints a Markdown table.
#
#   bash bench/guides.sh
#   DURATION=30s bash bench/guides.sh
#
# Needs wrk and pgbench (installed with apt-get when missing) and a PostgreSQL server at
# BENCH_POSTGRES_URL (default postgres://postgres@127.0.0.1:5432/postgres); it creates and
# drops a database academy_bench_guides.
set -euo pipefail
cd "$(dirname "$0")/.."
RELEASE="${CARGO_TARGET_DIR:-target}/release"

DURATION="${DURATION:-10s}"
CONNECTIONS="${CONNECTIONS:-32}"
PG_SERVER="${BENCH_POSTGRES_URL:-postgres://postgres@127.0.0.1:5432/postgres}"
PG_DB="academy_bench_guides"
PG_URL="${PG_SERVER%/*}/$PG_DB"
WORK="$(mktemp -d /tmp/academy-bench-guides.XXXXXX)"
PORT=8110
PID=""

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
echo "seeding 10,000 guides…" >&2
psql "$PG_URL" -q -f bench/guides/seed.sql >/dev/null

DATABASE_URL="$PG_URL" ACADEMY_BIND="127.0.0.1:$PORT" ACADEMY_LOG=warn ACADEMY_DEV_MODE=true \
  ACADEMY_MAIL_WORKER=false ACADEMY_FILES_DIR="$WORK/files" "$RELEASE"/academy serve \
  >"$WORK/academy.log" 2>&1 &
PID=$!
for _ in $(seq 1 100); do
  curl -fs "http://127.0.0.1:$PORT/health/ready" >/dev/null 2>&1 && break
  sleep 0.1
done

api() { # path → "requests/s | p50 | p99"
  local out
  out="$(wrk -t2 -c"$CONNECTIONS" -d"$DURATION" --latency "http://127.0.0.1:$PORT$1")"
  grep -q "Non-2xx" <<<"$out" && echo "warning: $1 had non-2xx answers" >&2
  echo "$(awk '/^Requests\/sec/ {printf "%.0f", $2}' <<<"$out") | $(awk '$1 == "50%" {print $2}' <<<"$out") | $(awk '$1 == "99%" {print $2}' <<<"$out")"
}

sql() { # script → "transactions/s | mean latency"
  local out
  out="$(pgbench -n -c "$CONNECTIONS" -j 2 -T "${DURATION%s}" -f "bench/guides/$1.sql" "$PG_URL" 2>&1)"
  echo "$(awk -F'= ' '/^tps/ {printf "%.0f", $2}' <<<"$out") | $(awk -F'= ' '/latency average/ {print $2}' <<<"$out")"
}

echo "| scenario | API requests/s | API p50 | API p99 | pgbench tps (same SQL) | pgbench mean latency |"
echo "|---|---:|---:|---:|---:|---:|"
for scenario in "list:/api/v1/guides?limit=20" "filter:/api/v1/guides?fieldOfAction=housing&limit=20" "search:/api/v1/guides?q=Klimaanpassung&limit=20"; do
  name="${scenario%%:*}"
  path="${scenario#*:}"
  echo "| $name \`$path\` | $(api "$path") | $(sql "$name") |"
done
