#!/bin/sh
# dkim.sh - only signed reports count (RFC 8460 section 3): report mails
# signed by python3-dkim (Google style with the TLS-Report headers signed,
# Microsoft style without them, RSA 2048 and ed25519), keys served by
# dnsmasq on loopback; each failure gives its exact cause, through
# `tlsrptd ingest` and tlsrptd's own SMTP listener: tampered body, tampered
# header, l=, unaligned d=, missing key, revoked key, no signature; a DNS
# timeout (a socket nobody reads) and SERVFAIL (unbound) are temporary:
# exit 75 / 451, nothing kept. dkim = record stores with the result noted;
# a forged report sets off no alert while a signed one does.
. "$(dirname "$0")/lib.sh"
. "$TOP/tests/postfix.sh"
. "$TOP/tests/dkim/lib.sh"

need dnsmasq unbound swaks sqlite3 openssl curl
[ -x "$PY" ] || { echo "FAIL: $PY is not installed (run make deps)" >&2; exit 1; }

tpid=""
cleanup() {
	[ -z "$tpid" ] || kill -KILL "$tpid" 2> /dev/null || true
	dkim_dns_stop
	rm -rf "$T"
}
trap cleanup EXIT
trap 'exit 1' INT TERM HUP

dkim_dns_start
make_cases

# --- ingest, dkim = require from the configuration --------------------------
idb="$T/ingest.db"
cat > "$T/ingest.conf" <<EOC
database = $idb
dkim_resolver = 127.0.0.1:$dns_port
dkim_timeout = 1
EOC
for c in $DKIM_CASES; do
	name=${c%%:*} want=${c#*:}
	rc=0
	"$TLSRPTD" ingest -c "$T/ingest.conf" "$DK/$name.eml" > "$T/ingest.$name" \
	    2> "$T/ingest.$name.err" || rc=$?
	case $want in
	pass)
		check_eq "ingest $name: exit status" 0 "$rc"
		check_eq "ingest $name: stored with result pass" pass \
		    "$(sql "$idb" "SELECT d.result FROM reports r JOIN report_dkim d
			ON d.report_ref = r.id WHERE r.report_id = 'r-$name'")"
		check_grep "ingest $name: logged" '"outcome":"stored"' "$T/ingest.$name"
		;;
	tempfail)
		check_eq "ingest $name: exit status (retry later)" 75 "$rc"
		check_eq "ingest $name: nothing kept" "0 0" \
		    "$(sql "$idb" "SELECT (SELECT count(*) FROM reports WHERE report_id = 'r-$name'),
			(SELECT count(*) FROM quarantine WHERE message_id = '<r-$name@$name.example.net>')" | tr '\t' ' ')"
		check_grep "ingest $name: logged as tempfail" '"outcome":"tempfail"' "$T/ingest.$name"
		check_grep "ingest $name: reason class" '"reason_class":"dkim-tempfail"' "$T/ingest.$name"
		check_grep "ingest $name: says to run again" "run the same command again later" "$T/ingest.$name.err"
		;;
	*)
		check_eq "ingest $name: exit status" 1 "$rc"
		check_eq "ingest $name: not stored" 0 "$(sql "$idb" "SELECT count(*) FROM reports WHERE report_id = 'r-$name'")"
		check_eq "ingest $name: quarantined for dkim with its cause" "dkim	$want" \
		    "$(sql "$idb" "SELECT reason_class, substr(reason, 1, instr(reason, ':') - 1)
			FROM quarantine WHERE message_id = '<r-$name@reporter.example>'")"
		;;
	esac
done
check_grep "timeout: the cause" 'no DNS answer within 1000 ms' "$T/ingest.timeout"
check_grep "servfail: the cause" 'SERVFAIL' "$T/ingest.servfail"
check_grep "body: detail" 'body hash mismatch (d=reporter.example s=sel)' "$T/ingest.body"
check_grep "unaligned: detail" 'signature d=other.example is not aligned with the From domain reporter.example' "$T/ingest.unaligned"
check_grep "nokey: detail" 'key nokey._domainkey.reporter.example not found (NXDOMAIN)' "$T/ingest.nokey"

# what was recorded about each accepted signature
check_eq "google: d=, s=, a=, s=tlsrpt, TLS-Report headers signed" \
    "reporter.example|sel|rsa-sha256|1|1|1|dns|require" \
    "$(sqlite3 "$idb" "SELECT domain, selector, algorithm, key_tlsrpt,
	report_domain_signed, submitter_signed, via, policy FROM report_dkim d
	JOIN reports r ON r.id = d.report_ref WHERE r.report_id = 'r-google'")"
