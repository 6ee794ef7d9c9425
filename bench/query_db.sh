# query_db.sh - sourced by the benchmarks over a stored database:
#   query_db TLSRPTD N  sets db to build/bench/query-N.db, filling it once
# by direct SQL inserts (bench/query_fill.py; a year of reports from five
# senders, Microsoft's tlsa + sts double reports included).
query_db() {
	_dir="$here/../build/bench"
	db="$_dir/query-$2.db"
	mkdir -p "$_dir"
	[ ! -f "$db" ] || return 0
	rm -f "$db.tmp" "$db.tmp-wal" "$db.tmp-shm"
	# tlsrptd creates the schema when it first opens the file
	"$1" ingest --quiet --db "$db.tmp" /dev/null > /dev/null 2>&1 || true
	sqlite3 "$db.tmp" 'DELETE FROM quarantine'
	_t0=$(date +%s.%N)
	python3 "$here/query_fill.py" "$db.tmp" "$2"
	_t1=$(date +%s.%N)
	mv "$db.tmp" "$db"
	rm -f "$db.tmp-wal" "$db.tmp-shm"
	printf 'query bench: filled %s reports in %.1f s (%s MB)\n' "$2" \
	    "$(echo "$_t1 - $_t0" | bc)" "$(($(stat -c %s "$db") / 1048576))"
}
