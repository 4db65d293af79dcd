#!/usr/bin/env bash
# The catalogue on PostgreSQL over 12,300 published items (10,000 guides, 2,000 tutorials,
# 300 courses): the list, a field-of-action filter and a full-text search through
# GET /api/v1/catalogue with wrk, once with the in-process answer cache (the default)
# and once without it (ACADEMY_CATALOGUE_CACHE=0); the statement the API sends for each,
# straight from pgbench (bench/catalogue/*.sql); and /health/live of the academy beside
# the bare actix-web server (bench/bare.rs), to tell the request pipeline's share. Prints
# a Markdown table with the academy's RSS (VmRSS, VmHWM) after each row's load.
#
#   bash bench/catalogue.sh
#   DURATION=30s bash bench/catalogue.sh
#
# Needs wrk and pgbench (installed with apt-get when missing) and a PostgreSQL server at
# BENCH_POSTGRES_URL (default postgres://postgres@127.0.0.1:5432/postgres); it creates and
# drops a database academy_bench_catalogue.
set -euo pipefail
cd "$(dirname "$0")/.."
RELEASE="${CARGO_TARGET_DIR:-target}/release"

DURATION="${DURATION:-10s}"
CONNECTIONS="${CONNECTIONS:-32}"
THREADS="${THREADS:-2}"
PG_SERVER="${BENCH_POSTGRES_URL:-postgres://postgres@127.0.0.1:5432/postgres}"
PG_DB="academy_bench_catalogue"
PG_URL="${PG_SERVER%/*}/$PG_DB"
WORK="$(mktemp -d /tmp/academy-bench-catalogue.XXXXXX)"
PORT=8150          # cache on
PORT_UNCACHED=8151 # ACADEMY_CATALOGUE_CACHE=0
BARE_PORT=8152
ITEMS=12300        # 10,000 guides + 2,000 tutorials + 300 courses
START_TIMEOUT=900  # s: start-up, which includes writing the catalogue from the live content
PASSWORD="Verwaltung am Marktplatz 7"
SCENARIOS=(
  "list:/api/v1/catalogue?limit=20"
  "filter:/api/v1/catalogue?fieldOfAction=climate-environmental-justice&limit=20"
  "search:/api/v1/catalogue?q=Klimaanpassung&limit=20"
)
PIDS=()
LAST_PID=""
declare -A STARTUP MATCHES

cleanup() {
  for pid in "${PIDS[@]}"; do kill "$pid" 2>/dev/null || true; done
  wait 2>/dev/null || true
  psql "$PG_SERVER" -qc "DROP DATABASE IF EXISTS $PG_DB WITH (FORCE)" >/dev/null 2>&1 || true
  rm -rf "$WORK"
}
trap cleanup EXIT

command -v wrk >/dev/null || { apt-get update -qq && apt-get install -y -qq wrk >/dev/null; }
command -v pgbench >/dev/null || { apt-get update -qq && apt-get install -y -qq postgresql-contrib >/dev/null; }

echo "building the release binaries…" >&2
cargo build --release -q -p academy-server -p academy-bench

psql "$PG_SERVER" -qc "DROP DATABASE IF EXISTS $PG_DB WITH (FORCE)" >/dev/null
psql "$PG_SERVER" -qc "CREATE DATABASE $PG_DB" >/dev/null
DATABASE_URL="$PG_URL" ACADEMY_LOG=warn "$RELEASE"/academy migrate up >/dev/null
DATABASE_URL="$PG_URL" ACADEMY_LOG=warn ACADEMY_ADMIN_PASSWORD="$PASSWORD" \
  "$RELEASE"/academy create-admin --email bench-admin@example.org >/dev/null
echo "seeding 10,000 guides, 2,000 tutorials and 300 courses…" >&2
started=$SECONDS
psql "$PG_URL" -q -v ON_ERROR_STOP=1 -f bench/catalogue/seed.sql >/dev/null
SEED_SECONDS=$((SECONDS - started))
# The seed wrote around the application and reset the catalogue; `migrate up` writes it
# from the live content, in a process of its own (the server would do it at start-up, and
# keep the memory it took).
started=$SECONDS
DATABASE_URL="$PG_URL" ACADEMY_LOG=warn "$RELEASE"/academy migrate up >/dev/null
REBUILD_SECONDS=$((SECONDS - started))

