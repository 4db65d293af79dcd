#!/usr/bin/env bash
# Load benchmark of the academy server. Prints a Markdown table of throughput, latency and
# memory; copy it into bench/README.md together with the machine it ran on.
#
#   bash bench/run.sh                 # 10 s per scenario, 32 connections
#   DURATION=30s CONNECTIONS=64 bash bench/run.sh
#
# Needs wrk (installed with apt-get when missing) and, for the PostgreSQL rows, a server at
# BENCH_POSTGRES_URL (default postgres://postgres@127.0.0.1:5432/postgres).
set -euo pipefail
cd "$(dirname "$0")/.."
RELEASE="${CARGO_TARGET_DIR:-target}/release"

DURATION="${DURATION:-10s}"
CONNECTIONS="${CONNECTIONS:-32}"
THREADS="${THREADS:-2}"
PG_SERVER="${BENCH_POSTGRES_URL:-postgres://postgres@127.0.0.1:5432/postgres}"
PG_DB="academy_bench"
WORK="$(mktemp -d /tmp/academy-bench.XXXXXX)"
PIDS=()

cleanup() {
  for pid in "${PIDS[@]}"; do kill "$pid" 2>/dev/null || true; done
  wait 2>/dev/null || true
  rm -rf "$WORK"
}
trap cleanup EXIT

command -v wrk >/dev/null || { apt-get update -qq && apt-get install -y -qq wrk >/dev/null; }

echo "building release binaries…" >&2
cargo build --release -q -p academy-server -p academy-bench

rss_kib() { awk '/^VmRSS/ {print $2}' "/proc/$1/status"; }
peak_kib() { awk '/^VmHWM/ {print $2}' "/proc/$1/status"; }

wait_ready() {
  for _ in $(seq 1 100); do
    curl -fs "$1" >/dev/null 2>&1 && return 0
    sleep 0.1
  done
  echo "server at $1 did not come up" >&2
  return 1
}

# wrk → "requests/s | p50 | p99"
measure() {
  local out
  out="$(wrk -t"$THREADS" -c"$CONNECTIONS" -d"$DURATION" --latency "$1")"
  local rps p50 p99 errors
  rps="$(awk '/^Requests\/sec/ {printf "%.0f", $2}' <<<"$out")"
  p50="$(awk '$1 == "50%" {print $2}' <<<"$out")"
  p99="$(awk '$1 == "99%" {print $2}' <<<"$out")"
  errors="$(awk '/Non-2xx|Socket errors/ {print}' <<<"$out" | tr '\n' ' ')"
  [ -z "$errors" ] || echo "warning: $1: $errors" >&2
  echo "$rps | $p50 | $p99"
}

export ACADEMY_JWT_SECRET="benchmark-secret-benchmark-secret-0123456789"
export ACADEMY_MAIL_DIR="$WORK/mail"

start_academy() { # name database-url port
  DATABASE_URL="$2" ACADEMY_BIND="127.0.0.1:$3" ACADEMY_LOG="${ACADEMY_LOG:-info}" \
    ACADEMY_LOG_FORMAT=json "$RELEASE"/academy serve >"$WORK/$1.log" 2>&1 &
  PIDS+=($!)
  wait_ready "http://127.0.0.1:$3/health/live"
  echo "${PIDS[-1]}"
}

echo "| server | endpoint | requests/s | p50 | p99 | RSS idle | RSS peak |"
echo "|---|---|---:|---:|---:|---:|---:|"

BARE_BIND=127.0.0.1:8091 "$RELEASE"/bare >/dev/null 2>&1 &
PIDS+=($!)
bare=$!
wait_ready "http://127.0.0.1:8091/health/live"
idle="$(rss_kib "$bare")"
row="$(measure http://127.0.0.1:8091/health/live)"
echo "| bare actix-web | /health/live | $row | ${idle} KiB | $(peak_kib "$bare") KiB |"
kill "$bare"

sqlite_pid="$(start_academy sqlite "sqlite://$WORK/academy.db" 8092)"
idle="$(rss_kib "$sqlite_pid")"
for endpoint in /health/live /health/ready; do
  row="$(measure "http://127.0.0.1:8092$endpoint")"
  echo "| academy, SQLite | $endpoint | $row | ${idle} KiB | $(peak_kib "$sqlite_pid") KiB |"
done
kill "$sqlite_pid"

# The same pipeline without the access log: how much of the cost is the log line.
quiet_pid="$(ACADEMY_LOG=warn start_academy quiet "sqlite://$WORK/academy.db" 8094)"
idle="$(rss_kib "$quiet_pid")"
row="$(measure http://127.0.0.1:8094/health/live)"
echo "| academy, SQLite, access log off | /health/live | $row | ${idle} KiB | $(peak_kib "$quiet_pid") KiB |"
kill "$quiet_pid"

