#!/bin/sh
# smtp.sh - tlsrptd's own SMTP and LMTP listener, driven by real clients
# (swaks, smtp-source, and tests/smtp/client.py for what swaks cannot do):
# reports stored and answered 250 with a queue id after the commit, STARTTLS
# with a throwaway certificate, pipelining, SIZE, unknown recipients, several
# messages per connection, LMTP with a reply per recipient, a storage
# failure answered 451 4.3.0, a stop while messages are in flight, slow
# clients that dribble a byte at a time while others get through, many
# concurrent clients, and the connection, per-client and time limits.
#
# Storage failure: another process holds the database's write lock (as a
# backup job or an operator's sqlite3 session would), so the commit fails
# with SQLITE_BUSY after SQLite's busy timeout.
. "$(dirname "$0")/lib.sh"
. "$TOP/tests/milter/mail.sh"
. "$TOP/tests/postfix.sh"

need swaks sqlite3 openssl python3 smtp-source

C="$TOP/tests/corpus"
CLIENT="python3 $TOP/tests/smtp/client.py"
mkdir -p "$T/db" "$T/run" "$T/mail" "$T/out"
db="$T/db/tlsrptd.db"
tlog="$T/tlsrptd.log"
conf="$T/tlsrptd.conf"
tpid=""
lockpid=""
cleanup() {
	[ -z "$tpid" ] || kill -KILL "$tpid" 2> /dev/null || true
	[ -z "$lockpid" ] || kill -KILL "$lockpid" 2> /dev/null || true
	rm -rf "$T"
}
trap cleanup EXIT
trap 'exit 1' INT TERM HUP

port=$(pf_free_port)
lmtp="$T/run/lmtp.sock"

# --- a throwaway certificate for STARTTLS ------------------------------------
if ! openssl req -x509 -newkey rsa:2048 -nodes -days 2 -subj /CN=mx.tlsrptd.test \
    -keyout "$T/key.pem" -out "$T/cert.pem" > "$T/openssl.out" 2>&1; then
	echo "FAIL: openssl req:" >&2
	cat "$T/openssl.out" >&2
	exit 1
fi

# test_conf [EXTRA LINES] - the daemon's configuration
test_conf() {
	write_conf "$conf" "log_level = debug" \
	    "rua = tlsrpt@tlsrpt.test, @reports.test" \
	    "smtp_listen = 127.0.0.1:$port" "lmtp_listen = unix:$lmtp" \
	    "smtp_hostname = mx.tlsrptd.test" \
	    "tls_certificate = $T/cert.pem" "tls_key = $T/key.pem" \
	    "message_size_limit = 64K" "shutdown_timeout = 20" "$@"
}

start_tlsrptd() { daemon_start -c "$conf"; }
stop_tlsrptd() { daemon_stop; }

# send FILE RCPT [SWAKS OPTIONS] - swaks to the listener (sets rc, reply, qid
# and transcript)
send() { swaks_send "$port" "$@"; }

# logline QID - the message's log line
logline() { grep "\"source\":\"$1\"" "$tlog" || true; }

test_conf "smtp_max_per_client = 100" "smtp_timeout = 60"
start_tlsrptd
check_grep "started line names the SMTP listener" "\"smtp_listen\":[\"127.0.0.1:$port\"]" "$tlog"
check_grep "started line names the LMTP listener" "\"lmtp_listen\":[\"unix:$lmtp\"]" "$tlog"
check_eq "LMTP socket mode" "srw-rw----" "$(ls -l "$lmtp" | cut -c1-10)"
sed "s|^database = .*|database = $T/db/second.db|; s|^lmtp_listen = .*|lmtp_listen = none|" \
    "$conf" > "$T/second.conf"
