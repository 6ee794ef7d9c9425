#!/bin/sh
# limits.sh - the bounds of issue 15 without load: the memory budget of
# messages in flight (SMTP 452 4.3.1, HTTP 503 with Retry-After, and the
# budget back once the holder resets), the SMTP command, session and TLS
# handshake deadlines, slow sessions evicted for a newcomer when every slot
# is taken, and the work bounds per report and per message (quarantined as
# report-limit, nothing stored in part).
. "$(dirname "$0")/lib.sh"
. "$TOP/tests/milter/mail.sh"
. "$TOP/tests/postfix.sh"

need swaks sqlite3 openssl python3 curl

CLIENT="python3 $TOP/tests/smtp/client.py"
mkdir -p "$T/db" "$T/mail" "$T/out"
db="$T/db/tlsrptd.db"
tlog="$T/tlsrptd.log"
conf="$T/tlsrptd.conf"
tpid=""
cleanup() {
	[ -z "$tpid" ] || kill -KILL "$tpid" 2> /dev/null || true
	[ -e "$T/stop" ] || touch "$T/stop" 2> /dev/null || true
	rm -rf "$T"
}
trap cleanup EXIT
trap 'exit 1' INT TERM HUP

port=$(pf_free_port)
hport=$((port + 1))
while [ -n "$(ss -Hltn "sport = :$hport" 2> /dev/null)" ]; do hport=$((hport + 1)); done
mport=$((hport + 1))
while [ -n "$(ss -Hltn "sport = :$mport" 2> /dev/null)" ]; do mport=$((mport + 1)); done
if ! openssl req -x509 -newkey rsa:2048 -nodes -days 2 -subj /CN=mx.tlsrptd.test \
    -keyout "$T/key.pem" -out "$T/cert.pem" > "$T/openssl.out" 2>&1; then
	echo "FAIL: openssl req:" >&2
	cat "$T/openssl.out" >&2
	exit 1
fi

# test_conf [EXTRA LINES] - the daemon's configuration
test_conf() {
	write_conf "$conf" "log_level = debug" \
	    "smtp_listen = 127.0.0.1:$port" "http_listen = 127.0.0.1:$hport" \
	    "smtp_hostname = mx.tlsrptd.test" \
	    "tls_certificate = $T/cert.pem" "tls_key = $T/key.pem" \
	    "message_size_limit = 2M" "max_inflight_bytes = 1M" \
	    "report_failure_detail_limit = 3" \
	    "message_failure_detail_limit = 5" "smtp_max_connections = 6" \
	    "smtp_max_per_client = 10" "shutdown_timeout = 20" "$@"
}

send() { swaks_send "$port" "$@"; }

# report_json ID NDETAILS - a report with one policy and NDETAILS failure
# details, in report-id ID
report_json() {
	python3 - "$1" "$2" <<'EOF'
import json, sys
rid, n = sys.argv[1], int(sys.argv[2])
print(json.dumps({
    "organization-name": "Limits Org", "contact-info": "a@limits.example",
    "report-id": rid,
    "date-range": {"start-datetime": "2026-11-01T00:00:00Z",
                   "end-datetime": "2026-11-01T23:59:59Z"},
    "policies": [{
        "policy": {"policy-type": "sts", "policy-domain": "limits.example",
                   "policy-string": ["version: STSv1", "mode: enforce"]},
        "summary": {"total-successful-session-count": 10,
                    "total-failure-session-count": n},
        "failure-details": [{"result-type": "certificate-expired",
                             "sending-mta-ip": "192.0.2.%d" % (i + 1),
                             "receiving-mx-hostname": "mx.limits.example",
                             "failed-session-count": 1}
                            for i in range(n)]}]}))
EOF
}