check_eq "microsoft: no s=tlsrpt, TLS-Report headers not signed" \
    "reporter.example|ms|rsa-sha256|0|0|0" \
    "$(sqlite3 "$idb" "SELECT domain, selector, algorithm, key_tlsrpt,
	report_domain_signed, submitter_signed FROM report_dkim d
	JOIN reports r ON r.id = d.report_ref WHERE r.report_id = 'r-microsoft'")"
check_eq "ed25519: algorithm, s=email:tlsrpt" "ed25519-sha256|1" \
    "$(sqlite3 "$idb" "SELECT algorithm, key_tlsrpt FROM report_dkim d
	JOIN reports r ON r.id = d.report_ref WHERE r.report_id = 'r-ed25519'")"
check_grep "google: log line" '"dkim":{"result":"pass","domain":"reporter.example","selector":"sel","algorithm":"rsa-sha256","key_tlsrpt":true,"report_domain_signed":true,"submitter_signed":true,"via":"dns"}' "$T/ingest.google"

# reports show says which signature was accepted
gid=$(sql "$idb" "SELECT id FROM reports WHERE report_id = 'r-google'")
"$TLSRPTD" query --db "$idb" reports show "$gid" > "$T/show" 2>&1 || true
check_grep "reports show: dkim line" "pass d=reporter.example s=sel a=rsa-sha256 key s=tlsrpt, signed: TLS-Report-Domain TLS-Report-Submitter, via dns, dkim = require" "$T/show"
"$TLSRPTD" query --db "$idb" reports --dkim pass > "$T/list" 2>&1 || true
check_grep "reports --dkim pass lists a passing report" "r-google" "$T/list"

# --- ingest waits on DNS without the write lock ------------------------------
# a signed mail, then one whose key lookup hangs for 3 s: once the first is
# logged (after its commit) another writer gets the database meanwhile
cat > "$T/slow.conf" <<EOC
database = $T/slow.db
dkim_resolver = 127.0.0.1:$dns_port
dkim_timeout = 3
EOC
"$TLSRPTD" ingest -c "$T/slow.conf" "$DK/google.eml" "$DK/timeout.eml" \
    > "$T/slow.out" 2>&1 &
slowpid=$!
wait_for '"outcome":"stored"' "$T/slow.out"
if kill -0 "$slowpid" 2> /dev/null; then
	if sqlite3 -cmd ".timeout 0" "$T/slow.db" "BEGIN IMMEDIATE; ROLLBACK;" \
	    > "$T/slow.lock" 2>&1; then ok; else
		fail "the write lock is held while a key lookup waits:"
		cat "$T/slow.lock" >&2
	fi
else
	fail "the first message was committed only after the key lookup (its batch held the write lock meanwhile)"
fi
rc=0
wait "$slowpid" || rc=$?
check_eq "slow lookup: exit status" 75 "$rc"

# --- --dkim overrides the configuration: record keeps, off does not check -----
rc=0
"$TLSRPTD" ingest -c "$T/ingest.conf" --dkim record "$DK/body.eml" "$DK/unsigned.eml" \
    > "$T/ingest.record" 2>&1 || rc=$?
