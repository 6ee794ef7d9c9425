#!/bin/sh
# bench.sh - make bench entry point: bench.sh /path/to/tlsrptd
# Runs every benchmark (each pair alternating in the same run), then prints
# one table of them all; the table is also kept in build/bench/table.md.
set -eu
here=$(cd "$(dirname "$0")" && pwd)
BENCH_TABLE=$(mktemp /tmp/tlsrptd-bench-table.XXXXXX)
export BENCH_TABLE
trap 'rm -f "$BENCH_TABLE"' EXIT
python3 "$here/bench.py" --tlsrptd "$1"
# messages/s through Postfix with the milter vs without (needs root)
sh "$here/milter_bench.sh" "$1"
# messages/s into the own SMTP listener vs smtp-sink, peak RSS with 100 sessions
sh "$here/smtp_bench.sh" "$1"
# reports/s POSTed over HTTPS vs a no-op evhttp server with TLS
sh "$here/http_bench.sh" "$1"
# bulk ingest of signed mails with dkim = require vs unsigned
sh "$here/dkim_bench.sh" "$1"
# bulk ingest and two SMTP instances into PostgreSQL vs SQLite
sh "$here/pg_bench.sh" "$1"
# a million reports: how long the questions take
sh "$here/query_bench.sh" "$1"
# the same million reports: the dashboard's overview and a domain page
sh "$here/dashboard_bench.sh" "$1"

echo
echo "$("$1" --version 2>/dev/null | head -n 1) on $(nproc) CPUs," \
    "$(sed -n 's/^model name[[:space:]]*: //p' /proc/cpuinfo | head -n 1)," \
    "$(awk '/MemTotal/ { printf "%.0f GiB", $2 / 1048576 }' /proc/meminfo)"
python3 "$here/table.py" "$BENCH_TABLE"
mkdir -p "$here/../build/bench"
python3 "$here/table.py" "$BENCH_TABLE" --markdown > "$here/../build/bench/table.md"