# reports_mail ID JSONFILE... - a report mail with one part per JSON file
reports_mail() {
	_id=$1
	shift
	printf 'From: reports@sender.example\r\nTo: tlsrpt@tlsrpt.test\r\n'
	printf 'Subject: Report Domain: limits.example\r\nMessage-ID: <%s@x>\r\n' "$_id"
	printf 'MIME-Version: 1.0\r\nContent-Type: multipart/report; report-type=tlsrpt; boundary="b"\r\n\r\n'
	_k=0
	for _f in "$@"; do
		_k=$((_k + 1))
		printf -- '--b\r\nContent-Type: application/tlsrpt+json\r\n'
		printf 'Content-Disposition: attachment; filename="r%s.json"\r\n' "$_k"
		printf 'Content-Transfer-Encoding: base64\r\n\r\n'
		base64 "$_f" | sed 's/$/\r/'
	done
	printf -- '--b--\r\n'
}

# --- run A: budget, HTTP 503, command and TLS deadlines, work bounds ------
test_conf "smtp_command_timeout = 2" "smtp_tls_timeout = 2" \
    "metrics_listen = 127.0.0.1:$mport"
daemon_start -c "$conf"
check_grep "a budget below message_size_limit: warned" "max_inflight_bytes (1048576) is below message_size_limit (2097152)" "$tlog"

report_mail budget-first > "$T/mail/first.eml"
report_mail budget-after > "$T/mail/after.eml"
report_json http-over 1 > "$T/http-over.json"
report_json http-after 1 > "$T/http-after.json"

# a client holds 700 KB of an unfinished message: the session's buffer
# (1 MiB) takes the whole budget
$CLIENT partial 127.0.0.1 "$port" reports@sender.example tlsrpt@tlsrpt.test \
    700000 "$T/stop" > "$T/out/partial" 2>&1 &
ppid=$!
i=0
while [ ! -e "$T/stop.held" ] && [ $i -lt 300 ]; do sleep 0.1; i=$((i + 1)); done
check_eq "budget: the holder is in DATA" "yes" "$([ -e "$T/stop.held" ] && echo yes || echo no)"
wait_for "max_inflight_bytes" "$tlog" 0
send "$T/mail/first.eml" tlsrpt@tlsrpt.test
case "$reply" in
"452 4.3.1 Insufficient system storage, try again later") ok ;;
*) fail "budget full: SMTP reply [$reply]" ;;
esac
check_eq "budget full: nothing stored" 0 "$(count reports "report_id = 'budget-first'" 2> /dev/null || echo 0)"
code=$(curl -s --max-time 30 -o "$T/body" -D "$T/headers" -w '%{http_code}' \
    -H "Content-Type: application/tlsrpt+json" --data-binary @"$T/http-over.json" \
    "http://127.0.0.1:$hport/tlsrpt") || true
check_eq "budget full: HTTP status" 503 "$code"
check_grep "budget full: Retry-After" "Retry-After:" "$T/headers"
check_grep "budget full: HTTP reason" "max_inflight_bytes" "$T/body"
check_grep "budget full: logged" "max_inflight_bytes (1048576) in use" "$tlog"
# a body of 1.5 MB is refused at its first bytes, before it is all read
python3 -c 'import sys; sys.stdout.write("x" * 1500000)' > "$T/big.body"
code=$(curl -s --max-time 30 -o "$T/body" -D "$T/headers" -w '%{http_code}' \
    -H "Content-Type: application/tlsrpt+json" --data-binary @"$T/big.body" \
    "http://127.0.0.1:$hport/tlsrpt") || true
check_eq "budget full, large body: HTTP status" 503 "$code"
check_grep "budget full, large body: Retry-After" "Retry-After:" "$T/headers"
# the same without "Expect: 100-continue": the body follows the headers
# at once, and the 503 comes before the body is all sent
code=$(curl -s --max-time 30 -o "$T/body" -D "$T/headers" -w '%{http_code}' \
    -H "Expect:" -H "Content-Type: application/tlsrpt+json" \
    --data-binary @"$T/big.body" "http://127.0.0.1:$hport/tlsrpt") || true
check_eq "budget full, streamed body: HTTP status" 503 "$code"
check_grep "budget full, streamed body: Retry-After" "Retry-After:" "$T/headers"
check_grep "budget full, streamed body: logged" '"way_in":"http","source":"-","size":' "$tlog"

