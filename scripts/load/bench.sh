#!/usr/bin/env bash
# The API's load benchmarks on a scored project (README, "How fast the API is"):
#   scripts/load/bench.sh PROJECT_DIR [PATRON_BINARY] [SECONDS]
# Needs oha (cargo install oha) and wrk (apt-get install wrk). Starts `patron serve` on a free
# loopback port, then measures:
#   1. GET /v1/customers/{id} for random customers at 2,000 requests/s (oha, open loop);
#   2. one event per request answered with the updated card (wrk, 1 and 4 connections);
#   3. batches of 10,000 events answered at commit (?cards=later), and how fast the cards follow;
#   4. the server's resident memory.
set -euo pipefail
project=$(cd "$1" && pwd)
patron=${2:-patron}
seconds=${3:-60}
here=$(cd "$(dirname "$0")" && pwd)
port=${PORT:-8099}
base="http://127.0.0.1:$port"
customers=$(sqlite3 "$project/patron.db" "SELECT COUNT(*) FROM customers WHERE merged_into IS NULL")
width=$(( ${#customers} > 6 ? ${#customers} : 6 ))
# A timestamp inside the data (the day before the run's as_of), so events count on the cards.
at=$(sqlite3 "$project/patron.db" "SELECT strftime('%Y-%m-%dT12:00:00Z', MAX(as_of) - 86400, 'unixepoch') FROM score_runs")

key=$("$patron" --project "$project" keys create --scope admin --name "load benchmark" --json \
  | python3 -c 'import json,sys; print(json.load(sys.stdin)["key"])')
"$patron" --project "$project" serve --listen "127.0.0.1:$port" > /tmp/patron-bench-serve.out 2> /tmp/patron-bench-serve.log &
server=$!
trap 'kill -TERM $server 2>/dev/null || true' EXIT
for _ in $(seq 100); do
  grep -q listening /tmp/patron-bench-serve.out 2>/dev/null && break
  sleep 0.1
done
rss() { grep -E "VmRSS|VmHWM" "/proc/$server/status" | tr -s ' ' | tr '\n' ' '; echo; }
echo "== $customers customers; server pid $server; $(rss)"

# Random ids of the demo's form, C + the number zero-padded, for a power-of-ten customer
# count (1,000,000: C0000001 … C0999999; numbers ending in 0 are left out, nothing else).
digits=$(( ${#customers} - 1 ))
regex="C$(printf '0%.0s' $(seq $((width - digits))))$(printf '[0-9]%.0s' $(seq $((digits - 1))))[1-9]"
# Warm-up (not measured): the server's connections and the operating system's page cache.
oha -z 15s -q 2000 -c 16 --no-tui --output-format quiet \
  -H "Authorization: Bearer $key" --rand-regex-url "$base/v1/customers/$regex" || true
echo "== GET /v1/customers/{id}: 2,000 requests/s for ${seconds}s, random customers ($regex)"
oha -z "${seconds}s" -q 2000 -c 16 --latency-correction --no-tui \
  -H "Authorization: Bearer $key" --rand-regex-url "$base/v1/customers/$regex" \
  | grep -E "Success rate|Requests/sec|Slowest|Fastest|Average|50.00%|90.00%|99.00%|99.90%|\[[0-9]{3}\]"
echo "   $(rss)"

for connections in 1 4; do
  echo "== POST /v1/events, one event answered with the card: $connections connection(s), ${seconds}s"
  KEY=$key CUSTOMERS=$customers AT=$at wrk -t"$connections" -c"$connections" -d"${seconds}s" --latency \
    -s "$here/event.lua" "$base" | grep -E "Latency|50%|90%|99%|Requests/sec|Non-2xx|requests in"
done
echo "   $(rss)"

echo "== POST /v1/events?cards=later, batches of 10,000 events: 2 connections, 30s"
KEY=$key CUSTOMERS=$customers AT=$at wrk -t2 -c2 -d30s --latency --timeout 60s \
  -s "$here/batch.lua" "$base" | grep -E "Latency|50%|99%|Requests/sec|Non-2xx|requests in"
started=$(date +%s.%N)
pending=$(curl -s "$base/metrics" | awk '/^patron_live_cards_pending/ {print $2}')
echo "   cards pending after the load: $pending"
while true; do
  now=$(curl -s "$base/metrics" | awk '/^patron_live_cards_pending/ {print $2}')
  [ "${now%.*}" = "0" ] && break
  sleep 1
done
echo "   caught up in $(python3 -c "import time; print(round(time.time() - $started, 1))") s: $(python3 -c "print(round($pending / max(1e-9, $(date +%s.%N) - $started)))") cards/s"
echo "   $(rss)"
