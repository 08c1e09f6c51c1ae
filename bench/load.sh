#!/usr/bin/env bash
# Load test: gunicorn (DEBUG off) against PostgreSQL and Redis, driven by wrk.
#
# Creates a throwaway database (smartcity_load, dropped and recreated every run) with the demo data,
# uses Redis db 9 (flushed), starts gunicorn on a free loopback port and measures, for LOAD_SECONDS each:
#   floor    GET /healthz/live: a constant through the same server and middleware (no DB, no cache);
#            measured before and after the two pages, the reference is the mean of both
#   ranking  GET /ranking/            (public, cached page)
#   city     GET /stadt/bochum/       (public, cached page)
#   api      GET /api/v1/rankings/    (public API, not page-cached; anonymous throttle raised for the run)
#   staff    a signed-in city staff user: questionnaire GETs and htmx autosaves of answers (writes)
# and prints requests/s, p50, p99, errors, the ratio to the floor and PASS/FAIL against the targets:
# cached public pages >= 50 % of the floor's requests/s with p99 < 100 ms; no responses outside
# 2xx/3xx (staff: only 2xx) and no socket errors anywhere. Exits 1 when a target is missed.
#
# Plain HTTP on loopback: SECURE_SSL_REDIRECT=0 (the settings read it) instead of faking a proxy header.
# Workers: gthread, one process per core with 2 threads each (Redis/PostgreSQL waits overlap, few threads
# contend for the GIL); sync workers close every connection, and wrk's reconnects then distort the floor
# (TIME_WAIT, 1 s SYN retries). See README, Performance → Load.
#
# Environment (defaults): LOAD_SECONDS (15), LOAD_THREADS (2), LOAD_CONNECTIONS (16),
# LOAD_WORKER_CLASS (gthread), LOAD_WORKERS (2), LOAD_WORKER_THREADS (2, gthread only), LOAD_DB (smartcity_load),
# LOAD_REDIS_DB (9), LOAD_STAFF_GET_EVERY (5: every 5th staff request loads the questionnaire),
# LOAD_ACCEPT_ENCODING (gzip, as every browser sends; empty: none), LOAD_STAFF_CONNECTIONS (4: staff work
# on their own city's questionnaire, a few at a time; the page takes about a second to render).
set -euo pipefail

cd "$(dirname "$0")/.."
ROOT=$(pwd)
PY="$ROOT/.venv/bin/python"
GUNICORN="$ROOT/.venv/bin/gunicorn"

LOAD_SECONDS=${LOAD_SECONDS:-15}
LOAD_THREADS=${LOAD_THREADS:-2}
LOAD_CONNECTIONS=${LOAD_CONNECTIONS:-16}
LOAD_WORKER_CLASS=${LOAD_WORKER_CLASS:-gthread}
LOAD_WORKERS=${LOAD_WORKERS:-2}
LOAD_WORKER_THREADS=${LOAD_WORKER_THREADS:-2}
LOAD_DB=${LOAD_DB:-smartcity_load}
LOAD_REDIS_DB=${LOAD_REDIS_DB:-9}
LOAD_ACCEPT_ENCODING=${LOAD_ACCEPT_ENCODING-gzip}
LOAD_STAFF_CONNECTIONS=${LOAD_STAFF_CONNECTIONS:-4}
WRK_HEADERS=()
if [ -n "$LOAD_ACCEPT_ENCODING" ]; then WRK_HEADERS=(-H "Accept-Encoding: $LOAD_ACCEPT_ENCODING"); fi
export LOAD_THREADS LOAD_STAFF_GET_EVERY=${LOAD_STAFF_GET_EVERY:-5}
WARMUP_SECONDS=3
STAFF_USER=bochum          # indicators/demo.py: staff of Bochum
STAFF_PASSWORD=demo-passwort

