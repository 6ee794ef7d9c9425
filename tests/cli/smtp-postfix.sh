#!/bin/sh
# smtp-postfix.sh - a real, throwaway Postfix on loopback relaying report
# mail to tlsrptd's own listener: over SMTP (with STARTTLS) through a
# transport map entry smtp:[127.0.0.1]:PORT, and over LMTP on a unix socket
# (lmtp:unix:PATH). Reports are stored with Postfix's view of the delivery
# in its log; a recipient tlsrptd does not take bounces; a storage failure
# defers the mail in Postfix's queue and the next try delivers it once.
# Needs root (Postfix runs as root from a temporary config directory);
# tlsrptd runs as "nobody" with group "postfix".
. "$(dirname "$0")/lib.sh"
. "$TOP/tests/milter/mail.sh"
. "$TOP/tests/postfix.sh"

if [ "$(id -u)" -ne 0 ]; then
	echo "SKIP: $(basename "$0") needs root to run a throwaway Postfix"
	exit 0
fi
need postfix swaks sqlite3 openssl

RUN_AS=nobody
chmod 0755 "$T"		# Postfix's own users walk into it
mkdir -p "$T/conf" "$T/queue" "$T/data" "$T/log" "$T/run" "$T/db" "$T/mail"
chown postfix "$T/data"
chown "$RUN_AS" "$T/run" "$T/log" "$T/db"
db="$T/db/tlsrptd.db"
tlog="$T/log/tlsrptd.log"
maillog="$T/log/maillog"
lmtp="$T/run/lmtp.sock"
tpid=""
lockpid=""

cleanup() {
	[ -z "$tpid" ] || kill -KILL "$tpid" 2> /dev/null || true
	[ -z "$lockpid" ] || kill -KILL "$lockpid" 2> /dev/null || true
	postfix -c "$T/conf" stop > /dev/null 2>&1 || true
	rm -rf "$T"
}
trap cleanup EXIT
trap 'exit 1' INT TERM HUP

pf_port=$(pf_free_port)
port=$((pf_port + 1))
while [ -n "$(ss -Hltn "sport = :$port" 2> /dev/null)" ]; do port=$((port + 1)); done

openssl req -x509 -newkey rsa:2048 -nodes -days 2 -subj /CN=mx.tlsrptd.test \
    -keyout "$T/key.pem" -out "$T/cert.pem" > /dev/null 2>&1 ||
    { echo "FAIL: openssl req" >&2; exit 1; }
# the key stays root's: tlsrptd reads it before it becomes $RUN_AS

write_conf "$T/tlsrptd.conf" "log_level = info" \
    "rua = @tlsrpt.test, @lmtp.test" "smtp_listen = 127.0.0.1:$port" \
    "lmtp_listen = unix:$lmtp" "smtp_hostname = mx.tlsrptd.test" \
    "tls_certificate = $T/cert.pem" "tls_key = $T/key.pem" "user = $RUN_AS" \
    "group = postfix"

# --- Postfix: relays tlsrpt.test and other.test to tlsrptd over SMTP (TLS
# when offered), lmtp.test over LMTP --------------------------------------
pf_write_config "$T" "$pf_port" mx.tlsrptd-test.invalid \
    "tlsrpt.test lmtp.test other.test" \
    "inline:{tlsrpt.test=smtp:[127.0.0.1]:$port other.test=smtp:[127.0.0.1]:$port lmtp.test=lmtp:unix:$lmtp}" \
    "" "smtp_tls_security_level = may
smtp_tls_loglevel = 1
lmtp_tls_security_level = none
bounce_queue_lifetime = 0
delay_warning_time = 0
queue_run_delay = 1s
minimal_backoff_time = 1s
maximal_backoff_time = 2s"
cat >> "$T/conf/master.cf" <<EOF
smtp      unix - - n - - smtp
lmtp      unix - - n - - lmtp
tlsmgr    unix - - n 1000? 1 tlsmgr
EOF
pf_start "$T" pf_port

daemon_start -c "$T/tlsrptd.conf"
check_eq "LMTP socket: owner and mode" "srw-rw---- $RUN_AS postfix" \
    "$(ls -l "$lmtp" | awk '{ print $1, $3, $4 }')"

# send FILE RCPT - swaks to Postfix (sets rc and qid, Postfix's queue id)
send() { swaks_send "$pf_port" "$@"; }

# delivery QID - Postfix's delivery line for its queue id (the last one)
delivery() { grep "$1: to=<" "$maillog" | tail -n 1; }

# our_qid QID - tlsrptd's queue id in Postfix's delivery line
our_qid() { delivery "$1" | sed -n 's/.*queued as \([0-9A-F]*\)).*/\1/p'; }

