#!/usr/bin/env bash
# Times the dashboard's pages on a running server: 20 requests per page after one warm-up,
# one at a time, and prints the median and the slowest (curl's total time on loopback, which
# bounds the server time from above).
#
#   scripts/load/pages.sh http://127.0.0.1:8080 KEY CUSTOMER_ID SEARCH_TEXT
set -euo pipefail
base="$1" key="$2" customer="$3" search="$4"
enc() { python3 -c 'import sys, urllib.parse; print(urllib.parse.quote(sys.argv[1]))' "$1"; }
time_page() {
  local path="$1"
  curl -s -o /dev/null -H "Authorization: Bearer $key" "$base$path"
  for _ in $(seq 20); do
    curl -s -o /dev/null -w '%{http_code} %{time_total}\n' -H "Authorization: Bearer $key" "$base$path"
  done | sort -k2 -n | awk -v p="$path" '
    { status = $1; t[NR] = $2 * 1000 }
    END { printf "| `%s` | %s | %.1f ms | %.1f ms |\n", p, status, t[int((NR + 1) / 2)], t[NR] }'
}
echo "| page | status | median | slowest |"
echo "|---|---|---|---|"
time_page "/"
time_page "/customers/$(enc "$customer")"
time_page "/customers?q=$(enc "$search")"
time_page "/worklists"
for list in rescue win-back leads upsell payment; do time_page "/worklists/$list"; done
time_page "/worklists/rescue?sort=clv"
time_page "/segments"
time_page "/segments?where=$(enc 'tier == "VIP" && churn_risk > 0.3')"