check_eq "record: exit status" 0 "$rc"
check_eq "record: stored with the failure noted" "r-body|fail|body-hash-mismatch|record
r-unsigned|none|no-signature|record" \
    "$(sqlite3 "$idb" "SELECT r.report_id, d.result, d.cause, d.policy FROM reports r
	JOIN report_dkim d ON d.report_ref = r.id
	WHERE r.report_id IN ('r-body', 'r-unsigned') ORDER BY 1")"
"$TLSRPTD" query --db "$idb" reports --dkim fail > "$T/list" 2>&1 || true
check_grep "reports --dkim fail" "r-body" "$T/list"
if grep -q r-google "$T/list"; then fail "reports --dkim fail lists a passing report"; else ok; fi
rc=0
"$TLSRPTD" ingest --db "$T/off.db" "$DK/header.eml" > "$T/ingest.off" 2>&1 || rc=$?
check_eq "no -c, no --dkim: not checked, stored" "0 1 0" \
    "$rc $(sql "$T/off.db" "SELECT count(*) FROM reports") $(sql "$T/off.db" "SELECT count(*) FROM report_dkim")"

# --- trusted Authentication-Results: no second lookup ------------------------
# the resolver never answers: only the trusted header can settle it
cat > "$T/ar.conf" <<EOC
database = $T/ar.db
dkim_resolver = 127.0.0.1:$deaf_port
dkim_timeout = 1
dkim_trusted_authserv_id = mx.tlsrpt.test
EOC
{ printf 'Authentication-Results: mx.tlsrpt.test;\r\n\tdkim=pass (2048-bit key) header.d=reporter.example header.s=sel header.b=AbCd\r\n'
  cat "$DK/google.eml"; } > "$DK/ar-pass.eml"
rc=0
"$TLSRPTD" ingest -c "$T/ar.conf" "$DK/ar-pass.eml" > "$T/ar.pass" 2>&1 || rc=$?
check_eq "authres pass: stored without a lookup" "0 pass|authres:mx.tlsrpt.test|reporter.example|sel|1|1" \
    "$rc $(sqlite3 "$T/ar.db" "SELECT result, via, domain, selector, report_domain_signed,
	submitter_signed FROM report_dkim")"
# a claim below another host's field is the sender's word: checked by DNS
{ printf 'Authentication-Results: relay.example.net; dkim=none\r\n'
  printf 'Authentication-Results: mx.tlsrpt.test; dkim=pass header.d=reporter.example header.s=sel\r\n'
  cat "$DK/microsoft.eml"; } > "$DK/ar-forged.eml"
rc=0
"$TLSRPTD" ingest -c "$T/ar.conf" "$DK/ar-forged.eml" > "$T/ar.forged" 2>&1 || rc=$?
check_eq "authres below a foreign field: not trusted (the lookup times out)" 75 "$rc"
# a pass on top for a signature the message does not have
{ printf 'Authentication-Results: mx.tlsrpt.test; dkim=pass header.d=reporter.example\r\n'
  cat "$DK/unsigned.eml"; } > "$DK/ar-nosig.eml"
rc=0
"$TLSRPTD" ingest -c "$T/ar.conf" "$DK/ar-nosig.eml" > "$T/ar.nosig" 2>&1 || rc=$?
check_eq "authres pass without the signature: quarantined" "1" "$rc"
check_grep "authres pass without the signature: says so" "dkim=pass for d=reporter.example, but no such DKIM-Signature" "$T/ar.nosig"

# --- the first writer does not win blindly -----------------------------------
# a stranger's copy first (a bare report, as over HTTPS: nothing to verify)
# hiding the failures, then the genuine signed mail under the same key
cdb="$T/conflict.db"
mkmail fake.json r-super reporter.example --json-only --failed 0
mkmail super r-super reporter.example --sign reporter.example:sel:$DK/rsa.pem
mkmail later r-super reporter.example --failed 7
"$TLSRPTD" ingest --db "$cdb" "$DK/fake.json.eml" > "$T/c1" 2>&1 || true
check_eq "fake first: stored" "0" "$(sql "$cdb" "SELECT sum(failed_sessions) FROM policies")"
rc=0
"$TLSRPTD" ingest --db "$cdb" -c "$T/ingest.conf" "$DK/super.eml" > "$T/c2" 2>&1 || rc=$?
check_eq "signed copy: exit status" 0 "$rc"
check_grep "signed copy: logged as superseding" '"status":"superseded"' "$T/c2"
check_eq "signed copy: its counts replace the fake's" "303|pass" \
    "$(sqlite3 "$cdb" "SELECT sum(p.failed_sessions), d.result FROM policies p
	JOIN reports r ON r.id = p.report_ref JOIN report_dkim d ON d.report_ref = r.id")"
check_eq "the fake copy is kept aside" "superseded|file|unchecked|0" \
    "$(sqlite3 "$cdb" "SELECT kind, way_in, coalesce(dkim_result, 'unchecked'),
	json_extract(raw_json, '$.policies[0].summary.total-failure-session-count')
	FROM report_conflicts")"
# a later unverified copy with other counts: kept as a conflict, not counted
"$TLSRPTD" ingest --db "$cdb" --dkim record "$DK/later.eml" > "$T/c3" 2>&1 || true
check_grep "later copy: logged as a conflict" '"status":"conflict"' "$T/c3"
check_eq "later copy: the signed counts stay" "303 2" \
    "$(sql "$cdb" "SELECT sum(failed_sessions) FROM policies") $(sql "$cdb" "SELECT count(*) FROM report_conflicts")"
# the stored report again, pretty-printed: the same report, a duplicate,
# not a conflict
sqlite3 "$cdb" "SELECT raw_json FROM reports" |
    python3 -c 'import json, sys; print(json.dumps(json.load(sys.stdin), indent=3, ensure_ascii=False))' \
    > "$T/pretty.json"
"$TLSRPTD" ingest --db "$cdb" --dkim record "$T/pretty.json" > "$T/c4" 2>&1 || true
check_grep "same report pretty-printed: a duplicate" '"status":"duplicate"' "$T/c4"
check_eq "same report pretty-printed: no conflict kept" "303 2" \
    "$(sql "$cdb" "SELECT sum(failed_sessions) FROM policies") $(sql "$cdb" "SELECT count(*) FROM report_conflicts")"
sid=$(sql "$cdb" "SELECT id FROM reports")
"$TLSRPTD" query --db "$cdb" reports show "$sid" > "$T/cshow" 2>&1 || true
check_grep "reports show names the other copies" "superseded #1 from file (dkim unchecked); conflict #2 from file (dkim none)" "$T/cshow"

# --- quarantine retry checks again ------------------------------------------
# the missing key appears (key rotation caught up): retry stores it
qid=$(sql "$idb" "SELECT id FROM quarantine WHERE message_id = '<r-nokey@reporter.example>'")
rc=0
"$TLSRPTD" query -c "$T/ingest.conf" quarantine retry "$qid" > "$T/retry" 2>&1 || rc=$?
check_eq "retry without the key: still quarantined" 1 "$rc"
check_grep "retry without the key: says why" "key-not-found" "$T/retry"

# --- the SMTP listener, dkim = require (the daemon's default) ----------------
db="$T/smtp.db"
tlog="$T/tlsrptd.log"
port=$(pf_free_port)
mport=$(udp_port)
cat > "$T/alert-cmd" <<EOC
#!/bin/sh
cat >> "$T/alerts"
EOC
chmod +x "$T/alert-cmd"
cat > "$T/tlsrptd.conf" <<EOC
database = $db
log = $tlog
rua = tlsrpt@tlsrpt.test
milter_socket = none
smtp_listen = 127.0.0.1:$port
lmtp_listen = unix:$T/lmtp.sock
dkim_resolver = 127.0.0.1:$dns_port
dkim_timeout = 3
alert_failure_rate = 1
alert_min_sessions = 1
alert_command = $T/alert-cmd
metrics_listen = 127.0.0.1:$mport
EOC
daemon_start -c "$T/tlsrptd.conf"
# first a forged report (unsigned, the genuine one's content): its 5.4%
# failures would cross alert_failure_rate if it counted
mkmail forged r-forged reporter.example
swaks_send "$port" "$DK/forged.eml" tlsrpt@tlsrpt.test
check_eq "forged: accepted into quarantine" "250 2.0.0 Ok: queued as $qid" "$reply"
check_eq "forged: quarantined" "dkim" "$(sql "$db" "SELECT reason_class FROM quarantine WHERE source = '$qid'")"
for c in $DKIM_CASES; do
	name=${c%%:*} want=${c#*:}
	swaks_send "$port" "$DK/$name.eml" tlsrpt@tlsrpt.test
	case $want in
	pass)
		check_eq "smtp $name: reply" "250 2.0.0 Ok: queued as $qid" "$reply"
		check_eq "smtp $name: stored, pass" "pass" \
		    "$(sql "$db" "SELECT d.result FROM reports r JOIN report_dkim d
			ON d.report_ref = r.id WHERE r.report_id = 'r-$name'")"
		;;
	tempfail)
		case "$reply" in
		"451 4.3.0 "*) ok ;;
		*) fail "smtp $name: reply [$reply], expected 451" ;;
		esac
		check_eq "smtp $name: nothing kept" "0 0" \
		    "$(sql "$db" "SELECT (SELECT count(*) FROM reports WHERE report_id = 'r-$name'),
			(SELECT count(*) FROM quarantine WHERE message_id = '<r-$name@$name.example.net>')" | tr '\t' ' ')"
		;;
	*)
		check_eq "smtp $name: reply (accepted into quarantine)" "250 2.0.0 Ok: queued as $qid" "$reply"
		check_eq "smtp $name: quarantined for dkim with its cause" "dkim	$want" \
		    "$(sql "$db" "SELECT reason_class, substr(reason, 1, instr(reason, ':') - 1)
			FROM quarantine WHERE source = '$qid'")"
		;;
	esac
