#!/bin/sh
# milter-postfix.sh - tlsrptd run as the milter of a real, throwaway Postfix on
# loopback, driven with swaks: reports stored once, ordinary mail untouched,
# non-reports quarantined, a storage failure answered 451 through Postfix with
# nothing lost, and a stop in mid-flight followed by a restart that stores the
# retried mail exactly once. Needs root (Postfix runs as root from a temporary
# config directory); tlsrptd itself runs as "nobody" with group "postfix".
#
# Storage failure: the database lives on a tiny tmpfs that the test fills up,
# so SQLite gets a real ENOSPC (SQLITE_FULL) at commit time, as on a full
# disk. Where tmpfs cannot be mounted (an unprivileged container), or with
# TLSRPTD_TEST_STORAGE_FAILURE=lock, another process holds the database's
# write lock instead (SQLITE_BUSY after the 5 s busy timeout), as a backup job
# or an operator's sqlite3 session would.
. "$(dirname "$0")/lib.sh"
. "$TOP/tests/milter/mail.sh"
. "$TOP/tests/postfix.sh"

if [ "$(id -u)" -ne 0 ]; then
	echo "SKIP: $(basename "$0") needs root to run a throwaway Postfix"
	exit 0
fi
need postfix swaks sqlite3

C="$TOP/tests/corpus"
RUN_AS=nobody
chmod 0755 "$T"		# Postfix's own users walk into it
mkdir -p "$T/conf" "$T/queue" "$T/data" "$T/log" "$T/run" "$T/db" "$T/mail"
chown postfix "$T/data"
chown "$RUN_AS" "$T/run" "$T/log"
db="$T/db/tlsrptd.db"
tlog="$T/log/tlsrptd.log"
maillog="$T/log/maillog"
tpid=""
lockpid=""
mounted=0

# cleanup - whatever happened: stop both daemons, unmount, remove
cleanup() {
	if [ -n "$tpid" ] && kill -0 "$tpid" 2> /dev/null; then
		kill -KILL "$tpid" 2> /dev/null || true
	fi
	[ -z "$lockpid" ] || kill -KILL "$lockpid" 2> /dev/null || true
	postfix -c "$T/conf" stop > /dev/null 2>&1 || true
	[ "$mounted" -eq 0 ] || umount "$T/db" 2> /dev/null || true
	rm -rf "$T"
}
trap cleanup EXIT
trap 'exit 1' INT TERM HUP

# A port of our own: 2525 is taken by the developer's own test instance.
port=$(pf_free_port)

# --- the storage: a 16 MiB tmpfs that can be filled, or a plain directory -----
failure_mode=${TLSRPTD_TEST_STORAGE_FAILURE:-full}
if [ "$failure_mode" = full ]; then
	if mount -t tmpfs -o size=16m,mode=0755 tmpfs "$T/db" 2> /dev/null; then
		mounted=1
	else
		echo "note: cannot mount a tmpfs here; storage failure = held write lock"
		failure_mode=lock
	fi
fi
chown "$RUN_AS" "$T/db"

# --- a Postfix instance on loopback: no delivery, everything discarded -------
pf_write_config "$T" "$port" mx.tlsrptd-test.invalid \
    "tlsrpt.test localhost example.org" \
    "inline:{tlsrpt.test=discard:rua localhost=discard:rua example.org=discard:ordinary}" \
    "unix:$T/run/milter.sock"
pf_start "$T" port

write_conf "$T/tlsrptd.conf" "log_level = info" \
    "rua = tlsrpt@localhost, @tlsrpt.test" \
    "milter_socket = unix:$T/run/milter.sock" "user = $RUN_AS" \
    "group = postfix" "shutdown_timeout = 20"

# start_tlsrptd - run the daemon in the background until it is up
start_tlsrptd() {
	daemon_start -c "$T/tlsrptd.conf"
	if [ ! -S "$T/run/milter.sock" ]; then
		echo "FAIL: tlsrptd run has no milter socket:" >&2
		cat "$T/tlsrptd.out" "$tlog" >&2 2> /dev/null
		exit 1
	fi
}
stop_tlsrptd() { daemon_stop; }

# send FILE RCPT[,RCPT] - swaks through Postfix (sets rc, reply, qid)
send() { swaks_send "$port" "$@"; }

# logline QID - tlsrptd's message log line for a queue id
logline() { grep "\"source\":\"$1\"" "$tlog" || true; }

start_tlsrptd
# the socket is up a moment before the line is written
wait_for '"event":"started"' "$tlog"
check_grep "started line" '"event":"started"' "$tlog"
check_grep "started line names the socket" "\"milter_socket\":\"unix:$T/run/milter.sock\"" "$tlog"

