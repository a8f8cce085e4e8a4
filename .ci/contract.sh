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
CHECKS=not_a_server_error,response_schema_conformance,status_code_conformance,content_type_conformance,response_headers_conformance
ROLES=(admin aid.officer staff.longgang lawyer auditor integration)

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
  rm -rf "$work"
}
trap cleanup EXIT

failed=0
run_backend() {
  local name=$1 url=$2 port=$3 total_cases=0 total_failures=0 max_ops=0
  DATABASE_URL="$url" HUIMIN_WEBHOOK_LOOPBACK_ONLY=true "$BIN" serve --demo --bind "127.0.0.1:$port" >"$work/$name-server.log" 2>&1 &
  pid=$!
  for _ in $(seq 1 60); do
    curl -fsS "http://127.0.0.1:$port/health/ready" >/dev/null 2>&1 && break
    sleep 0.5
  done
  declare -A tokens
  for role in "${ROLES[@]}"; do
    tokens[$role]=$(curl -fsS -X POST "http://127.0.0.1:$port/api/v1/auth/token" \
      -H 'content-type: application/json' \
      -d "{\"username\":\"$role\",\"password\":\"huimin-demo-2023\"}" |
      python3 -c 'import sys, json; print(json.load(sys.stdin)["access_token"])')
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
    if "$VENV/bin/schemathesis" run "http://127.0.0.1:$port/api-docs/openapi.json" \
      -H "Authorization: Bearer ${tokens[$role]}" --checks "$CHECKS" \
      "${args[@]}" --seed 1 --no-color --output-truncate false >"$out" 2>&1; then
      status=ok
    else
      status=FAILED
      failed=1
    fi
    ops=$(grep -Eo '[0-9]+ selected / [0-9]+ total' "$out" | head -1 | cut -d' ' -f1 || true)
    cases=$(grep -Eo '[0-9]+ generated' "$out" | tail -1 | cut -d' ' -f1 || true)
    fails=$(grep -Eo '[0-9]+ unique failures' "$out" | tail -1 | cut -d' ' -f1 || true)
    links=$(grep -Eo 'API Links: +[0-9]+ covered / [0-9]+' "$out" | head -1 | sed -E 's/API Links: +//; s/ covered \/ /\//' || true)
    printf 'schemathesis %-8s %-20s operations=%s cases=%s stateful-links-followed=%s failures=%s %s\n' "$name" "$label" "${ops:-?}" "${cases:-?}" "${links:-?}" "${fails:-0}" "$status"
    total_cases=$((total_cases + ${cases:-0}))
    total_failures=$((total_failures + ${fails:-0}))
    if [ "${ops:-0}" -gt "$max_ops" ]; then max_ops=${ops:-0}; fi
    if [ "$status" != ok ]; then
      sed -n '/FAILURES/,$p' "$out" | head -80
    fi
  done
  printf 'schemathesis %-8s all roles: operations=%s generated cases=%s failures=%s\n' "$name" "$max_ops" "$total_cases" "$total_failures"
  kill "$pid" 2>/dev/null || true
  wait "$pid" 2>/dev/null || true
  pid=""
}

run_backend sqlite "sqlite://$work/contract.db" 18080
psql "$PG_ADMIN_URL" -qc "CREATE DATABASE $pgdb" >/dev/null
pg_url="${PG_ADMIN_URL%/*}/$pgdb"
run_backend postgres "$pg_url" 18081
exit "$failed"