done
check_eq "smtp: only the signed reports were counted" \
    "r-ed25519 r-google r-microsoft r-subdomain" \
    "$(sql "$db" "SELECT report_id FROM reports ORDER BY 1" | tr '\n' ' ' | sed 's/ $//')"

# a lookup that hangs holds up neither the loop nor the store: a report
# sent while it waits is stored and answered first
nq=$(grep -c 'query\[TXT\] sel._domainkey.timeout.example.net' "$DK/dnsmasq.log" || true)
swaks --server 127.0.0.1 --port "$port" --timeout 60 --from reports@sender.example \
    --to tlsrpt@tlsrpt.test --data @"$DK/timeout.eml" > "$T/hang.out" 2>&1 &
hangpid=$!
wait_for 'query[TXT] sel._domainkey.timeout.example.net' "$DK/dnsmasq.log" $((nq + 1))
mkmail during r-during reporter.example --sign reporter.example:sel:$DK/rsa.pem
swaks_send "$port" "$DK/during.eml" tlsrpt@tlsrpt.test
check_eq "during a hung lookup: another report answered" "250 2.0.0 Ok: queued as $qid" "$reply"
if kill -0 "$hangpid" 2> /dev/null; then ok; else
	fail "the hung lookup was answered before the other report"; fi
wait "$hangpid" || true
check_grep "the hung lookup: 451 in the end" "<** 451 4.3.0" "$T/hang.out"