rc=0
"$TLSRPTD" run -c "$T/second.conf" > "$T/out/second" 2>&1 || rc=$?
check_eq "port in use: exit status" 74 "$rc"
check_grep "port in use: says so" "smtp_listen: 127.0.0.1:$port: cannot listen: Address already in use" "$T/out/second"
# a live unix socket is not taken over (the LMTP test below still uses it)
sed "s|^database = .*|database = $T/db/second.db|; s|^smtp_listen = .*|smtp_listen = none|" \
    "$conf" > "$T/second.conf"
rc=0
"$TLSRPTD" run -c "$T/second.conf" > "$T/out/second" 2>&1 || rc=$?
check_eq "socket in use: exit status" 74 "$rc"
check_grep "socket in use: says so" "lmtp_listen: unix:$lmtp: another process listens on $lmtp" "$T/out/second"

# --- a report over plain SMTP: 250 after the commit, with its queue id -------
send "$C/mox__example.eml" tlsrpt@tlsrpt.test
check_eq "plain: swaks status" 0 "$rc"
case "$reply" in
"250 2.0.0 Ok: queued as $qid") [ -n "$qid" ] && ok || fail "plain: no queue id" ;;
*) fail "plain: reply [$reply]" ;;
esac
check_grep "plain: greeting" "<-  220 mx.tlsrptd.test ESMTP tlsrptd" "$transcript"
check_eq "plain: stored with its envelope" \
    "Google Inc.	smtp	$qid	reports@sender.example	tlsrpt@tlsrpt.test" \
    "$(sql "$db" "SELECT organization_name, way_in, source, envelope_from,
	envelope_to FROM reports WHERE report_id = '2022-09-15T00:00:00Z_test.xmox.nl'")"
check_grep "plain: log line" "\"outcome\":\"stored\",\"way_in\":\"smtp\",\"source\":\"$qid\",\"client\":\"127.0.0.1\",\"envelope_from\":\"reports@sender.example\",\"envelope_to\":\"tlsrpt@tlsrpt.test\"" "$tlog"
qid_plain=$qid

# --- the same report again: 250, stored once ---------------------------------
send "$C/mox__example.eml" tlsrpt@tlsrpt.test
check_eq "duplicate: swaks status" 0 "$rc"
check_eq "duplicate: still one copy" 1 \
    "$(count reports "report_id = '2022-09-15T00:00:00Z_test.xmox.nl'")"
check_grep "duplicate: log line" "\"outcome\":\"duplicate\",\"way_in\":\"smtp\",\"source\":\"$qid\"" "$tlog"
if [ "$qid" = "$qid_plain" ]; then fail "duplicate: same queue id twice"; fi

# --- STARTTLS ----------------------------------------------------------------
send "$C/mox__microsoft.eml" tlsrpt@tlsrpt.test --tls
check_eq "STARTTLS: swaks status" 0 "$rc"
check_grep "STARTTLS: offered" "<-  250 STARTTLS" "$transcript"
check_grep "STARTTLS: ready" "<-  220 2.0.0 Ready to start TLS" "$transcript"
check_grep "STARTTLS: TLS up" "=== TLS started with cipher" "$transcript"
check_grep "STARTTLS: not offered again" "<~  250 ENHANCEDSTATUSCODES" "$transcript"
check_eq "STARTTLS: reply" "250 2.0.0 Ok: queued as $qid" "$reply"
check_eq "STARTTLS: stored" 1 "$(count reports "source = '$qid' AND way_in = 'smtp'")"
$CLIENT inject 127.0.0.1 "$port" "$T/cert.pem" > "$T/out/inject" 2>&1 || true
check_eq "STARTTLS: a command pipelined behind it is dropped" \
    "220 2.0.0 Ready to start TLS
TLS TLSv1.3
250-mx.tlsrptd.test" "$(sed -n '/^220 2.0.0/,/^250-/p' "$T/out/inject")"
check_grep "STARTTLS: EHLO again after TLS" "221 2.0.0 Bye" "$T/out/inject"

