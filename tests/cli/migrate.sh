#!/bin/sh
# migrate.sh - tlsrptd migrate as a user runs it: a database filled by
# ingest (the corpus twice, a DKIM verdict, an alert raised) copied into
# another store gives the same answer to every question of tlsrptd query;
# a second run copies nothing and changes no figure; wrong arguments are
# refused. migrate_to TARGET does it all for one target: today a second
# SQLite file; a PostgreSQL target is one more call with its URI.
. "$(dirname "$0")/lib.sh"

C="$TOP/tests/corpus"
src="$T/src.db"

# in TARGET SQL - one value from the target's database
in_target() {
	case "$1" in
	sqlite:*) sql "${1#sqlite:}" "$2" ;;
	*) psql -X -At -d "$1" -c "$2" ;;
	esac
}

# answers DB OUT - every question of tlsrptd query, as JSON, into OUT
answers() {
	{
		for _a in "summary" "summary --by day" "summary --by period" \
		    "failures" "failures --by type" "failures --by domain" \
		    "failures --by mx" "failures --by ip" "failures --by org" \
		    "failures --by type,domain,mx,ip,org" "reports" \
		    "reports --dkim pass" "reports --dkim unchecked" "senders" \
		    "quarantine"; do
			echo "== $_a"
			# shellcheck disable=SC2086
			"$TLSRPTD" query --db "$1" --format json --limit 100000 \
			    $_a 2>&1
		done
		for _id in $(sql "$src" 'SELECT id FROM reports ORDER BY id'); do
			echo "== reports show $_id"
			"$TLSRPTD" query --db "$1" --format json reports show \
			    "$_id" 2>&1
		done
		for _id in $(sql "$src" 'SELECT id FROM quarantine ORDER BY id'); do
			echo "== quarantine show $_id"
			"$TLSRPTD" query --db "$1" --format json quarantine show \
			    "$_id" 2>&1
			"$TLSRPTD" query --db "$1" quarantine show --raw "$_id" |
			    sha256sum
		done
	} > "$2"
}

# field NAME FILE - a number from migrate's JSON line
field() { sed -n "s/.*\"$1\":\\([0-9]*\\).*/\\1/p" "$2"; }

# migrate_to TARGET - copy $src to TARGET (empty), compare, copy again
migrate_to() {
	_t="$1"
	_n=$(echo "$_t" | tr -c 'a-z0-9\n' _)
	rc=0
	"$TLSRPTD" migrate --from "sqlite:$src" --to "$_t" > "$T/m1.$_n" \
	    2> "$T/e1.$_n" || rc=$?
	check_eq "$_t: first run exits 0" 0 "$rc"
	check_eq "$_t: no errors" "" "$(cat "$T/e1.$_n")"
	check_eq "$_t: reports copied" 27 "$(field reports_copied "$T/m1.$_n")"
	check_eq "$_t: none already there" 0 \
	    "$(field reports_already_there "$T/m1.$_n")"
	check_eq "$_t: quarantine copied" "$(count quarantine)" \
	    "$(field quarantine_copied "$T/m1.$_n")"
	check_eq "$_t: kept copies copied" "$(count report_conflicts)" \
	    "$(field conflicts_copied "$T/m1.$_n")"
	check_eq "$_t: alerts copied" 1 "$(field alerts_copied "$T/m1.$_n")"

	answers "$_t" "$T/a1.$_n"
	if cmp -s "$T/want" "$T/a1.$_n"; then ok; else
		fail "$_t: answers differ from the source's:"
		diff "$T/want" "$T/a1.$_n" | head -20 >&2
	fi
	# what query does not show
	for _q in "SELECT count(*) FROM failure_details WHERE repeated = 1" \
	    "SELECT count(*) FROM report_domains" \
	    "SELECT count(*) FROM report_conflicts WHERE stored_ref IS NULL" \
	    "SELECT sum(times_seen) FROM quarantine" \
	    "SELECT policy_domain || ' ' || day || ' ' || raised_at FROM alerts" \
	    "SELECT result || ' ' || cause || ' ' || via || ' ' || policy FROM report_dkim"; do
		check_eq "$_t: $_q" "$(sql "$src" "$_q")" "$(in_target "$_t" "$_q")"
	done

	# again: nothing copied, nothing changed
	rc=0
	"$TLSRPTD" migrate --from "sqlite:$src" --to "$_t" --batch 7 \
	    > "$T/m2.$_n" 2>&1 || rc=$?
	check_eq "$_t: second run exits 0" 0 "$rc"
	for _f in reports_copied quarantine_copied conflicts_copied \
	    alerts_copied; do
		check_eq "$_t: second run $_f" 0 "$(field $_f "$T/m2.$_n")"
	done
	check_eq "$_t: all reports already there" 27 \
	    "$(field reports_already_there "$T/m2.$_n")"
	check_eq "$_t: all quarantine already there" "$(count quarantine)" \
	    "$(field quarantine_already_there "$T/m2.$_n")"
	answers "$_t" "$T/a2.$_n"
	if cmp -s "$T/want" "$T/a2.$_n"; then ok; else
		fail "$_t: answers changed by the second run:"
		diff "$T/want" "$T/a2.$_n" | head -20 >&2
	fi
}

