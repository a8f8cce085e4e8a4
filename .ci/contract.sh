#!/usr/bin/env bash
# Contract fuzzing: schemathesis (from PyPI, in a virtual environment) against the live service,
# once on SQLite and once on PostgreSQL, with a token per role, over every operation and every
# phase (examples, coverage, fuzzing, stateful). Zero failures is the bar.
set -euo pipefail
cd "$(dirname "$0")/.."

BIN=target/debug/huimin
VENV="${HUIMIN_VENV:-.venv}"
SCHEMATHESIS_VERSION=4.32.5
PG_ADMIN_URL="${HUIMIN_TEST_POSTGRES_URL:-postgres://postgres@127.0.0.1:5432/postgres}"
# Every check, the two data-acceptance checks included (schema-valid data accepted,
# schema-invalid data refused). The only exceptions are rejections the schema cannot express,
# declared per operation, with the status and the reason, in .ci/schemathesis.toml.
CHECKS=all
CONFIG=.ci/schemathesis.toml
# The admin last: its run may deactivate, re-role or reset the other accounts, which ends their
# sessions, and every later run of theirs would then test nothing but 401s.
read -r -a ROLES <<<"${HUIMIN_CONTRACT_ROLES:-aid.officer staff.longgang lawyer auditor integration admin}"
BACKENDS="${HUIMIN_CONTRACT_BACKENDS:-sqlite postgres}"
PORT="${HUIMIN_CONTRACT_PORT:-18080}"

if [ ! -x "$VENV/bin/schemathesis" ] || ! "$VENV/bin/schemathesis" --version 2>/dev/null | grep -q "$SCHEMATHESIS_VERSION"; then
  python3 -m venv "$VENV"
  "$VENV/bin/pip" install -q --disable-pip-version-check "schemathesis==$SCHEMATHESIS_VERSION"
fi

work=$(mktemp -d)
pid=""
pgdb="huimin_contract_$$"
cleanup() {
  [ -n "$pid" ] && kill "$pid" 2>/dev/null || true
  psql "$PG_ADMIN_URL" -qc "DROP DATABASE IF EXISTS $pgdb WITH (FORCE)" >/dev/null 2>&1 || true
  if [ -n "${HUIMIN_CONTRACT_KEEP:-}" ]; then echo "reports kept in $work"; else rm -rf "$work"; fi
}
trap cleanup EXIT