# --- pipelining --------------------------------------------------------------
send "$C/tlsrpt-digest__tlsrpt_failure.eml" tlsrpt@tlsrpt.test --pipeline
check_eq "pipelining: swaks status" 0 "$rc"
check_grep "pipelining: offered" "250-PIPELINING" "$transcript"
check_eq "pipelining: stored" 1 "$(count reports "source = '$qid'")"

# --- an unknown recipient: 550 5.1.1; a mixed envelope takes the rua only ---
send "$C/mox__example.eml" postmaster@tlsrpt.example
check_eq "unknown rcpt: swaks status" 24 "$rc"
check_eq "unknown rcpt: reply" "550 5.1.1 <postmaster@tlsrpt.example>: Recipient address rejected: not a TLS report address here" "$reply"
report_mail mixed-1 > "$T/mail/mixed-1.eml"
send "$T/mail/mixed-1.eml" someone@else.example,tlsrpt@tlsrpt.test
check_eq "mixed rcpts: swaks status" 0 "$rc"
check_eq "mixed rcpts: only the rua recipient kept" "tlsrpt@tlsrpt.test" \
    "$(sql "$db" "SELECT envelope_to FROM reports WHERE report_id = 'mixed-1'")"

# --- SIZE: over message_size_limit is 552 5.3.4 and nothing is kept ---------
python3 -c "
import sys
sys.stdout.write('Subject: big\r\n\r\n' + ('x' * 998 + '\r\n') * 80)" > "$T/mail/big.eml"
send "$T/mail/big.eml" tlsrpt@tlsrpt.test
check_eq "oversize: swaks status" 26 "$rc"
check_eq "oversize: reply" "552 5.3.4 Error: message too large (limit 65536 bytes)" "$reply"
check_grep "oversize: SIZE advertised" "250-SIZE 65536" "$transcript"
check_grep "oversize: log line" '"outcome":"rejected","way_in":"smtp"' "$tlog"
check_grep "oversize: log reason" '"reason_class":"too-large"' "$tlog"
check_eq "oversize: nothing quarantined" 0 "$(count quarantine)"

# --- not a report: quarantined, accepted --------------------------------------
human_mail hello-1 > "$T/mail/human.eml"
send "$T/mail/human.eml" tlsrpt@tlsrpt.test
check_eq "non-report: swaks status" 0 "$rc"
check_eq "non-report: quarantined" "no-report-part	smtp	$qid" \
    "$(sql "$db" "SELECT reason_class, way_in, source FROM quarantine")"
check_grep "non-report: log line" "\"outcome\":\"quarantined\",\"way_in\":\"smtp\",\"source\":\"$qid\"" "$tlog"

# --- several messages on one connection --------------------------------------
for i in 1 2 3; do report_mail "multi-$i" > "$T/mail/multi-$i.eml"; done
$CLIENT session 127.0.0.1 "$port" reports@sender.example tlsrpt@tlsrpt.test \
    "$T/mail/multi-1.eml" "$T/mail/multi-2.eml" "$T/mail/multi-3.eml" \
    > "$T/out/multi" 2>&1 || fail "several messages: client failed"
check_eq "several messages: three 250 replies" 3 \
    "$(grep -c '^250 2.0.0 Ok: queued as' "$T/out/multi")"
check_eq "several messages: three queue ids" 3 \
    "$(sed -n 's/^250 2.0.0 Ok: queued as //p' "$T/out/multi" | sort -u | wc -l)"
check_eq "several messages: stored, each under its queue id" "3	3" \
    "$(sql "$db" "SELECT count(*), count(DISTINCT source) FROM reports WHERE
	report_id LIKE 'multi-%'")"
for q in $(sed -n 's/^250 2.0.0 Ok: queued as //p' "$T/out/multi"); do
	check_eq "several messages: $q stored" 1 "$(count reports "source = '$q'")"
done

