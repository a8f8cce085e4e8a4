#!/usr/bin/env bash
# Generated clients compile: openapi-typescript generates types from the committed contract
# (a test keeps it equal to the served one) and `tsc --strict` compiles .ci/clients/creates.ts,
# which builds the creates of consultations, aid applications and follow-ups with only their
# required fields. Every list page must name its item's schema (`items: components["schemas"][X][]`),
# not repeat it. Both tools come from npm, pinned, into target/clients (not committed).
set -euo pipefail
cd "$(dirname "$0")/.."

OPENAPI_TYPESCRIPT_VERSION=7.13.0
TYPESCRIPT_VERSION=5.9.3
DIR=target/clients

mkdir -p "$DIR"
if [ ! -x "$DIR/node_modules/.bin/openapi-typescript" ] || [ ! -x "$DIR/node_modules/.bin/tsc" ] ||
  ! grep -q "\"version\": \"$OPENAPI_TYPESCRIPT_VERSION\"" "$DIR/node_modules/openapi-typescript/package.json" ||
  ! grep -q "\"version\": \"$TYPESCRIPT_VERSION\"" "$DIR/node_modules/typescript/package.json"; then
  (cd "$DIR" && npm install --no-audit --no-fund --silent --no-save \
    "openapi-typescript@$OPENAPI_TYPESCRIPT_VERSION" "typescript@$TYPESCRIPT_VERSION")
fi

"$DIR/node_modules/.bin/openapi-typescript" openapi/openapi.json -o "$DIR/api.ts" --silent
cp .ci/clients/creates.ts "$DIR/creates.ts"
"$DIR/node_modules/.bin/tsc" --strict --noEmit --target es2020 --module es2020 \
  --moduleResolution bundler "$DIR/creates.ts"

pages=$(grep -cE '^ {8}Page_[A-Za-z]+: \{' "$DIR/api.ts" || true)
referenced=$(awk '/^ {8}Page_[A-Za-z]+: \{/ {page=1; next} page && /^ {12}items: components\["schemas"\]\["[A-Za-z]+"\]\[\];/ {n++; page=0} /^ {8}\};/ {page=0} END {print n+0}' "$DIR/api.ts")
if [ "$pages" -eq 0 ] || [ "$pages" != "$referenced" ]; then
  echo "clients: $referenced of $pages list pages name their item's schema" >&2
  exit 1
fi
echo "clients: openapi-typescript $OPENAPI_TYPESCRIPT_VERSION + tsc $TYPESCRIPT_VERSION --strict: creates with required fields only compile; $pages list pages name their item's schema"
