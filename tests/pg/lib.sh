# tests/pg/lib.sh - a throwaway PostgreSQL for the shell tests (sourced
# after tests/cli/lib.sh). pg_start starts a cluster in a directory of its
# own (its server runs as nobody when we are root, so not under $T, which
# only root may enter) and sets pg_dir and pg_uri; pg_stop removes it; the
# test's exit trap calls pg_stop.

pg_dir=""
pg_uri=""

# pg_start - a cluster, or the test ends with the reason
pg_start() {
	pg_dir=$(mktemp -d /tmp/tlsrptd-pg.XXXXXX)
	if ! sh "$TOP/tests/pg/cluster.sh" start "$pg_dir" > "$T/pg.out" \
	    2> "$T/pg.err"; then
		echo "FAIL: the test PostgreSQL did not start:" >&2
		cat "$T/pg.err" >&2
		rm -rf "$pg_dir"
		pg_dir=""
		exit 1
	fi
	pg_uri="postgresql://tlsrptd@/postgres?host=$pg_dir"
}

# pg_stop - stop and remove the cluster (nothing when none was started)
pg_stop() {
	[ -n "$pg_dir" ] || return 0
	sh "$TOP/tests/pg/cluster.sh" stop "$pg_dir" > /dev/null 2>&1 || true
	rm -rf "$pg_dir"
	pg_dir=""
}

# pg_sql SQL - one statement on the test database, unaligned, tab-separated
pg_sql() {
	psql -X -q -At -F '	' -d "$pg_uri" -c "$1"
}