# --- a client that pipelines everything and shuts down its side still gets
# every reply ---------------------------------------------------------------
report_mail half-1 > "$T/mail/half-1.eml"
$CLIENT halfclose 127.0.0.1 "$port" reports@sender.example tlsrpt@tlsrpt.test \
    "$T/mail/half-1.eml" > "$T/out/half" 2>&1 || fail "half close: client failed"
check_eq "half close: the replies after the data" "354 End data with <CR><LF>.<CR><LF>
250 2.0.0 Ok: queued as $(sql "$db" "SELECT source FROM reports WHERE report_id = 'half-1'")
221 2.0.0 Bye" "$(sed -n '/^354/,$p' "$T/out/half")"

# --- LMTP over the unix socket: one reply per recipient ----------------------
report_mail lmtp-1 > "$T/mail/lmtp-1.eml"
rc=0
swaks --socket "$lmtp" --protocol LMTP --timeout 60 --from reports@sender.example \
    --to tlsrpt@tlsrpt.test,dmarc@reports.test --data @"$T/mail/lmtp-1.eml" \
    > "$T/out/lmtp" 2>&1 || rc=$?
check_eq "LMTP: swaks status" 0 "$rc"
check_grep "LMTP: greeting" "<-  220 mx.tlsrptd.test LMTP tlsrptd" "$T/out/lmtp"
check_eq "LMTP: one reply per recipient" 2 \
    "$(grep -c '<-  250 2.0.0 <[a-z]*@[a-z.]*> Ok: queued as' "$T/out/lmtp")"
check_eq "LMTP: stored once, both recipients" "lmtp	tlsrpt@tlsrpt.test,dmarc@reports.test" \
    "$(sql "$db" "SELECT way_in, envelope_to FROM reports WHERE report_id = 'lmtp-1'")"
check_grep "LMTP: log line" '"way_in":"lmtp"' "$tlog"
check_grep "LMTP: client" '"client":"local"' "$tlog"

# --- invalid_report = reject: 550 5.6.0 naming the reason --------------------
stop_tlsrptd
test_conf "smtp_max_per_client = 100" "invalid_report = reject"
start_tlsrptd
human_mail hello-2 > "$T/mail/human2.eml"
send "$T/mail/human2.eml" tlsrpt@tlsrpt.test
check_eq "reject invalid: swaks status" 26 "$rc"
case "$reply" in
"550 5.6.0 not a valid TLS report: "*) ok ;;
*) fail "reject invalid: reply [$reply]" ;;
esac
check_eq "reject invalid: still quarantined" 2 "$(count quarantine)"

# --- storage failure: 451 4.3.0, nothing kept, then stored -------------------
report_mail storage-1 > "$T/mail/storage-1.eml"
lock_db
send "$T/mail/storage-1.eml" tlsrpt@tlsrpt.test
check_eq "storage failure: swaks fails after the data" 26 "$rc"
case "$reply" in
"451 4.3.0 tlsrptd: cannot store the report now: "*) ok ;;
*) fail "storage failure: reply [$reply], expected 451 4.3.0 tlsrptd: ..." ;;
esac
check_grep "storage failure: tempfail log line" '"outcome":"tempfail","way_in":"smtp"' "$tlog"
unlock_db
check_eq "storage failure: nothing kept" 0 "$(count reports "report_id = 'storage-1'")"
send "$T/mail/storage-1.eml" tlsrpt@tlsrpt.test
check_eq "storage fixed: swaks status" 0 "$rc"
check_eq "storage fixed: stored once" 1 "$(count reports "report_id = 'storage-1'")"

# --- slow clients dribbling a byte at a time do not hold up the others ------
slowpids=""
for i in 1 2 3; do
	report_mail "slow-$i" > "$T/mail/slow-$i.eml"
	$CLIENT dribble 127.0.0.1 "$port" reports@sender.example \
	    tlsrpt@tlsrpt.test "$T/mail/slow-$i.eml" 0.002 "$T/out/slow-$i.mark" \
	    > "$T/out/slow-$i" 2>&1 &
	slowpids="$slowpids $!"