# --- over SMTP, with STARTTLS ------------------------------------------------
report_mail pf-smtp-1 > "$T/mail/pf-smtp-1.eml"
send "$T/mail/pf-smtp-1.eml" tlsrpt@tlsrpt.test
check_eq "SMTP relay: Postfix took it" 0 "$rc"
wait_for "$qid: to=<tlsrpt@tlsrpt.test>" "$maillog"
check_grep "SMTP relay: sent" "$qid: to=<tlsrpt@tlsrpt.test>, relay=127.0.0.1[127.0.0.1]:$port" "$maillog"
check_grep "SMTP relay: 250 after the commit" "status=sent (250 2.0.0 Ok: queued as" "$maillog"
check_grep "SMTP relay: over TLS" "TLS connection established to 127.0.0.1[127.0.0.1]:$port" "$maillog"
ours=$(our_qid "$qid")
check_eq "SMTP relay: stored under our queue id" \
    "smtp	$ours	reports@sender.example	tlsrpt@tlsrpt.test" \
    "$(sql "$db" "SELECT way_in, source, envelope_from, envelope_to FROM
	reports WHERE report_id = 'pf-smtp-1'")"
check_grep "SMTP relay: log line" "\"outcome\":\"stored\",\"way_in\":\"smtp\",\"source\":\"$ours\",\"client\":\"127.0.0.1\"" "$tlog"

# --- over LMTP on the unix socket ---------------------------------------------
report_mail pf-lmtp-1 > "$T/mail/pf-lmtp-1.eml"
send "$T/mail/pf-lmtp-1.eml" dmarc@lmtp.test
check_eq "LMTP: Postfix took it" 0 "$rc"
wait_for "$qid: to=<dmarc@lmtp.test>" "$maillog"
check_grep "LMTP: sent" "$qid: to=<dmarc@lmtp.test>, relay=mx.tlsrptd-test.invalid[$lmtp]" "$maillog"
check_grep "LMTP: per-recipient reply" "status=sent (250 2.0.0 <dmarc@lmtp.test> Ok: queued as" "$maillog"
ours=$(our_qid "$qid")
check_eq "LMTP: stored" "lmtp	$ours	dmarc@lmtp.test" \
    "$(sql "$db" "SELECT way_in, source, envelope_to FROM reports WHERE
	report_id = 'pf-lmtp-1'")"
check_grep "LMTP: log line" "\"way_in\":\"lmtp\",\"source\":\"$ours\",\"client\":\"local\"" "$tlog"

# --- two rua recipients over LMTP: one delivery each, one report -------------
report_mail pf-lmtp-2 > "$T/mail/pf-lmtp-2.eml"
send "$T/mail/pf-lmtp-2.eml" a@lmtp.test,b@lmtp.test
wait_for "$qid: to=<b@lmtp.test>" "$maillog"
wait_for "$qid: to=<a@lmtp.test>" "$maillog"
check_eq "LMTP two recipients: both sent" 2 \
    "$(grep "$qid: to=<[ab]@lmtp.test>" "$maillog" | grep -c 'status=sent')"
check_eq "LMTP two recipients: one report" 1 "$(count reports "report_id = 'pf-lmtp-2'")"

# --- a recipient tlsrptd does not take bounces -------------------------------
report_mail pf-other > "$T/mail/pf-other.eml"
send "$T/mail/pf-other.eml" someone@other.test
wait_for "$qid: to=<someone@other.test>" "$maillog"
check_grep "unknown rcpt: bounced" "$qid: to=<someone@other.test>, relay=127.0.0.1[127.0.0.1]:$port" "$maillog"
check_eq "unknown rcpt: 550 5.1.1" 1 \
    "$(delivery "$qid" | grep -c 'status=bounced (host 127.0.0.1\[127.0.0.1\] said: 550 5.1.1 <someone@other.test>: Recipient address rejected')"
check_eq "unknown rcpt: nothing stored" 0 "$(count reports "report_id = 'pf-other'")"

# --- storage failure: Postfix defers, its next try delivers it once ----------
report_mail pf-storage > "$T/mail/pf-storage.eml"
lock_db
send "$T/mail/pf-storage.eml" tlsrpt@tlsrpt.test
check_eq "storage failure: Postfix took it" 0 "$rc"
wait_for "$qid: to=<tlsrpt@tlsrpt.test>" "$maillog"
check_eq "storage failure: deferred with 451 4.3.0" 1 \
    "$(delivery "$qid" | grep -c 'status=deferred (host 127.0.0.1\[127.0.0.1\] said: 451 4.3.0 tlsrptd: cannot store the report now')"
unlock_db
check_eq "storage failure: nothing stored" 0 "$(count reports "report_id = 'pf-storage'")"
i=0
while ! delivery "$qid" | grep -q 'status=sent' && [ $i -lt 300 ]; do
	sleep 0.1
	i=$((i + 1))
done
check_eq "storage fixed: delivered on retry" 1 "$(delivery "$qid" | grep -c 'status=sent')"
check_eq "storage fixed: stored once" 1 "$(count reports "report_id = 'pf-storage'")"

daemon_stop

daemon_finish "$T/tlsrptd.out" "$maillog"