failed=0
run_backend() {
  local name=$1 url=$2 port=$3 total_cases=0 total_failures=0 max_ops=0
  DATABASE_URL="$url" HUIMIN_WEBHOOK_LOOPBACK_ONLY=true "$BIN" serve --demo --bind "127.0.0.1:$port" >"$work/$name-server.log" 2>&1 &
  pid=$!
  # The living demo loads a year of activity first (about a minute in a debug build): wait for
  # it while the process lives, up to ten minutes.
  for _ in $(seq 1 1200); do
    curl -fsS "http://127.0.0.1:$port/health/ready" >/dev/null 2>&1 && break
    kill -0 "$pid" 2>/dev/null || break
    sleep 0.5
  done
  # Our server, not another one on the port.
  if ! kill -0 "$pid" 2>/dev/null; then
    echo "the service did not start on port $port:" >&2
    cat "$work/$name-server.log" >&2
    exit 1
  fi
  login() {
    curl -fsS -X POST "http://127.0.0.1:$port/api/v1/auth/token" \
      -H 'content-type: application/json' \
      -d "{\"username\":\"$1\",\"password\":\"huimin-demo-2023\"}" |
      python3 -c 'import sys, json; print(json.load(sys.stdin)["access_token"])'
  }
  # Two logins per role: `logout` ends the session of the token it is sent with, so it gets a
  # login of its own (.ci/schemathesis.toml) and every other operation keeps a live token.
  declare -A tokens logout_tokens
  for role in "${ROLES[@]}"; do
    tokens[$role]=$(login "$role")
    logout_tokens[$role]=$(login "$role")
  done
  # Every phase once per role; then a longer stateful run (following links: create or list, then
  # read, change, workflow steps) as the admin, who may take every step.
  local runs=() role label
  for role in "${ROLES[@]}"; do runs+=("$role:all"); done
  runs+=("admin:stateful")
  for run in "${runs[@]}"; do
    role=${run%%:*}
    label=$role
    local args=(--max-examples 10)
    if [ "${run#*:}" = stateful ]; then
      label="$role/stateful"
      args=(--phases stateful --max-examples 200)
    fi
    local out="$work/$name-${label//\//-}.txt"
    if HUIMIN_CONTRACT_TOKEN=${tokens[$role]} HUIMIN_CONTRACT_LOGOUT_TOKEN=${logout_tokens[$role]} \
      "$VENV/bin/schemathesis" --config-file "$CONFIG" run "http://127.0.0.1:$port/api-docs/openapi.json" \
      --checks "$CHECKS" \
      "${args[@]}" --seed 1 --no-color --output-truncate false >"$out" 2>&1; then
      status=ok
    else
      status=FAILED
      failed=1
    fi
    ops=$(grep -Eo '[0-9]+ selected / [0-9]+ total' "$out" | head -1 | cut -d' ' -f1 || true)
    cases=$(grep -Eo '[0-9]+ generated' "$out" | tail -1 | cut -d' ' -f1 || true)
    fails=$(grep -Eo '[0-9]+ unique failures?' "$out" | tail -1 | cut -d' ' -f1 || true)
    links=$(grep -Eo 'API Links: +[0-9]+ covered / [0-9]+' "$out" | head -1 | sed -E 's/API Links: +//; s/ covered \/ /\//' || true)
    # Operations that answered only 401/403: their token died or the role may not call them.
    denied=$(grep -Eo 'Authentication failed: [0-9]+' "$out" | head -1 | grep -Eo '[0-9]+$' || true)
    printf 'schemathesis %-8s %-20s operations=%s cases=%s stateful-links-followed=%s only-401/403=%s failures=%s %s\n' "$name" "$label" "${ops:-?}" "${cases:-?}" "${links:-?}" "${denied:-0}" "${fails:-0}" "$status"
    total_cases=$((total_cases + ${cases:-0}))
    total_failures=$((total_failures + ${fails:-0}))
    if [ "${ops:-0}" -gt "$max_ops" ]; then max_ops=${ops:-0}; fi
    if [ "$status" != ok ]; then
      sed -n '/FAILURES/,$p' "$out" | head -80 || true  # head closes the pipe early
    fi
  done
  printf 'schemathesis %-8s all roles: operations=%s generated cases=%s failures=%s\n' "$name" "$max_ops" "$total_cases" "$total_failures"
  kill "$pid" 2>/dev/null || true
  wait "$pid" 2>/dev/null || true
  pid=""
}

# The two backends run side by side, each with its own service, port and reports (the machine
# has two cores; one run leaves most of the second idle while it waits on the other process).
backend_job() {
  trap '[ -n "$pid" ] && kill "$pid" 2>/dev/null || true' EXIT
  run_backend "$@"
  exit "$failed"
}
jobs=()
if [[ " $BACKENDS " == *" sqlite "* ]]; then
  (backend_job sqlite "sqlite://$work/contract.db" "$PORT") >"$work/sqlite.out" 2>&1 &
  jobs+=("sqlite:$!")
fi
if [[ " $BACKENDS " == *" postgres "* ]]; then
  psql "$PG_ADMIN_URL" -qc "CREATE DATABASE $pgdb" >/dev/null
  pg_url="${PG_ADMIN_URL%/*}/$pgdb"
  (backend_job postgres "$pg_url" "$((PORT + 1))") >"$work/postgres.out" 2>&1 &
  jobs+=("postgres:$!")
fi
for job in "${jobs[@]}"; do
  wait "${job#*:}" || failed=1
  cat "$work/${job%%:*}.out"
done
exit "$failed"