done
for i in 1 2 3; do
	j=0
	while [ ! -e "$T/out/slow-$i.mark" ] && [ $j -lt 300 ]; do
		sleep 0.1
		j=$((j + 1))
	done
done
report_mail during-slow > "$T/mail/during-slow.eml"
send "$T/mail/during-slow.eml" tlsrpt@tlsrpt.test
check_eq "beside slow clients: swaks status" 0 "$rc"
check_eq "beside slow clients: stored" 1 "$(count reports "report_id = 'during-slow'")"
check_eq "beside slow clients: the slow ones are still sending" 0 \
    "$(cat "$T"/out/slow-? | grep -c '^221' || true)"
# shellcheck disable=SC2086
wait $slowpids
for i in 1 2 3; do
	check_grep "slow client $i: answered after its dribble" "250 2.0.0 Ok: queued as" "$T/out/slow-$i"
	check_eq "slow client $i: stored" 1 "$(count reports "report_id = 'slow-$i'")"
done

# --- many concurrent clients --------------------------------------------------
report_mail concurrent > "$T/mail/concurrent.eml"
tr -d '\r' < "$T/mail/concurrent.eml" > "$T/mail/concurrent.lf"
before=$(grep -c '"event":"message","outcome":"\(stored\|duplicate\)","way_in":"smtp"' "$tlog" || true)
smtp-source -s 40 -m 400 -f reports@sender.example -t tlsrpt@tlsrpt.test \
    -F "$T/mail/concurrent.lf" "127.0.0.1:$port" > "$T/out/smtp-source" 2>&1 ||
    fail "concurrent: smtp-source failed: $(head -5 "$T/out/smtp-source")"
after=$(grep -c '"event":"message","outcome":"\(stored\|duplicate\)","way_in":"smtp"' "$tlog" || true)
check_eq "concurrent: 400 messages through 40 sessions" 400 $((after - before))
check_eq "concurrent: stored once" 1 "$(count reports "report_id = 'concurrent'")"

# --- a stop while messages are in flight: what was acknowledged is stored ----
ids="1 2 3 4 5 6 7 8 9 10 11 12"
for i in $ids; do report_mail "flight-$i" > "$T/mail/flight-$i.eml"; done
fpids=""
for i in $ids; do
	( r=0; swaks --server 127.0.0.1 --port "$port" --timeout 60 \
	    --from reports@sender.example --to tlsrpt@tlsrpt.test \
	    --data @"$T/mail/flight-$i.eml" > "$T/out/flight-$i" 2>&1 ||
	    r=$?; echo "$r" > "$T/out/flight-$i.rc" ) &
	fpids="$fpids $!"
