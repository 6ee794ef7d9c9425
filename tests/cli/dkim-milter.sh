#!/bin/sh
# dkim-milter.sh - DKIM of report mail through the milter of a real,
# throwaway Postfix (dkim = require): each signed, tampered, unaligned,
# keyless and unsigned mail of tests/dkim/lib.sh gets its exact outcome;
# a DNS timeout and SERVFAIL are answered 451 through Postfix (the sender
# retries) and nothing is kept. Needs root, as milter-postfix.sh.
. "$(dirname "$0")/lib.sh"
. "$TOP/tests/postfix.sh"
. "$TOP/tests/dkim/lib.sh"

if [ "$(id -u)" -ne 0 ]; then
	echo "SKIP: $(basename "$0") needs root to run a throwaway Postfix"
	exit 0
fi
need postfix swaks sqlite3 dnsmasq unbound openssl
[ -x "$PY" ] || { echo "FAIL: $PY is not installed (run make deps)" >&2; exit 1; }

RUN_AS=nobody
chmod 0755 "$T"
mkdir -p "$T/conf" "$T/queue" "$T/data" "$T/log" "$T/run" "$T/db"
chown postfix "$T/data"
chown "$RUN_AS" "$T/run" "$T/log" "$T/db"
db="$T/db/tlsrptd.db"
tlog="$T/log/tlsrptd.log"
maillog="$T/log/maillog"
tpid=""

cleanup() {
	if [ -n "$tpid" ] && kill -0 "$tpid" 2> /dev/null; then
		kill -KILL "$tpid" 2> /dev/null || true
	fi
	postfix -c "$T/conf" stop > /dev/null 2>&1 || true
	dkim_dns_stop
	rm -rf "$T"
}
trap cleanup EXIT
trap 'exit 1' INT TERM HUP

dkim_dns_start
make_cases
chmod -R a+rX "$DK"

port=$(pf_free_port)
pf_write_config "$T" "$port" mx.tlsrptd-test.invalid "tlsrpt.test" \
    "inline:{tlsrpt.test=discard:rua}" "unix:$T/run/milter.sock"
pf_start "$T" port

cat > "$T/tlsrptd.conf" <<EOC
database = $db
log = $tlog
rua = tlsrpt@tlsrpt.test
milter_socket = unix:$T/run/milter.sock
user = $RUN_AS
group = postfix
dkim = require
dkim_resolver = 127.0.0.1:$dns_port
dkim_timeout = 1
EOC
daemon_start -c "$T/tlsrptd.conf"
wait_for '"event":"started"' "$tlog"

for c in $DKIM_CASES; do
	name=${c%%:*} want=${c#*:}
	swaks_send "$port" "$DK/$name.eml" tlsrpt@tlsrpt.test
	case $want in
	pass)
		check_eq "milter $name: reply" "250 2.0.0 Ok: queued as $qid" "$reply"
		check_eq "milter $name: stored, pass, via the milter" "pass	milter	$qid" \
		    "$(sql "$db" "SELECT d.result, r.way_in, r.source FROM reports r
			JOIN report_dkim d ON d.report_ref = r.id WHERE r.report_id = 'r-$name'")"
		;;
	tempfail)
		case "$reply" in
		"451 4.3.0 tlsrptd: "*) ok ;;
		*) fail "milter $name: reply [$reply], expected 451 4.3.0 from tlsrptd" ;;
		esac
		check_eq "milter $name: nothing kept" "0 0" \
		    "$(sql "$db" "SELECT (SELECT count(*) FROM reports WHERE report_id = 'r-$name'),
			(SELECT count(*) FROM quarantine WHERE message_id = '<r-$name@$name.example.net>')" | tr '\t' ' ')"
		;;
	*)
		check_eq "milter $name: reply (accepted into quarantine)" "250 2.0.0 Ok: queued as $qid" "$reply"
		check_eq "milter $name: quarantined for dkim with its cause" "dkim	$want" \
		    "$(sql "$db" "SELECT reason_class, substr(reason, 1, instr(reason, ':') - 1)
			FROM quarantine WHERE source = '$qid'")"
		;;
	esac
done
check_eq "milter: only the signed reports were counted" \
    "r-ed25519 r-google r-microsoft r-subdomain" \
    "$(sql "$db" "SELECT report_id FROM reports ORDER BY 1" | tr '\n' ' ' | sed 's/ $//')"
daemon_stop
dkim_dns_stop
daemon_finish "$T/tlsrptd.out" "$maillog"