curl -s --max-time 30 "http://127.0.0.1:$mport/metrics" > "$T/metrics"
check_grep "metrics: the budget" "tlsrptd_inflight_limit_bytes 1048576" "$T/metrics"
check_eq "metrics: the budget in use" 1048576 \
    "$(sed -n 's/^tlsrptd_inflight_bytes \([0-9]*\)$/\1/p' "$T/metrics")"
if [ "$(sed -n 's/^tlsrptd_inflight_refusals_total \([0-9]*\)$/\1/p' "$T/metrics")" -ge 3 ]; then
	ok
else
	fail "metrics: refusals counted:"; grep inflight "$T/metrics" >&2
fi

# the holder resets: its share comes back, new messages go through
touch "$T/stop"
wait "$ppid" || true
check_grep "budget: holder reset" "reset" "$T/out/partial"
i=0
until send "$T/mail/after.eml" tlsrpt@tlsrpt.test; [ "$rc" -eq 0 ] || [ $i -ge 50 ]; do
	sleep 0.1
	i=$((i + 1))
done
check_eq "budget back: SMTP stored" 1 "$(count reports "report_id = 'budget-after'")"
code=$(curl -s --max-time 30 -o "$T/body" -D "$T/headers" -w '%{http_code}' \
    -H "Content-Type: application/tlsrpt+json" --data-binary @"$T/http-after.json" \
    "http://127.0.0.1:$hport/tlsrpt") || true
check_eq "budget back: HTTP status" 200 "$code"
check_eq "budget back: HTTP stored" 1 "$(count reports "report_id = 'http-after'")"
curl -s --max-time 30 "http://127.0.0.1:$mport/metrics" > "$T/metrics"
check_grep "metrics: the budget all back" "tlsrptd_inflight_bytes 0" "$T/metrics"

# a command line that trickles in is cut off after smtp_command_timeout,
# though each byte comes well within smtp_timeout
$CLIENT trickle 127.0.0.1 "$port" 0.8 'EHLO trickle.test\r\n' > "$T/out/trickle" 2>&1 || true
check_grep "command deadline: 421" "421 4.4.2 mx.tlsrptd.test Error: command timeout exceeded" "$T/out/trickle"
check_grep "command deadline: closed" "EOF" "$T/out/trickle"
if grep -q '^250' "$T/out/trickle"; then fail "command deadline: EHLO was answered"; else ok; fi

# STARTTLS and then no ClientHello: closed after smtp_tls_timeout
$CLIENT tlsstall 127.0.0.1 "$port" > "$T/out/tlsstall" 2>&1 || true
check_grep "TLS deadline: STARTTLS answered" "220 2.0.0 Ready to start TLS" "$T/out/tlsstall"
check_grep "TLS deadline: closed" "EOF" "$T/out/tlsstall"

# work bounds: 4 failure details in one report (limit 3); 3 + 3 in one
# message (limit 5); 2 + 2 is fine
report_json over-report 4 > "$T/r4.json"
report_json msg-a 3 > "$T/r3a.json"
report_json msg-b 3 > "$T/r3b.json"
report_json ok-a 2 > "$T/r2a.json"
report_json ok-b 2 > "$T/r2b.json"
reports_mail over-report "$T/r4.json" > "$T/mail/over-report.eml"
reports_mail over-message "$T/r3a.json" "$T/r3b.json" > "$T/mail/over-message.eml"
reports_mail within "$T/r2a.json" "$T/r2b.json" > "$T/mail/within.eml"
send "$T/mail/over-report.eml" tlsrpt@tlsrpt.test
check_eq "report over its detail limit: accepted" 0 "$rc"
check_eq "report over its detail limit: quarantined" \
    "report-limit	policies: 4 failure-details in all, over the limit of 3 per report" \
    "$(sql "$db" "SELECT reason_class, reason FROM quarantine WHERE message_id = '<over-report@x>'" | sed 's/^[^:]*: policies/policies/')"