if psql "$PG_SERVER" -qc "DROP DATABASE IF EXISTS $PG_DB WITH (FORCE)" >/dev/null 2>&1 &&
  psql "$PG_SERVER" -qc "CREATE DATABASE $PG_DB" >/dev/null; then
  pg_url="${PG_SERVER%/*}/$PG_DB"
  pg_pid="$(start_academy postgres "$pg_url" 8093)"
  idle="$(rss_kib "$pg_pid")"
  for endpoint in /health/live /health/ready; do
    row="$(measure "http://127.0.0.1:8093$endpoint")"
    echo "| academy, PostgreSQL | $endpoint | $row | ${idle} KiB | $(peak_kib "$pg_pid") KiB |"
  done
  kill "$pg_pid"
  psql "$PG_SERVER" -qc "DROP DATABASE IF EXISTS $PG_DB WITH (FORCE)" >/dev/null
else
  echo "(PostgreSQL at $PG_SERVER not reachable: PostgreSQL rows skipped)" >&2
fi

# Login storm: every request is a full argon2id verification (19 MiB, t=2), so throughput
# is bounded by the CPU, not by the server. Meanwhile a light load on /health/live shows
# whether other requests stall; the same light load alone is the baseline.
LIGHT="${LIGHT_CONNECTIONS:-4}"
measure_light() { # url → "requests/s | p50 | p99"
  local out
  out="$(wrk -t1 -c"$LIGHT" -d"$DURATION" --latency "$1")"
  echo "$(awk '/^Requests\/sec/ {printf "%.0f", $2}' <<<"$out") | $(awk '$1 == "50%" {print $2}' <<<"$out") | $(awk '$1 == "99%" {print $2}' <<<"$out")"
}
for concurrency in ${HASH_CONCURRENCY:-1 2}; do
  db="sqlite://$WORK/login-$concurrency.db"
  ACADEMY_ADMIN_PASSWORD="Verwaltung am Marktplatz 7" DATABASE_URL="$db" ACADEMY_LOG=warn \
    "$RELEASE"/academy create-admin --email bench@example.org >/dev/null
  port=$((8100 + concurrency))
  # Attempts in flight count against the login throttle until they succeed, so 32
  # parallel sign-ins of one account from one address would be refused beyond the limits
  # of 5 and 50: raised here, so the storm measures the sign-in and its throttle
  # bookkeeping rather than refusals.
  login_pid="$(ACADEMY_PASSWORD_HASH_CONCURRENCY=$concurrency ACADEMY_LOGIN_MAX_FAILURES=1024 \
    ACADEMY_LOGIN_MAX_FAILURES_PER_CLIENT=1024 start_academy "login-$concurrency" "$db" "$port")"
  idle="$(rss_kib "$login_pid")"
  alone="$(measure_light "http://127.0.0.1:$port/health/live")"
  echo "| academy, SQLite, hash concurrency $concurrency | /health/live alone, $LIGHT connections | $alone | ${idle} KiB | $(peak_kib "$login_pid") KiB |"
  # The storm starts first and ends last, so the light load runs entirely inside it.
  wrk -t1 -c"$CONNECTIONS" -d"$((${DURATION%s} + 2))s" --latency -s bench/login.lua "http://127.0.0.1:$port/api/v1/auth/login" >"$WORK/storm.txt" &
  storm=$!
  sleep 1
  during="$(measure_light "http://127.0.0.1:$port/health/live")"
  wait "$storm"
  storm_rps="$(awk '/^Requests\/sec/ {printf "%.1f", $2}' "$WORK/storm.txt")"
  storm_p50="$(awk '$1 == "50%" {print $2}' "$WORK/storm.txt")"
  storm_p99="$(awk '$1 == "99%" {print $2}' "$WORK/storm.txt")"
  grep -q "Non-2xx" "$WORK/storm.txt" && echo "warning: login storm had non-2xx answers" >&2
  echo "| academy, SQLite, hash concurrency $concurrency | POST /api/v1/auth/login, $CONNECTIONS connections | $storm_rps | $storm_p50 | $storm_p99 | ${idle} KiB | $(peak_kib "$login_pid") KiB |"
  echo "| academy, SQLite, hash concurrency $concurrency | /health/live during the login storm, $LIGHT connections | $during | ${idle} KiB | $(peak_kib "$login_pid") KiB |"
  kill "$login_pid"
done