for tool in wrk psql redis-cli curl; do
  command -v "$tool" >/dev/null || { echo "load.sh: $tool is missing (apt-get install -y wrk postgresql-client redis-tools curl)" >&2; exit 2; }
done
[ -x "$GUNICORN" ] || { echo "load.sh: $GUNICORN is missing (make setup)" >&2; exit 2; }
[[ "$LOAD_DB" =~ ^[a-z_][a-z0-9_]*$ ]] || { echo "load.sh: LOAD_DB must be a plain identifier" >&2; exit 2; }

export DATABASE_URL="postgres://postgres@127.0.0.1:5432/$LOAD_DB"
export REDIS_URL="redis://127.0.0.1:6379/$LOAD_REDIS_DB"
export DEBUG=0
SECRET_KEY="load-bench-$(head -c 24 /dev/urandom | od -An -tx1 | tr -d ' \n')"
export SECRET_KEY
export ALLOWED_HOSTS=127.0.0.1
export SITE_URL=https://index.example.org
export SECURE_SSL_REDIRECT=0
export API_THROTTLE_ANON=1000000/s API_THROTTLE_USER=1000000/s
export LOG_LEVEL=WARNING
export LOAD_BENCH_DIR="$ROOT/bench"

WORK=$(mktemp -d -t smartcity-load.XXXXXX)
export STATIC_ROOT="$WORK/static"   # collected for this run only, removed with $WORK
GUNICORN_PID=""
cleanup() {
  if [ -n "$GUNICORN_PID" ] && kill -0 "$GUNICORN_PID" 2>/dev/null; then
    kill -TERM "$GUNICORN_PID" 2>/dev/null || true
    for _ in $(seq 1 50); do kill -0 "$GUNICORN_PID" 2>/dev/null || break; sleep 0.2; done
    kill -KILL "$GUNICORN_PID" 2>/dev/null || true
  fi
  rm -rf "$WORK"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

step() { printf '[%s] %s\n' "$(date +%H:%M:%S)" "$*" >&2; }

step "database $LOAD_DB (recreated), redis db $LOAD_REDIS_DB (flushed)"
psql -q -h 127.0.0.1 -U postgres -d postgres -v ON_ERROR_STOP=1 \
  -c "DROP DATABASE IF EXISTS $LOAD_DB WITH (FORCE)" -c "CREATE DATABASE $LOAD_DB" >/dev/null
redis-cli -h 127.0.0.1 -n "$LOAD_REDIS_DB" flushdb >/dev/null

step "migrate, seed_demo (needs DEBUG on), collectstatic"
"$PY" manage.py migrate --noinput >"$WORK/migrate.log"
DEBUG=1 "$PY" manage.py seed_demo >"$WORK/seed.log"
"$PY" manage.py collectstatic --noinput >"$WORK/collectstatic.log"

PORT=$("$PY" -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
BASE="http://127.0.0.1:$PORT"
GUNICORN_ARGS=(--bind "127.0.0.1:$PORT" --workers "$LOAD_WORKERS" --worker-class "$LOAD_WORKER_CLASS"
  --error-logfile "$WORK/gunicorn.log" --log-level warning)
if [ "$LOAD_WORKER_CLASS" = gthread ]; then GUNICORN_ARGS+=(--threads "$LOAD_WORKER_THREADS"); fi
step "gunicorn ${GUNICORN_ARGS[*]}"
"$GUNICORN" smartcity.wsgi:application "${GUNICORN_ARGS[@]}" &
GUNICORN_PID=$!

ready=""
for _ in $(seq 1 120); do  # at most ~60 s
  if curl -fsS --max-time 2 "$BASE/healthz/ready" >/dev/null 2>&1; then ready=1; break; fi
  kill -0 "$GUNICORN_PID" 2>/dev/null || break
  sleep 0.5
done
if [ -z "$ready" ]; then
  echo "load.sh: gunicorn did not become ready" >&2
  cat "$WORK/gunicorn.log" >&2
  exit 1
fi

declare -A URL=(
  [floor]=/healthz/live
  [ranking]=/ranking/
  [city]=/stadt/bochum/
  [api]=/api/v1/rankings/
)
PUBLIC=(floor ranking city api)

# settle: wait (bounded) until the server has worked off what the last run left queued (a slow scenario's
# requests go on after wrk stops), so that it does not slow down the next scenario.
settle() {
  local quick=0
  for _ in $(seq 1 60); do  # at most ~30 s
    local seconds
    seconds=$(curl -s -o /dev/null -w '%{time_total}' --max-time 5 "$BASE/healthz/live" || echo 5)
    if awk -v t="$seconds" 'BEGIN { exit !(t < 0.02) }'; then quick=$((quick + 1)); else quick=0; fi
    [ "$quick" -ge 3 ] && return 0
    sleep 0.2
  done
  echo "load.sh: the server did not settle; going on" >&2
}

step "warm-up (${WARMUP_SECONDS} s per cheap URL, a few requests to the API; caches, connections, templates)"
for name in "${PUBLIC[@]}"; do
  status=$(curl -s -o /dev/null -w '%{http_code}' --max-time 30 "$BASE${URL[$name]}")
  [ "$status" = 200 ] || { echo "load.sh: ${URL[$name]} answered $status" >&2; exit 1; }
  if [ "$name" = api ]; then
    for _ in 1 2 3 4 5; do curl -s -o /dev/null --max-time 30 "$BASE${URL[$name]}"; done
  else
    wrk -t "$LOAD_THREADS" -c "$LOAD_CONNECTIONS" -d "${WARMUP_SECONDS}s" "${WRK_HEADERS[@]}" "$BASE${URL[$name]}" >/dev/null
  fi
done
settle
for name in ranking city; do
  cache=$(curl -s -D - -o /dev/null --max-time 10 "$BASE${URL[$name]}" | tr -d '\r' | awk -F': ' 'tolower($1)=="x-cache"{print $2}')
  [ "$cache" = hit ] || { echo "load.sh: ${URL[$name]} is not served from the cache (X-Cache: ${cache:-none})" >&2; exit 1; }
done

# run NAME URL SCRIPT: one wrk run; keeps its output in $WORK/NAME.out and its LOAD_RESULT line in RESULT[NAME].
declare -A RESULT
run() {
  local name=$1 url=$2 script=$3 connections=${4:-$LOAD_CONNECTIONS}
  step "$name: $url for ${LOAD_SECONDS} s, $connections connections"
  wrk -t "$LOAD_THREADS" -c "$connections" -d "${LOAD_SECONDS}s" --timeout 10s --latency "${WRK_HEADERS[@]}" \
    -s "$script" "$BASE$url" \
    >"$WORK/$name.out" 2>&1
  RESULT[$name]=$(grep '^LOAD_RESULT ' "$WORK/$name.out" || true)
  [ -n "${RESULT[$name]}" ] || { echo "load.sh: no result from wrk for $name" >&2; cat "$WORK/$name.out" >&2; exit 1; }
  settle
}
field() { sed -n "s/.* $2=\([^ ]*\).*/\1/p" <<<"${RESULT[$1]}"; }

# The slow scenarios last: the cheap ones and their floor run back to back.
for name in floor ranking city; do
  run "$name" "${URL[$name]}" "$ROOT/bench/load_report.lua"
done
run floor_again "${URL[floor]}" "$ROOT/bench/load_report.lua"
run api "${URL[api]}" "$ROOT/bench/load_report.lua"

step "staff: signing in as $STAFF_USER"
export LOAD_STAFF_DATA="$WORK/staff.lua"
"$PY" bench/load_prepare.py "$BASE" "$STAFF_USER" "$STAFF_PASSWORD" "$LOAD_STAFF_DATA" >&2
run staff "$(sed -n 's/^  questionnaire="\(.*\)",$/\1/p' "$LOAD_STAFF_DATA")" "$ROOT/bench/load_staff.lua" "$LOAD_STAFF_CONNECTIONS"

# --------------------------------------------------------------------------- the table
# The machine may be busy with other work: the floor is measured before and after the cached pages.
floor_rps=$(awk -v a="$(field floor rps)" -v b="$(field floor_again rps)" 'BEGIN { printf "%.1f", (a + b) / 2 }')
failed=0
echo
echo "$(date -u '+%Y-%m-%d %H:%M UTC'), $(nproc) cores, load average $(cut -d' ' -f1-3 /proc/loadavg) (after the run)"
echo "gunicorn $LOAD_WORKER_CLASS: $LOAD_WORKERS workers$([ "$LOAD_WORKER_CLASS" = gthread ] && echo " × $LOAD_WORKER_THREADS threads");" \
  "wrk -t$LOAD_THREADS -c$LOAD_CONNECTIONS, ${LOAD_SECONDS} s per scenario, Accept-Encoding: ${LOAD_ACCEPT_ENCODING:-none}"
echo "floor before / after the cached pages: $(field floor rps) / $(field floor_again rps) req/s; reference: their mean"
echo
echo "| scenario | URL | requests | req/s | p50 ms | p99 ms | errors | × floor | target | result |"
echo "|---|---|---:|---:|---:|---:|---:|---:|---|---|"
for name in floor ranking city api staff; do
  rps=$(field "$name" rps); p50=$(field "$name" p50_ms); p99=$(field "$name" p99_ms); requests=$(field "$name" requests)
  if [ "$name" = floor ]; then  # both floor runs together (p50: the first run's)
    rps=$floor_rps; requests=$(( requests + $(field floor_again requests) ))
    p99=$(awk -v a="$p99" -v b="$(field floor_again p99_ms)" 'BEGIN { print (a > b) ? a : b }')
  fi
  errors=$(( $(field "$name" status_errors) + $(field "$name" socket_errors) ))
  [ "$name" = floor ] && errors=$(( errors + $(field floor_again status_errors) + $(field floor_again socket_errors) ))
  url=${URL[$name]:-"questionnaire GET + autosave POST"}
  ratio=$(awk -v a="$rps" -v b="$floor_rps" 'BEGIN { printf "%.2f", a / b }')
  case $name in
    ranking|city)
      target="≥ 0.50 × floor, p99 < 100 ms, 0 errors"
      ok=$(awk -v r="$ratio" -v p="$p99" -v e="$errors" 'BEGIN { print (r >= 0.5 && p < 100 && e == 0) ? 1 : 0 }') ;;
    staff)
      target="only 2xx, 0 errors"
      non2xx=$(( $(field staff status_3xx) + $(field staff status_other) ))
      errors=$(( errors + non2xx ))
      url="questionnaire GET + autosave POST ($(field staff gets) / $(field staff posts)), -c$LOAD_STAFF_CONNECTIONS"
      ok=$([ "$errors" -eq 0 ] && echo 1 || echo 0) ;;
    *)
      target="0 errors"
      ok=$([ "$errors" -eq 0 ] && echo 1 || echo 0) ;;
  esac
  result=$([ "$ok" = 1 ] && echo PASS || echo FAIL)
  [ "$ok" = 1 ] || failed=1
  printf '| %s | %s | %s | %.0f | %.1f | %.1f | %s | %s | %s | %s |\n' \
    "$name" "$url" "$requests" "$rps" "$p50" "$p99" "$errors" "$ratio" "$target" "$result"
done
if [ -s "$WORK/gunicorn.log" ] && grep -q -i -E 'error|exception|timeout' "$WORK/gunicorn.log"; then
  echo
  echo "gunicorn reported problems:"; grep -i -E -m 20 'error|exception|timeout' "$WORK/gunicorn.log"
  failed=1
fi
exit "$failed"