done
i=0
while [ "$(grep -c '"message_id":"<flight-' "$tlog" || true)" -lt 3 ] && [ $i -lt 300 ]; do
	sleep 0.05
	i=$((i + 1))
done
stop_tlsrptd
# shellcheck disable=SC2086
wait $fpids
check_grep "stop: stopping line" '"event":"stopping"' "$tlog"
acked=0
for i in $ids; do
	if [ "$(cat "$T/out/flight-$i.rc")" = 0 ]; then
		acked=$((acked + 1))
		check_eq "stop: acknowledged flight-$i is stored" 1 \
		    "$(count reports "report_id = 'flight-$i'")"
	else
		# refused, or told to come back: 421 or 451, never a 5xx
		if grep -E '^<\*\* +5[0-9][0-9]' "$T/out/flight-$i" > /dev/null; then
			fail "stop: flight-$i got a permanent error"
		fi
	fi
done
echo "note: $acked of 12 in-flight reports were acknowledged before the stop"
check_eq "stop: LMTP socket removed" no "$([ -e "$lmtp" ] && echo yes || echo no)"

# --- limits: connections, per client, idle and DATA time ---------------------
test_conf "smtp_max_connections = 6" "smtp_max_per_client = 4" \
    "smtp_timeout = 4" "smtp_data_timeout = 2"
start_tlsrptd
$CLIENT hold 127.0.0.1 "$port" 5 127.0.0.1 "$T/stop1" > "$T/out/hold1" 2>&1 &
hpids=$!
j=0
while [ ! -e "$T/stop1.held" ] && [ $j -lt 300 ]; do sleep 0.1; j=$((j + 1)); done
check_eq "per client: four greeted" 4 "$(grep -c '^220 ' "$T/out/hold1")"
check_grep "per client: the fifth refused" "421 4.7.0 mx.tlsrptd.test Error: too many connections from you" "$T/out/hold1"
$CLIENT hold 127.0.0.1 "$port" 3 127.0.0.2 "$T/stop2" > "$T/out/hold2" 2>&1 &
hpids="$hpids $!"
j=0
while [ ! -e "$T/stop2.held" ] && [ $j -lt 300 ]; do sleep 0.1; j=$((j + 1)); done
check_eq "max connections: two more greeted" 2 "$(grep -c '^220 ' "$T/out/hold2")"
check_grep "max connections: the seventh refused" "421 4.7.0 mx.tlsrptd.test Error: too many connections" "$T/out/hold2"
touch "$T/stop1" "$T/stop2"
# shellcheck disable=SC2086
wait $hpids

$CLIENT idle 127.0.0.1 "$port" > "$T/out/idle" 2>&1 || true
check_eq "idle client: timed out" "220 mx.tlsrptd.test ESMTP tlsrptd
421 4.4.2 mx.tlsrptd.test Error: timeout exceeded
EOF" "$(cat "$T/out/idle")"
# a byte every 0.5 s keeps each read alive, but the DATA takes too long
printf 'Subject: slow\r\n\r\n%s\r\n' "0123456789012345678901234567890123456789" > "$T/mail/too-slow.eml"
$CLIENT slowdata 127.0.0.1 "$port" reports@sender.example tlsrpt@tlsrpt.test \
    "$T/mail/too-slow.eml" 0.5 > "$T/out/too-slow" 2>&1 || true
check_grep "DATA timeout: 421" "421 4.4.2 mx.tlsrptd.test Error: timeout exceeded" "$T/out/too-slow"
check_eq "DATA timeout: nothing quarantined" 2 "$(count quarantine)"
send "$C/mox__example.eml" tlsrpt@tlsrpt.test
check_eq "after the limits: a normal client gets through" 0 "$rc"
stop_tlsrptd

# --- out of file descriptors: accepting pauses, the daemon lives on ----------
test_conf "smtp_max_connections = 1000" "smtp_max_per_client = 1000"
before=$(nstarted)
( ulimit -n 40; exec "$TLSRPTD" run -c "$conf" >> "$T/tlsrptd.out" 2>&1 ) &
tpid=$!
i=0
while [ "$(nstarted)" -le "$before" ] && [ $i -lt 300 ]; do sleep 0.1; i=$((i + 1)); done
$CLIENT flood 127.0.0.1 "$port" 60 "$T/stop3" > "$T/out/flood" 2>&1 &
fpid=$!
wait_for "not accepting for 1 s" "$tlog"
check_grep "descriptors: accept backs off" "Too many open files: not accepting for 1 s" "$tlog"
touch "$T/stop3"
wait "$fpid" || fail "descriptors: flood client failed: $(cat "$T/out/flood")"
report_mail after-flood > "$T/mail/after-flood.eml"
send "$T/mail/after-flood.eml" tlsrpt@tlsrpt.test
check_eq "descriptors: a client gets through afterwards" 0 "$rc"
check_eq "descriptors: stored" 1 "$(count reports "report_id = 'after-flood'")"
stop_tlsrptd

daemon_finish
