#!/bin/sh
# oom.sh - out of memory while analysing is a temporary failure, never a
# verdict on the report: a valid report of about 15 MiB, under address-space
# limits (prlimit --as) from "cannot even read it" to "enough", is stored or
# refused for now (ingest exit 75 "run again", SMTP 451, HTTP 503), and
# nothing is quarantined. Sanitizer builds reserve terabytes of address
# space, so this test skips them.
. "$(dirname "$0")/lib.sh"
. "$TOP/tests/postfix.sh"

need prlimit swaks curl python3 sqlite3
if grep -q __asan_init "$TLSRPTD" 2> /dev/null; then
	echo "SKIP: $(basename "$0"): address-space limits do not fit a sanitizer build"
	exit 0
fi
if [ -n "${TLSRPTD_REAL:-}" ]; then
	# make valgrind: the limit would be valgrind's, not tlsrptd's
	echo "SKIP: $(basename "$0"): address-space limits do not fit valgrind"
	exit 0
fi

tpid=""
cleanup() {
	[ -z "$tpid" ] || kill -KILL "$tpid" 2> /dev/null || true
	rm -rf "$T"
}
trap cleanup EXIT
trap 'exit 1' INT TERM HUP

# --- a valid report of about 15 MiB: 10 policies of 900 failure details, each
# with a long additional-information (within the work bounds per report) ---
python3 - "$T" <<'PY'
import base64, gzip, json, sys
t = sys.argv[1]
pol = []
for p in range(10):
    det = [{"result-type": "certificate-expired",
            "sending-mta-ip": "192.0.2.%d" % (i % 250),
            "receiving-mx-hostname": "mx%d.example.org" % i,
            "receiving-ip": "198.51.100.%d" % (i % 250),
            "additional-information": "https://example.org/why/%d/" % i
                + "x" * 1500,
            "failed-session-count": 1 + i % 7} for i in range(900)]
    pol.append({"policy": {"policy-type": "sts",
                           "policy-string": ["version: STSv1", "mode: enforce",
                                             "mx: *.example.org", "max_age: 86400"],
                           "policy-domain": "example.org"},
                "summary": {"total-successful-session-count": 5,
                            "total-failure-session-count":
                                sum(d["failed-session-count"] for d in det)},
                "failure-details": det})
r = {"organization-name": "Big Sender",
     "date-range": {"start-datetime": "2026-11-01T00:00:00Z",
                    "end-datetime": "2026-11-01T23:59:59Z"},
     "contact-info": "tlsrpt@big.example", "report-id": "big-1", "policies": pol}
raw = json.dumps(r).encode()
open(t + "/big.json", "wb").write(raw)
gz = gzip.compress(raw, 9)
open(t + "/big.json.gz", "wb").write(gz)
msg = ("From: reports@big.example\r\nTo: tlsrpt@example.org\r\n"
       "Subject: Report Domain: example.org\r\nMessage-ID: <big-1@big.example>\r\n"
       "MIME-Version: 1.0\r\n"
       "Content-Type: multipart/report; report-type=\"tlsrpt\"; boundary=\"b\"\r\n\r\n"
       "--b\r\nContent-Type: text/plain\r\n\r\nA report.\r\n--b\r\n"
       "Content-Type: application/tlsrpt+gzip\r\n"
       "Content-Disposition: attachment; filename=\"big.json.gz\"\r\n"
       "Content-Transfer-Encoding: base64\r\n\r\n"
       + base64.encodebytes(gz).decode().replace("\n", "\r\n") + "--b--\r\n")
open(t + "/big.eml", "wb").write(msg.encode())
PY

# --- ingest: stored, or exit 75 and nothing kept -----------------------------
# The rungs start at 80 MiB, room for the shared libraries with libarchive
# among them (loaded at the first zip, it maps libxml2 and ICU: some 40 MiB
# of address space).
tempfails=0
for mib in 80 100 120 140 160 240; do
	rm -f "$T/i.db" "$T/i.db-wal" "$T/i.db-shm"
	rc=0
	prlimit --as=$((mib * 1024 * 1024)) "$TLSRPTD" ingest --jobs 1 \
	    --db "$T/i.db" "$T/big.json" > "$T/ingest.$mib" 2>&1 || rc=$?
	case $rc in
	0)	check_grep "ingest under $mib MiB: stored" '"outcome":"stored"' "$T/ingest.$mib" ;;
	75)	tempfails=$((tempfails + 1))
		check_grep "ingest under $mib MiB: said to run again" "run the same command again" "$T/ingest.$mib" ;;
	*)	fail "ingest under $mib MiB: exit status $rc"; sed 's/^/  | /' "$T/ingest.$mib" | cut -c1-300 >&2 ;;
	esac
	if [ -f "$T/i.db" ]; then
		check_eq "ingest under $mib MiB: nothing quarantined" 0 \
		    "$(sql "$T/i.db" 'SELECT count(*) FROM quarantine')"
	fi
done
[ "$tempfails" -gt 0 ] && ok || fail "no address-space limit made ingest run out of memory"
rc=0; "$TLSRPTD" ingest --jobs 1 --db "$T/i.db" "$T/big.json" > "$T/ingest.free" 2>&1 || rc=$?
check_eq "ingest without a limit: stored" 0 "$rc"

# --- the SMTP and HTTP listeners: 451 / 503, never 5xx / 400 -----------------
port=$(pf_free_port)
hp=$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
while [ "$hp" = "$port" ]; do
	hp=$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
done
db="$T/d.db"
tlog="$T/tlsrptd.log"
write_conf "$T/tlsrptd.conf" "rua = tlsrpt@example.org" \
    "smtp_listen = 127.0.0.1:$port" "http_listen = 127.0.0.1:$hp" \
    "shutdown_timeout = 20"
smtp451=0 http503=0
for mib in 80 100 120 150 200 250 300; do
	_before=$(nstarted)
	prlimit --as=$((mib * 1024 * 1024)) "$TLSRPTD" run -c "$T/tlsrptd.conf" \
	    >> "$T/tlsrptd.out" 2>&1 &
	tpid=$!
	_i=0
	while [ "$(nstarted)" -le "$_before" ] && [ $_i -lt 100 ] &&
	    kill -0 "$tpid" 2> /dev/null; do
		sleep 0.1
		_i=$((_i + 1))
	done
	if [ "$(nstarted)" -le "$_before" ]; then
		# too tight to start at all: not this test's business
		kill -KILL "$tpid" 2> /dev/null || true
		wait "$tpid" 2> /dev/null || true
		tpid=""
		continue
	fi
	swaks_send "$port" "$T/big.eml" tlsrpt@example.org
	case $reply in
	250*)	ok ;;
	451*)	smtp451=$((smtp451 + 1)) ;;
	*)	fail "SMTP under $mib MiB: [$reply]" ;;
	esac
	code=$(curl -s -o "$T/http.body" -w '%{http_code}' \
	    -H 'Content-Type: application/tlsrpt+gzip' \
	    --data-binary @"$T/big.json.gz" "http://127.0.0.1:$hp/tlsrpt" || true)
	case $code in
	200)	ok ;;
	503)	http503=$((http503 + 1)) ;;
	*)	fail "HTTP under $mib MiB: [$code] $(cat "$T/http.body")" ;;
	esac
	daemon_stop
	check_eq "under $mib MiB: nothing quarantined" 0 \
	    "$(sql "$db" 'SELECT count(*) FROM quarantine')"
done
[ "$smtp451" -gt 0 ] && ok || fail "no address-space limit gave SMTP 451"
[ "$http503" -gt 0 ] && ok || fail "no address-space limit gave HTTP 503"

daemon_finish