# --- reports to the rua addresses are stored, once ---------------------------
send "$C/mox__example.eml" tlsrpt@tlsrpt.test
check_eq "mox report: swaks status" 0 "$rc"
check_eq "mox report: reply" "250 2.0.0 Ok: queued as $qid" "$reply"
qid_mox=$qid
check_eq "mox report: stored with its counts" \
    "Google Inc.	2022-09-15T00:00:00Z_test.xmox.nl	1	3	0	milter	$qid	reports@sender.example	tlsrpt@tlsrpt.test" \
    "$(sql "$db" "SELECT organization_name, report_id, count(p.id),
	sum(successful_sessions), sum(failed_sessions), way_in, source,
	envelope_from, envelope_to FROM reports r JOIN policies p ON
	p.report_ref = r.id WHERE report_id = '2022-09-15T00:00:00Z_test.xmox.nl'")"
check_grep "mox report: log line" '"outcome":"stored","way_in":"milter","source":"'"$qid"'"' "$tlog"

send "$C/tlsrpt-digest__tlsrpt_success_google_1.eml" tlsrpt@localhost
check_eq "google report: swaks status" 0 "$rc"
check_eq "google report: stored with its counts" \
    "1	1	1	0	$qid" \
    "$(sql "$db" "SELECT count(DISTINCT r.id), count(p.id),
	sum(successful_sessions), sum(failed_sessions), source FROM reports r
	JOIN policies p ON p.report_ref = r.id WHERE
	report_id = '2026-05-11T00:00:00Z_example.com'")"
check_grep "google report: log line" '"outcome":"stored","way_in":"milter","source":"'"$qid"'"' "$tlog"

# --- ordinary mail passes untouched -----------------------------------------
printf 'From: alice@sender.example\r\nTo: bob@example.org\r\nSubject: lunch\r\n\r\nAt noon?\r\n' > "$T/mail/ordinary.eml"
send "$T/mail/ordinary.eml" bob@example.org
check_eq "ordinary mail: swaks status" 0 "$rc"
qid_ord=$qid
# the queue manager hands it to discard(8) in its own time
wait_for "$qid_ord: to=<bob@example.org>" "$maillog"
check_grep "ordinary mail: delivered by Postfix" "$qid_ord: to=<bob@example.org>, relay=none" "$maillog"
check_grep "ordinary mail: discard transport" "status=sent (ordinary)" "$maillog"
check_eq "ordinary mail: not in the reports" 2 "$(count reports)"
check_eq "ordinary mail: not in the quarantine" 0 "$(count quarantine)"
check_eq "ordinary mail: no tlsrptd log line" "" "$(logline "$qid_ord")"

# --- a non-report to a rua address is quarantined (and accepted) -------------
printf 'From: carol@sender.example\r\nTo: tlsrpt@tlsrpt.test\r\nSubject: hello\r\nDate: Sat, 21 Nov 2026 10:00:00 +0000\r\nMessage-ID: <q1@sender.example>\r\nX-Folded: one\r\n\ttwo\r\n\r\nIs this the right address for questions?\r\n 100%% sure.\r\n' > "$T/mail/human.eml"
send "$T/mail/human.eml" tlsrpt@tlsrpt.test
check_eq "non-report: swaks status" 0 "$rc"
check_eq "non-report: quarantined" "no-report-part	$qid	milter" \
    "$(sql "$db" "SELECT reason_class, source, way_in FROM quarantine")"
check_grep "non-report: log line" '"outcome":"quarantined","way_in":"milter","source":"'"$qid"'"' "$tlog"
# the milter rebuilt the message as sent (swaks may add one CRLF at the end)
sql "$db" "SELECT writefile('$T/mail/human.raw', raw) FROM quarantine" > /dev/null
printf '\r\n' | cat "$T/mail/human.eml" - > "$T/mail/human.eml+"
if cmp -s "$T/mail/human.raw" "$T/mail/human.eml" ||
    cmp -s "$T/mail/human.raw" "$T/mail/human.eml+"; then ok; else
	fail "non-report: raw message differs from what was sent:"
	od -c "$T/mail/human.raw" | head -20 >&2
fi

# --- the same report again: accepted, stored once ---------------------------
send "$C/mox__example.eml" tlsrpt@tlsrpt.test
check_eq "duplicate: swaks status" 0 "$rc"
check_eq "duplicate: still one copy" 1 \
    "$(count reports "report_id = '2022-09-15T00:00:00Z_test.xmox.nl'")"
check_grep "duplicate: log line" '"outcome":"duplicate","way_in":"milter","source":"'"$qid"'"' "$tlog"
if [ "$qid" = "$qid_mox" ]; then fail "duplicate: same queue id twice"; fi