rss_kib() { awk '/^VmRSS/ {print $2}' "/proc/$1/status"; }
peak_kib() { awk '/^VmHWM/ {print $2}' "/proc/$1/status"; }
mib() { awk -v k="$1" 'BEGIN {printf "%.1f MiB", k / 1024}'; }
memory() { echo "$(mib "$(rss_kib "$1")") | $(mib "$(peak_kib "$1")")"; } # pid → "VmRSS | VmHWM"

total() { # port, path → the answer's "total" (empty when there is no answer)
  curl -fs "http://127.0.0.1:$1$2" 2>/dev/null | sed -nE 's/.*"total": *([0-9]+).*/\1/p'
}

matches() { # port, path → "n" or, when the total is a lower bound, "≥ n"
  local body count
  body="$(curl -fs "http://127.0.0.1:$1$2")" || { echo "?"; return; }
  count="$(sed -nE 's/.*"total": *([0-9]+).*/\1/p' <<<"$body")"
  if grep -q '"totalExact": *false' <<<"$body"; then echo "≥ $count"; else echo "$count"; fi
}

start_academy() { # name, port, extra VAR=value… → LAST_PID; waits until it serves the catalogue
  local name="$1" port="$2" started=$SECONDS count
  shift 2
  # As in production: access log lines at info, as JSON (to a file).
  env "$@" DATABASE_URL="$PG_URL" ACADEMY_BIND="127.0.0.1:$port" ACADEMY_LOG=info \
    ACADEMY_LOG_FORMAT=json \
    ACADEMY_DEV_MODE=true ACADEMY_MAIL_WORKER=false ACADEMY_FILES_DIR="$WORK/files" \
    ACADEMY_CONSULTATION_JOBS_INTERVAL=1h "$RELEASE"/academy serve >"$WORK/$name.log" 2>&1 &
  LAST_PID=$!
  PIDS+=("$LAST_PID")
  # The server writes its catalogue from the live content before it listens (the seed
  # resets catalogue_state.built); then the list must count every item.
  until curl -fs "http://127.0.0.1:$port/health/ready" >/dev/null 2>&1 &&
    count="$(total "$port" "/api/v1/catalogue?limit=1")" && [ "${count:-0}" -ge "$ITEMS" ]; do
    if ! kill -0 "$LAST_PID" 2>/dev/null; then
      echo "the academy ($name) stopped:" >&2
      tail -n 20 "$WORK/$name.log" >&2
      exit 1
    fi
    if [ $((SECONDS - started)) -ge "$START_TIMEOUT" ]; then
      echo "the academy ($name) did not list $ITEMS items within ${START_TIMEOUT}s (total: ${count:-none})" >&2
      tail -n 20 "$WORK/$name.log" >&2
      exit 1
    fi
    sleep 1
  done
  STARTUP[$name]=$((SECONDS - started))
  echo "academy ($name) serves the catalogue after ${STARTUP[$name]}s" >&2
}

latency() { # microseconds → as wrk prints it: 812.00us, 3.20ms, 1.05s
  awk -v us="$1" 'BEGIN {
    if (us < 1000) printf "%.2fus", us; else if (us < 1000000) printf "%.2fms", us / 1000;
    else printf "%.2fs", us / 1000000 }'
}

api() { # port, path → "requests/s | p50 | p99"
  local out
  out="$(wrk -t"$THREADS" -c"$CONNECTIONS" -d"$DURATION" --latency "http://127.0.0.1:$1$2")"
  awk '/Non-2xx|Socket errors/' <<<"$out" | while read -r line; do echo "warning: $2: $line" >&2; done
  echo "$(awk '/^Requests\/sec/ {printf "%.0f", $2}' <<<"$out") | $(awk '$1 == "50%" {print $2}' <<<"$out") | $(awk '$1 == "99%" {print $2}' <<<"$out")"
}