check_eq "report over its detail limit: not stored" 0 "$(count reports "report_id = 'over-report'")"
send "$T/mail/over-message.eml" tlsrpt@tlsrpt.test
check_eq "message over its detail limit: quarantined" "report-limit" \
    "$(sql "$db" "SELECT reason_class FROM quarantine WHERE message_id = '<over-message@x>'")"
check_grep "message over its detail limit: reason" "6 failure-details in its reports so far, over the limit of 5 per message" "$tlog"
check_eq "message over its detail limit: nothing stored in part" 0 \
    "$(count reports "report_id IN ('msg-a', 'msg-b')")"
send "$T/mail/within.eml" tlsrpt@tlsrpt.test
check_eq "within the limits: both stored" 2 "$(count reports "report_id IN ('ok-a', 'ok-b')")"
daemon_stop

# --- run B: the session deadline, and eviction at the connection limit ----
test_conf "smtp_session_timeout = 4" "evict_after = 1" "http_max_connections = 3"
daemon_start -c "$conf"
report_mail evict-1 > "$T/mail/evict.eml"
rm -f "$T/stop" "$T/stop.held"
# every slot taken by idle sessions from another address
$CLIENT hold 127.0.0.1 "$port" 6 127.0.0.2 "$T/stop" > "$T/out/hold" 2>&1 &
hpid=$!
i=0
while [ ! -e "$T/stop.held" ] && [ $i -lt 300 ]; do sleep 0.1; i=$((i + 1)); done
check_eq "eviction: six sessions held" 6 "$(grep -c '^220 ' "$T/out/hold" || true)"
sleep 1.2
send "$T/mail/evict.eml" tlsrpt@tlsrpt.test
check_eq "eviction: the newcomer gets in" 0 "$rc"
check_eq "eviction: stored" 1 "$(count reports "report_id = 'evict-1'")"
check_grep "eviction: an idle session made room" "127.0.0.2: closed to make room" "$tlog"
touch "$T/stop"
wait "$hpid" || true

# the same for HTTP: three idle connections take every slot; a POST gets in
rm -f "$T/stop" "$T/stop.held"
report_json http-evict 1 > "$T/http-evict.json"
$CLIENT flood 127.0.0.1 "$hport" 3 "$T/stop" > "$T/out/flood" 2>&1 &
fpid=$!
i=0
while [ ! -e "$T/stop.held" ] && [ $i -lt 300 ]; do sleep 0.1; i=$((i + 1)); done
sleep 1.2
code=$(curl -s --max-time 30 -o "$T/body" -w '%{http_code}' \
    -H "Content-Type: application/tlsrpt+json" --data-binary @"$T/http-evict.json" \
    "http://127.0.0.1:$hport/tlsrpt") || true
check_eq "HTTP eviction: the newcomer gets in" 200 "$code"
check_eq "HTTP eviction: stored" 1 "$(count reports "report_id = 'http-evict'")"
check_grep "HTTP eviction: logged" "http: every connection slot taken: slow connections closed to make room" "$tlog"
touch "$T/stop"
wait "$fpid" || true

# complete commands within every other limit, but the session goes on too long
$CLIENT trickle 127.0.0.1 "$port" 0.05 \
    'NOOP\r\nNOOP\r\nNOOP\r\nNOOP\r\nNOOP\r\nNOOP\r\nNOOP\r\nNOOP\r\nNOOP\r\nNOOP\r\nNOOP\r\nNOOP\r\nNOOP\r\nNOOP\r\nNOOP\r\nNOOP\r\nNOOP\r\nNOOP\r\nNOOP\r\nNOOP\r\n' \
    > "$T/out/session" 2>&1 || true
check_grep "session deadline: commands answered" "250 2.0.0 Ok" "$T/out/session"
check_grep "session deadline: 421" "421 4.4.2 mx.tlsrptd.test Error: session time limit exceeded" "$T/out/session"
daemon_stop
daemon_finish
