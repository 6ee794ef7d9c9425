#!/bin/sh
# query_bench.sh - tlsrptd query over a million stored reports:
#   query_bench.sh /path/to/tlsrptd [REPORTS]
# Fills build/bench/query-N.db once (bench/query_db.sh), then times each
# question, best of three runs.
set -eu
here=$(cd "$(dirname "$0")" && pwd)
. "$here/table.sh"
. "$here/query_db.sh"
tlsrptd=$1
n=${2:-1000000}
query_db "$tlsrptd" "$n"
echo "query bench: $(sqlite3 "$db" 'SELECT count(*) FROM reports') reports," \
    "$(sqlite3 "$db" 'SELECT count(*) FROM policies') policies," \
    "$(sqlite3 "$db" 'SELECT count(*) FROM failure_details') failure details," \
    "$(sqlite3 "$db" 'SELECT count(DISTINCT policy_domain) FROM report_domains') domains"

# best - the best of three wall-clock times of a command, in ms
best() {
	b=""
	for i in 1 2 3; do
		t0=$(date +%s%N)
		"$@" > /dev/null
		t1=$(date +%s%N)
		t=$(((t1 - t0) / 1000000))
		if [ -z "$b" ] || [ "$t" -lt "$b" ]; then b=$t; fi
	done
	echo "$b"
}

q() { "$tlsrptd" query --db "$db" "$@" 2> /dev/null; }
printf '%-58s %8s\n' "question (over every stored report unless filtered)" "best ms"
sum_ms=$(best q summary)
bench_row "query summary, 1M reports" "$sum_ms" "ms" "-" "-" "-" "-" \
    "best of 3, whole process"
for args in "summary" "summary --format json" "summary --days 30" \
    "summary --by day --domain d7.example" "summary --org microsoft" \
    "failures" "failures --by type" "failures --domain d7.example" \
    "reports --limit 50" "reports --domain d7.example --limit 50"; do
	# shellcheck disable=SC2086
	printf '%-58s %8s\n' "tlsrptd query $args" "$(best q $args)"
done
# summary --days 30 against the data's own last month
printf '%-58s %8s\n' "tlsrptd query summary --since 2025-12-01" \
    "$(best q summary --since 2025-12-01)"