# LMTP: the same checks (one case each way)
mkmail lmtp-pass r-lmtp-pass reporter.example --sign reporter.example:ed:$DK/ed.key
mkmail lmtp-body r-lmtp-body reporter.example --sign reporter.example:sel:$DK/rsa.pem --tamper body
for name in lmtp-pass lmtp-body; do
	swaks --socket "$T/lmtp.sock" --protocol LMTP --timeout 60 \
	    --from reports@sender.example --to tlsrpt@tlsrpt.test \
	    --data @"$DK/$name.eml" > "$T/$name.out" 2>&1 || true
	check_grep "lmtp $name: accepted" "<-  250 2.0.0 <tlsrpt@tlsrpt.test> Ok: queued as" "$T/$name.out"
done
check_eq "lmtp: the signed one stored" "pass|lmtp" \
    "$(sqlite3 "$db" "SELECT d.result, r.way_in FROM reports r JOIN report_dkim d
	ON d.report_ref = r.id WHERE r.report_id = 'r-lmtp-pass'")"
check_eq "lmtp: the tampered one quarantined" "dkim|lmtp" \
    "$(sqlite3 "$db" "SELECT reason_class, way_in FROM quarantine
	WHERE message_id = '<r-lmtp-body@reporter.example>'")"

# the forged report set off no alert; the genuine one (signed) did
wait_for '"event":"alert_command"' "$tlog"
check_grep "the signed report set off the alert" '"policy_domain":"company-y.example"' "$T/alerts"
forged_line=$(grep -n '"message_id":"<r-forged@' "$tlog" | cut -d: -f1)
google_line=$(grep -n '"message_id":"<r-google@' "$tlog" | cut -d: -f1)
alert_line=$(grep -n '"event":"failure_rate_alert"' "$tlog" | head -n 1 | cut -d: -f1)
if [ -n "$alert_line" ] && [ "$alert_line" -gt "$google_line" ] &&
    [ "$google_line" -gt "$forged_line" ]; then ok; else
	fail "the first alert (line $alert_line) does not follow the signed report (line $google_line)"; fi
check_eq "one alert, from the signed report alone" "1|5326|303" \
    "$(sqlite3 "$db" "SELECT count(*), successful_sessions, failed_sessions FROM alerts")"
curl -s "http://127.0.0.1:$mport/metrics" > "$T/metrics" 2>&1 || true
check_grep "metrics: passes" 'tlsrptd_dkim_results_total{result="pass",cause="ok"} 6' "$T/metrics"
check_grep "metrics: no signature (the forged one too)" 'tlsrptd_dkim_results_total{result="none",cause="no-signature"} 2' "$T/metrics"
check_grep "metrics: body hash" 'tlsrptd_dkim_results_total{result="fail",cause="body-hash-mismatch"} 2' "$T/metrics"
# the RSA key signed several of them: decoded once, then found decoded
for r in decoded kept; do
	n=$(sed -n "s/^tlsrptd_dkim_key_decodes{result=\"$r\"} //p" "$T/metrics")
	check_eq "metrics: keys $r" yes "$([ "${n:-0}" -gt 0 ] && echo yes || echo "no ($n)")"
done
check_grep "metrics: temporary" 'tlsrptd_dkim_results_total{result="temperror",cause="key-lookup-tempfail"} 3' "$T/metrics"
daemon_stop

dkim_dns_stop
daemon_finish