sql() { # script → "transactions/s | p50 | p99", the percentiles from pgbench's transaction log
  local out n
  grep -qvE '^(--.*|SELECT 1;|[[:space:]]*)$' "bench/catalogue/$1.sql" ||
    echo "warning: bench/catalogue/$1.sql holds no statement of the API yet" >&2
  out="$(pgbench -n -c "$CONNECTIONS" -j 2 -T "${DURATION%s}" -l --log-prefix="$WORK/pgbench-$1" \
    -f "bench/catalogue/$1.sql" "$PG_URL" 2>&1)" || { echo "pgbench $1 failed: $out" >&2; echo "– | – | –"; return; }
  # One line per transaction; the third field is its latency in microseconds.
  cat "$WORK/pgbench-$1".* | awk '{print $3}' | sort -n >"$WORK/latencies-$1"
  n="$(wc -l <"$WORK/latencies-$1")"
  if [ "$n" -eq 0 ]; then echo "0 | – | –"; return; fi
  echo "$(awk -F'= ' '/^tps/ {printf "%.0f", $2}' <<<"$out") | $(latency "$(sed -n "$(((n + 1) / 2))p" "$WORK/latencies-$1")") | $(latency "$(sed -n "$(((n * 99 + 99) / 100))p" "$WORK/latencies-$1")")"
}

echo "| scenario | requests/s | p50 | p99 | RSS after | RSS peak |"
echo "|---|---:|---:|---:|---:|---:|"

# The academy with its answer cache (the default). One request per scenario first, so that
# the rows measure answers from a filled cache.
start_academy cached "$PORT"
cached=$LAST_PID
for scenario in "${SCENARIOS[@]}"; do
  MATCHES[${scenario%%:*}]="$(matches "$PORT" "${scenario#*:}")"
done
echo "| academy idle, after start-up | | | | $(memory "$cached") |"
for scenario in "${SCENARIOS[@]}"; do
  name="${scenario%%:*}"
  path="${scenario#*:}"
  echo "| $name \`$path\` | $(api "$PORT" "$path") | $(memory "$cached") |"
done
# Measured now, printed beside the bare server's row below.
HEALTH_ROW="| academy \`/health/live\` | $(api "$PORT" /health/live) | $(memory "$cached") |"
kill "$cached"
wait "$cached" 2>/dev/null || true

# The same without the cache: every request goes to the database.
start_academy uncached "$PORT_UNCACHED" ACADEMY_CATALOGUE_CACHE=0
uncached=$LAST_PID
for scenario in "${SCENARIOS[@]}"; do
  curl -fs "http://127.0.0.1:$PORT_UNCACHED${scenario#*:}" >/dev/null
done
for scenario in "${SCENARIOS[@]}"; do
  name="${scenario%%:*}"
  path="${scenario#*:}"
  echo "| $name, cache off (\`ACADEMY_CATALOGUE_CACHE=0\`) | $(api "$PORT_UNCACHED" "$path") | $(memory "$uncached") |"
done
kill "$uncached"
wait "$uncached" 2>/dev/null || true

# The statement the API sends for each scenario, straight from pgbench.
for scenario in "${SCENARIOS[@]}"; do
  name="${scenario%%:*}"
  echo "| $name: pgbench of the same SQL (\`bench/catalogue/$name.sql\`) | $(sql "$name") | | |"
done

echo "$HEALTH_ROW"
BARE_BIND="127.0.0.1:$BARE_PORT" "$RELEASE"/bare >/dev/null 2>&1 &
bare=$!
PIDS+=("$bare")
for _ in $(seq 1 100); do
  curl -fs "http://127.0.0.1:$BARE_PORT/health/live" >/dev/null 2>&1 && break
  sleep 0.1
done
echo "| bare actix-web \`/health/live\` | $(api "$BARE_PORT" /health/live) | $(memory "$bare") |"
kill "$bare"

echo
echo "Seeded in ${SEED_SECONDS}s; catalogue written from the live content by \`academy migrate up\`" \
  "in ${REBUILD_SECONDS}s; start-up until the catalogue listed all $ITEMS items:" \
  "${STARTUP[cached]}s, ${STARTUP[uncached]}s." \
  "Matches: list ${MATCHES[list]}, filter ${MATCHES[filter]}, search ${MATCHES[search]}."