# --- SIGUSR1 reopens the log (logrotate) ------------------------------------
mv "$tlog" "$tlog.1"
kill -USR1 "$tpid"
wait_for '"event":"log_reopened"' "$tlog"
check_grep "SIGUSR1: new log file" '"event":"log_reopened"' "$tlog"
# put the two halves together again for the checks below (idle daemon)
cat "$tlog.1" "$tlog" > "$T/log/joined" && mv "$T/log/joined" "$tlog" &&
    chown "$RUN_AS" "$tlog" && kill -USR1 "$tpid"
wait_for '"event":"log_reopened"' "$tlog" 2

# --- storage failure: 451 4.3.0 through Postfix, nothing kept, then stored ----
report_mail storage-1 > "$T/mail/storage-1.eml"
before=$(count reports)
if [ "$failure_mode" = full ]; then
	# an empty WAL first: a commit into a WAL that was already as long
	# overwrites it in place and needs no new space
	sqlite3 "$db" 'PRAGMA wal_checkpoint(TRUNCATE)' > /dev/null
	dd if=/dev/zero of="$T/db/filler" bs=64k > /dev/null 2>&1 || true
else
	lock_db
fi
send "$T/mail/storage-1.eml" tlsrpt@tlsrpt.test
check_eq "storage failure: swaks fails after DATA" 26 "$rc"
case "$reply" in
"451 4.3.0 tlsrptd: "*) ok ;;
*) fail "storage failure: reply [$reply], expected 451 4.3.0 tlsrptd: ..." ;;
esac
check_grep "storage failure: tempfail log line" '"outcome":"tempfail","way_in":"milter"' "$tlog"
if [ "$failure_mode" = full ]; then
	rm -f "$T/db/filler"
else
	unlock_db
fi
check_eq "storage failure: nothing kept" "$before" "$(count reports)"
send "$T/mail/storage-1.eml" tlsrpt@tlsrpt.test
check_eq "storage fixed: swaks status" 0 "$rc"
check_eq "storage fixed: stored once" 1 "$(count reports "report_id = 'storage-1'")"

# --- stop in mid-flight: Postfix tempfails, nothing acknowledged is lost -----
ids=""
for i in 1 2 3 4 5 6 7 8 9 10 11 12; do
	report_mail "flight-$i" > "$T/mail/flight-$i.eml"
	ids="$ids $i"
done
for i in $ids; do
	( r=0; swaks --server 127.0.0.1 --port "$port" --timeout 60 \
	    --from reports@sender.example --to tlsrpt@tlsrpt.test \
	    --data @"$T/mail/flight-$i.eml" > "$T/mail/flight-$i.out" 2>&1 ||
	    r=$?; echo "$r" > "$T/mail/flight-$i.rc" ) &
done
# Stop once a few are in: the others are then somewhere in their SMTP
# sessions, some of them inside the milter.
i=0
while [ "$(grep -c '"message_id":"<flight-' "$tlog")" -lt 3 ] && [ $i -lt 300 ]; do
	sleep 0.1
	i=$((i + 1))
done
stop_tlsrptd
wait
check_grep "stop: stopping line" '"event":"stopping"' "$tlog"
check_grep "stop: stopped line" '"event":"stopped"' "$tlog"
acked=0
for i in $ids; do
	if [ "$(cat "$T/mail/flight-$i.rc")" = 0 ]; then
		acked=$((acked + 1))
		check_eq "stop: acknowledged flight-$i is stored" 1 \
		    "$(count reports "report_id = 'flight-$i'")"
	fi
done
echo "note: $acked of 12 in-flight reports were acknowledged before the stop"

report_mail down-1 > "$T/mail/down-1.eml"
send "$T/mail/down-1.eml" tlsrpt@tlsrpt.test
# Postfix refuses the session at once when it cannot reach the milter.
if [ "$rc" -eq 0 ]; then fail "tlsrptd down: swaks succeeded"; fi
case "$reply" in
451*) ok ;;
*) fail "tlsrptd down: reply [$reply], expected 451 (milter_default_action)" ;;
esac
check_eq "tlsrptd down: nothing stored" 0 "$(count reports "report_id = 'down-1'")"

start_tlsrptd
for i in $ids; do
	if [ "$(cat "$T/mail/flight-$i.rc")" != 0 ]; then
		send "$T/mail/flight-$i.eml" tlsrpt@tlsrpt.test
		check_eq "restart: retried flight-$i" 0 "$rc"
	fi
done
send "$T/mail/down-1.eml" tlsrpt@tlsrpt.test
check_eq "restart: retried down-1" 0 "$rc"
check_eq "restart: every report stored exactly once" "13	13" \
    "$(sql "$db" "SELECT count(*), count(DISTINCT report_id) FROM reports
	WHERE report_id LIKE 'flight-%' OR report_id = 'down-1'")"
stop_tlsrptd

daemon_finish "$T/tlsrptd.out" "$maillog"