# the source: the corpus twice (duplicates, quarantine arrivals counted,
# copies kept aside), a DKIM verdict and an alert as the daemon writes them
"$TLSRPTD" ingest --quiet --db "$src" "$C" > /dev/null 2>&1 || true
"$TLSRPTD" ingest --quiet --db "$src" "$C" > /dev/null 2>&1 || true
db="$src"
check_eq "corpus stored" 27 "$(count reports)"
sql "$src" "INSERT INTO report_dkim VALUES (3, 'pass', 'ok', 'signed by example.net', 'example.net', 'sel1', 'rsa-sha256', 1, 1, 0, 'dns', 'record');
INSERT INTO alerts (policy_domain, day, raised_at, failure_rate, successful_sessions, failed_sessions, threshold) VALUES ('example.com', '2026-05-13', '2026-05-14T08:00:00Z', 0.25, 3, 1, 5);"
check_eq "quarantine arrivals counted" 1 \
    "$(sql "$src" 'SELECT sum(times_seen) > 2 * count(*) FROM quarantine')"
answers "$src" "$T/want"
check_eq "the answers hold a DKIM pass" 1 "$(sed -n \
    '/^== reports --dkim pass$/,/^==/p' "$T/want" | grep -c '"id":3,')"

migrate_to "sqlite:$T/copy.db"

# --- into PostgreSQL: a cluster of this test's own ------------------------------
. "$TOP/tests/pg/lib.sh"
trap 'pg_stop; rm -rf "$T"' EXIT
pg_start
migrate_to "$pg_uri"

# --- a report that no longer parses: named, the rest copied -------------------
cp "$src" "$T/bad.db"
sql "$T/bad.db" "UPDATE reports SET raw_json = '{\"organization-name\": 1}' WHERE id = 5"
rc=0; "$TLSRPTD" migrate --from "sqlite:$T/bad.db" --to "sqlite:$T/bad-copy.db" \
    > "$T/m3" 2> "$T/err" || rc=$?
check_eq "unreadable report: exit 1" 1 "$rc"
check_grep "unreadable report: named" "report 5 (" "$T/err"
check_eq "unreadable report: counted" 1 "$(field reports_unreadable "$T/m3")"
check_eq "unreadable report: the others copied" 26 \
    "$(field reports_copied "$T/m3")"

# --- refusals ---------------------------------------------------------------
rc=0; "$TLSRPTD" migrate --from "sqlite:$src" --to "sqlite:$src" \
    > /dev/null 2> "$T/err" || rc=$?
check_eq "same database: usage" 64 "$rc"
check_grep "same database: said" "the same database" "$T/err"
rc=0; "$TLSRPTD" migrate --from "sqlite:$T/none.db" --to "sqlite:$T/x.db" \
    > /dev/null 2> "$T/err" || rc=$?
check_eq "missing source" 66 "$rc"
check_eq "missing source: nothing created" no \
    "$([ -e "$T/x.db" ] && echo yes || echo no)"
rc=0; "$TLSRPTD" migrate --from "postgresql://localhost/x" \
    --to "sqlite:$T/x.db" > /dev/null 2> "$T/err" || rc=$?
check_eq "source not SQLite" 64 "$rc"
rc=0; "$TLSRPTD" migrate --from "sqlite:$src" > /dev/null 2>&1 || rc=$?
check_eq "no target" 64 "$rc"

finish
