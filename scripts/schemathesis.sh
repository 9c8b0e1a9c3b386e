#!/usr/bin/env bash
# Fuzzes the HTTP API against its own OpenAPI document with schemathesis (PyPI): every route,
# generated and stateful requests; fails on any 5xx, any response that breaks the document's
# schema, an undocumented status code or content type.
#
#   scripts/schemathesis.sh [EXAMPLES]     # default 25 examples per operation (CI); 200 for a long run
#
# Uses the debug binary that `cargo test --workspace` built (or $PATRON), on a fresh 500-customer
# demo served on a free loopback port.
set -euo pipefail
examples="${1:-25}"
cd "$(dirname "$0")/.."
patron="${PATRON:-${CARGO_TARGET_DIR:-target}/debug/patron}"
[ -x "$patron" ] || cargo build -q -p patron-cli
if ! command -v schemathesis >/dev/null 2>&1; then
  python3 -m pip install -q schemathesis
fi

work="$(mktemp -d)"
server=""
cleanup() {
  [ -n "$server" ] && kill "$server" 2>/dev/null || true
  rm -rf "$work"
}
trap cleanup EXIT

"$patron" demo "$work/shop" --customers 500 --quiet >/dev/null
key="$("$patron" -C "$work/shop" keys create --scope admin --name schemathesis 2>/dev/null)"
"$patron" -C "$work/shop" serve --listen 127.0.0.1:0 --live-as-of 2026-06-30 \
  >"$work/serve.out" 2>"$work/serve.log" &
server=$!
for _ in $(seq 50); do
  grep -q "listening on" "$work/serve.out" 2>/dev/null && break
  sleep 0.2
done
address="$(sed -n 's/^listening on //p' "$work/serve.out")"
[ -n "$address" ] || { cat "$work/serve.log"; exit 1; }

schemathesis run "$address/openapi.json" \
  --header "Authorization: Bearer $key" \
  --checks not_a_server_error,response_schema_conformance,status_code_conformance,content_type_conformance \
  --max-examples "$examples" \
  --seed 1
