#!/bin/sh
# http.sh - tlsrptd run as the HTTP(S) report endpoint (rua=https:), driven
# with curl over plain HTTP, TLS (a throwaway certificate) and a unix
# socket: RFC media types stored, tolerated ones stored with a note, wrong
# type 415, oversize 413, invalid report 400 and quarantined, duplicate 200,
# a Postfix report without policy-domain 200 with its counts,
# 405/404/501, the health check, the proxy header believed only from a
# trusted peer, a storage failure answered 503 with nothing kept, many
# concurrent clients, clients that dribble a byte at a time or just hold a
# connection (cut at http_timeout, the connection limit honoured) while a
# normal client still gets through, and SIGTERM with a request awaiting its
# commit: answered 200, stored, exit 0.
#
# Storage failure: as in milter-postfix.sh, the database lives on a tiny
# tmpfs that the test fills (a real SQLITE_FULL at commit) where one can be
# mounted (root), and otherwise another process holds the database's write
# lock (SQLITE_BUSY after the 5 s busy timeout).
. "$(dirname "$0")/lib.sh"

for tool in curl openssl python3 sqlite3; do
	if ! command -v "$tool" > /dev/null 2>&1; then
		echo "FAIL: $tool is not installed (run make deps)" >&2
		exit 1
	fi
done

C="$TOP/tests/corpus"
mkdir -p "$T/db" "$T/req" "$T/out"
db="$T/db/tlsrptd.db"
tlog="$T/tlsrptd.log"
tpid=""
lockpid=""
mounted=0

cleanup() {
	[ -z "$tpid" ] || kill -KILL "$tpid" 2> /dev/null || true
	[ -z "$lockpid" ] || kill -KILL "$lockpid" 2> /dev/null || true
	[ "$mounted" -eq 0 ] || umount "$T/db" 2> /dev/null || true
	rm -rf "$T"
}
trap cleanup EXIT
trap 'exit 1' INT TERM HUP

failure_mode=${TLSRPTD_TEST_STORAGE_FAILURE:-full}
if [ "$failure_mode" = full ]; then
	if [ "$(id -u)" -eq 0 ] &&
	    mount -t tmpfs -o size=16m,mode=0755 tmpfs "$T/db" 2> /dev/null; then
		mounted=1
	else
		echo "note: cannot mount a tmpfs here; storage failure = held write lock"
		failure_mode=lock
	fi
fi

# free_port - a loopback TCP port nobody listens on now
free_port() {
	python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'
}
hp=$(free_port)
sp=$(free_port)
while [ "$sp" = "$hp" ]; do sp=$(free_port); done
H="http://127.0.0.1:$hp"
S="https://localhost:$sp"

# a throwaway certificate for localhost
openssl req -x509 -newkey rsa:2048 -nodes -days 2 -subj /CN=localhost \
    -addext "subjectAltName=DNS:localhost,IP:127.0.0.1" \
    -keyout "$T/key.pem" -out "$T/cert.pem" > "$T/openssl.out" 2>&1 ||
    { cat "$T/openssl.out" >&2; exit 1; }

cat > "$T/tlsrptd.conf" <<EOF
database = $db
log = $tlog
log_level = debug
rua = tlsrpt@tlsrpt.test
milter_socket = none
http_listen = 127.0.0.1:$hp, unix:$T/http.sock
https_listen = 127.0.0.1:$sp
tls_certificate = $T/cert.pem
tls_key = $T/key.pem
http_trusted_proxies = 127.0.0.2
message_size_limit = 64K
http_timeout = 4
http_max_connections = 40
shutdown_timeout = 30
EOF

# Report bodies: the RFC 8460 example under a report-id of our own.
cat > "$T/mk.py" <<'EOF'
# mk.py SRC OUT... - OUT is DIR/ID.json or DIR/ID.json.gz
import gzip, os, sys
src = open(sys.argv[1], "rb").read()
for out in sys.argv[2:]:
    rid = os.path.basename(out).split(".")[0]
    body = src.replace(b"5065427c-23d3-47ca-b6e0-946ea0e8c4be", rid.encode())
    if out.endswith(".gz"):
        body = gzip.compress(body, mtime=0)
    open(out, "wb").write(body)
EOF
# mk ID [gz] - a report body file for report-id ID; prints its path
mk() {
	f="$T/req/$1.json${2:+.gz}"
	python3 "$T/mk.py" "$C/parsedmarc__rfc8460.json" "$f"
	echo "$f"
}

# post URL TYPE FILE [CURL ARGS] - POST a body; sets code, and body in
# $T/body, headers in $T/headers
post() {
	_u=$1 _t=$2 _f=$3
	shift 3
	code=$(curl -s --max-time 60 -o "$T/body" -D "$T/headers" \
	    -w '%{http_code}' -H "Content-Type: $_t" --data-binary @"$_f" \
	    "$@" "$_u") || true
}

# col QUERY - one value
col() { sql "$db" "$1"; }

start_tlsrptd() {
	"$TLSRPTD" run -c "$T/tlsrptd.conf" >> "$T/tlsrptd.out" 2>&1 &
	tpid=$!
	i=0
	until curl -s -o /dev/null "$H/healthz"; do
		if ! kill -0 "$tpid" 2> /dev/null || [ $i -ge 100 ]; then
			echo "FAIL: tlsrptd run did not come up:" >&2
			cat "$T/tlsrptd.out" "$tlog" >&2 2> /dev/null
			exit 1
		fi
		sleep 0.1
		i=$((i + 1))
	done
}

start_tlsrptd
check_grep "started line names http_listen" "\"http_listen\":[\"127.0.0.1:$hp\"" "$tlog"
check_grep "started line names https_listen" "\"https_listen\":[\"127.0.0.1:$sp\"]" "$tlog"

# --- the RFC media types ----------------------------------------------------
post "$H/tlsrpt" application/tlsrpt+gzip "$(mk gz-1 gz)"
check_eq "gzip body: status" 200 "$code"
check_eq "gzip body: reply" "stored" "$(cat "$T/body")"
check_eq "gzip body: stored" 1 "$(count reports "report_id = 'gz-1'")"
check_eq "gzip body: way in and source" "http	127.0.0.1" \
    "$(col "SELECT way_in, source FROM reports WHERE report_id = 'gz-1'")"
check_eq "gzip body: no HTTP note" 0 \
    "$(count reports "report_id = 'gz-1' AND conformance_notes LIKE '%HTTP%'")"

post "$H/tlsrpt" application/tlsrpt+json "$(mk json-1)"
check_eq "json body: status" 200 "$code"
check_eq "json body: stored" 1 "$(count reports "report_id = 'json-1'")"

post "$H/tlsrpt" application/json "$(mk appjson-1)"
check_eq "application/json: status" 200 "$code"
check_eq "application/json: stored with a note" 1 "$(count reports \
    "report_id = 'appjson-1' AND conformance_notes LIKE '%non-RFC media type application/json for the HTTP report%'")"
post "$H/tlsrpt" application/tlsrpt+json "$(mk gzip-as-json gz)"
check_eq "gzip under a json type: status" 200 "$code"
check_eq "gzip under a json type: note" 1 "$(count reports \
    "report_id = 'gzip-as-json' AND conformance_notes LIKE '%declared as JSON (application/tlsrpt+json) but holds gzip%'")"

n=$(count reports)
post "$H/tlsrpt" application/tlsrpt+gzip "$T/req/gz-1.json.gz"
check_eq "duplicate: status" 200 "$code"
check_eq "duplicate: reply" "already stored" "$(cat "$T/body")"
check_eq "duplicate: stored once" "$n" "$(count reports)"
check_grep "duplicate: log line" '"outcome":"duplicate","way_in":"http"' "$tlog"

# --- a Postfix (libtlsrpt) report: no policy-domain on no-policy-found ------
# No header, no file name over HTTP: the domain comes from the report's
# other policy, and none of its 117 sessions is lost.
cat > "$T/req/postfix.py" <<'EOF'
import gzip, json, sys
r = {"organization-name": "mail.example.org",
     "date-range": {"start-datetime": "2026-11-20T00:00:00Z",
                    "end-datetime": "2026-11-21T00:00:00Z"},
     "contact-info": "postmaster@example.org", "report-id": sys.argv[2],
     "policies": [
         {"policy": {"policy-type": "no-policy-found"},
          "summary": {"total-successful-session-count": 32,
                      "total-failure-session-count": 0}},
         {"policy": {"policy-type": "tlsa",
                     "policy-string": ["3 1 1 0123456789abcdef"],
                     "policy-domain": "mx1.example.net",
                     "mx-host": ["mx1.example.net"]},
          "summary": {"total-successful-session-count": 85,
                      "total-failure-session-count": 0}}]}
open(sys.argv[1], "wb").write(gzip.compress(json.dumps(r).encode()))
EOF
python3 "$T/req/postfix.py" "$T/req/postfix.json.gz" postfix-1
post "$H/tlsrpt" application/tlsrpt+gzip "$T/req/postfix.json.gz"
check_eq "postfix report: status" 200 "$code"
check_eq "postfix report: reply" "stored" "$(cat "$T/body")"
check_eq "postfix report: both policies under the MX name" \
    "no-policy-found mx1.example.net 32;tlsa mx1.example.net 85" \
    "$(col "SELECT group_concat(policy_type || ' ' || policy_domain || ' ' ||
        successful_sessions, ';') FROM (SELECT p.* FROM policies p JOIN
        reports r ON r.id = p.report_ref WHERE r.report_id = 'postfix-1'
        ORDER BY p.position)")"
check_eq "postfix report: 117 sessions counted" "117" \
    "$("$TLSRPTD" query --db "$db" --format csv --domain mx1.example.net \
        summary | sed -n '2p' | cut -d, -f2)"
check_eq "postfix report: noted" 1 "$(count reports "report_id = 'postfix-1'
    AND conformance_notes LIKE '%policy-domain: using %mx1.example.net%, the domain of the report''s other policies%'")"
check_grep "postfix report: log line counts 117" \
    '"end":"2026-11-21T00:00:00Z","policies":2,"successful_sessions":117,"failed_sessions":0,"notes":["policies[0].policy.policy-domain: missing"' "$tlog"

# --- refusals ---------------------------------------------------------------
post "$H/tlsrpt" text/plain "$T/req/json-1.json"
check_eq "wrong type: status" 415 "$code"
check_grep "wrong type: reply names it" 'media type "text/plain"' "$T/body"
check_grep "wrong type: log line" '"outcome":"rejected","way_in":"http","source":"127.0.0.1","size":' "$tlog"
check_grep "wrong type: log reason" '"reason_class":"media-type"' "$tlog"

head -c 100000 /dev/urandom > "$T/req/big"
post "$H/tlsrpt" application/tlsrpt+gzip "$T/req/big"
check_eq "oversize: status" 413 "$code"
post "$H/tlsrpt" application/tlsrpt+gzip "$T/req/big" -H "Transfer-Encoding: chunked"
check_eq "oversize, chunked: status" 413 "$code"
# just at the limit: taken, and then found not to be a report
head -c 65536 /dev/zero > "$T/req/limit"
post "$H/tlsrpt" application/tlsrpt+json "$T/req/limit"
check_eq "body at the limit: status" 400 "$code"

n=$(count quarantine)
printf '{"organization-name":"Bad","report-id":"bad-1"}' > "$T/req/invalid"
post "$H/tlsrpt" application/tlsrpt+json "$T/req/invalid"
check_eq "invalid report: status" 400 "$code"
check_grep "invalid report: reply names the reason" "not a valid TLS report (schema): " "$T/body"
check_eq "invalid report: quarantined" $((n + 1)) "$(count quarantine)"
check_eq "invalid report: quarantine reason" "schema	http" "$(col \
    "SELECT reason_class, way_in FROM quarantine ORDER BY id DESC LIMIT 1")"
check_grep "invalid report: log line" '"outcome":"quarantined","way_in":"http"' "$tlog"

# a sender retrying one invalid gzip body: the gzip header's time differs,
# the content does not: one quarantine row, seen twice
n=$(count quarantine)
for t in 1700000000 1700000099; do
	python3 -c 'import gzip, sys; sys.stdout.buffer.write(gzip.compress(
	    b"{\"organization-name\":\"Bad\",\"report-id\":\"bad-gz\"}",
	    mtime=int(sys.argv[1])))' "$t" > "$T/req/invalid-$t.gz"
	post "$H/tlsrpt" application/tlsrpt+gzip "$T/req/invalid-$t.gz"
	check_eq "invalid gzip retry $t: status" 400 "$code"
done
check_eq "invalid gzip retries: one row" $((n + 1)) "$(count quarantine)"
check_eq "invalid gzip retries: seen twice" 2 "$(col \
    "SELECT times_seen FROM quarantine WHERE report_id = 'bad-gz'")"
# --- framing (RFC 9112): two Content-Lengths are refused with 400 and the
# connection closed, whatever follows; chunk extensions are ignored -------
cat > "$T/raw.py" <<'EOF'
# raw.py PORT FILE - send FILE's bytes on one connection, print all replies
import socket, sys
s = socket.create_connection(("127.0.0.1", int(sys.argv[1])))
s.sendall(open(sys.argv[2], "rb").read())
s.settimeout(10)
out = b""
try:
    while True:
        b = s.recv(65536)
        if not b:
            out += b"[closed]"
            break
        out += b
except socket.timeout:
    out += b"[open]"
sys.stdout.write(out.decode("latin-1"))
EOF
body='{"organization-name":"Bad","report-id":"framing"}'
for order in "3 49" "49 3"; do
	set -- $order
	printf 'POST /tlsrpt HTTP/1.1\r\nHost: x\r\nContent-Type: application/tlsrpt+json\r\nContent-Length: %s\r\nContent-Length: %s\r\n\r\n%sGET /healthz HTTP/1.1\r\nHost: x\r\n\r\n' \
	    "$1" "$2" "$body" > "$T/req/two-cl"
	n=$(count quarantine)
	python3 "$T/raw.py" "$hp" "$T/req/two-cl" > "$T/two-cl.out"
	check_eq "two Content-Lengths ($order): 400, then closed" "HTTP/1.1 400 [closed]" \
	    "$(head -n 1 "$T/two-cl.out" | cut -c1-12) $(grep -o '\[closed\]' "$T/two-cl.out")"
	check_eq "two Content-Lengths ($order): one reply only" 1 \
	    "$(grep -c '^HTTP/1.1' "$T/two-cl.out")"
	check_eq "two Content-Lengths ($order): nothing analysed" "$n" "$(count quarantine)"
done
printf 'POST /tlsrpt HTTP/1.1\r\nHost: x\r\nContent-Type: application/tlsrpt+json\r\nTransfer-Encoding: chunked\r\nConnection: close\r\n\r\n' > "$T/req/ext"
python3 - "$(mk chunkext-1)" >> "$T/req/ext" <<'EOF'
import sys
d = open(sys.argv[1], "rb").read()
h = len(d) // 2
sys.stdout.buffer.write(b"%x;name=value\r\n%s\r\n%x ; a=\"b;c\"\r\n%s\r\n0;end\r\n\r\n"
    % (h, d[:h], len(d) - h, d[h:]))
EOF
python3 "$T/raw.py" "$hp" "$T/req/ext" > "$T/ext.out"
check_eq "chunk extensions: stored" "HTTP/1.1 200" "$(head -n 1 "$T/ext.out" | cut -c1-12)"
check_eq "chunk extensions: the report" 1 "$(count reports "report_id = 'chunkext-1'")"

: > "$T/req/empty"
post "$H/tlsrpt" application/tlsrpt+json "$T/req/empty"
check_eq "empty body: status" 400 "$code"

code=$(curl -s -o "$T/body" -D "$T/headers" -w '%{http_code}' "$H/tlsrpt")
check_eq "GET on the report path: status" 405 "$code"
check_grep "GET on the report path: Allow" "Allow: POST" "$T/headers"
code=$(curl -s -o /dev/null -w '%{http_code}' -X PUT --data x "$H/tlsrpt")
check_eq "PUT: status" 405 "$code"
code=$(curl -s -o /dev/null -w '%{http_code}' -X TRACE "$H/tlsrpt")
check_eq "TRACE: status" 501 "$code"
post "$H/other" application/tlsrpt+json "$T/req/json-1.json"
check_eq "other path: status" 404 "$code"
code=$(curl -s -o "$T/body" -w '%{http_code}' "$H/healthz")
check_eq "health check: status" 200 "$code"
check_eq "health check: body" ok "$(cat "$T/body")"

# --- TLS ----------------------------------------------------------------------
post "$S/tlsrpt" application/tlsrpt+gzip "$(mk tls-1 gz)" --cacert "$T/cert.pem"
check_eq "https: status" 200 "$code"
check_eq "https: stored with way in https" "https" \
    "$(col "SELECT way_in FROM reports WHERE report_id = 'tls-1'")"
code=$(curl -s -o /dev/null -w '%{http_code}' --max-time 20 \
    "http://127.0.0.1:$sp/healthz") || true
check_eq "plain HTTP on the TLS port: no answer" 000 "$code"
code=$(curl -s -o /dev/null -w '%{http_code}' --max-time 20 \
    "https://localhost:$sp/healthz") || true
check_eq "https with an unknown certificate: refused by the client" 000 "$code"

# --- the client's address: the proxy header only from a trusted peer --------
post "$H/tlsrpt" application/tlsrpt+json "$(mk proxy-1)" \
    --interface 127.0.0.2 -H "X-Forwarded-For: 198.51.100.1, 203.0.113.50"
check_eq "trusted proxy: status" 200 "$code"
check_eq "trusted proxy: source is the header's last address" 203.0.113.50 \
    "$(col "SELECT source FROM reports WHERE report_id = 'proxy-1'")"
post "$H/tlsrpt" application/tlsrpt+json "$(mk proxy-2)" \
    -H "X-Forwarded-For: 203.0.113.51"
check_eq "untrusted peer: source is the peer" 127.0.0.1 \
    "$(col "SELECT source FROM reports WHERE report_id = 'proxy-2'")"
post "http://localhost/tlsrpt" application/tlsrpt+json "$(mk unix-1)" \
    --unix-socket "$T/http.sock" -H "X-Forwarded-For: 203.0.113.52"
check_eq "unix socket: status" 200 "$code"
check_eq "unix socket: a local proxy's header is believed" 203.0.113.52 \
    "$(col "SELECT source FROM reports WHERE report_id = 'unix-1'")"
check_eq "unix socket: mode 0660" 660 "$(stat -c %a "$T/http.sock")"

# --- many concurrent clients --------------------------------------------------
: > "$T/parallel.cfg"
python3 "$T/mk.py" "$C/parsedmarc__rfc8460.json" \
    $(for i in $(seq 1 120); do echo "$T/req/par-$i.json.gz"; done)
for i in $(seq 1 120); do
	f="$T/req/par-$i.json.gz"
	printf 'next\nurl = "%s/tlsrpt"\ndata-binary = "@%s"\noutput = "%s"\n' \
	    "$H" "$f" "$T/out/par-$i" >> "$T/parallel.cfg"
	printf 'header = "Content-Type: application/tlsrpt+gzip"\n' \
	    >> "$T/parallel.cfg"
	printf 'write-out = "%%{http_code}\\n"\nmax-time = 120\n' \
	    >> "$T/parallel.cfg"
done
curl -s --parallel --parallel-max 40 -K "$T/parallel.cfg" \
    > "$T/parallel.codes" 2> /dev/null &
cpid=$!
post "$H/tlsrpt" application/tlsrpt+json "$(mk beside-parallel)"
check_eq "a client beside 120 concurrent ones: status" 200 "$code"
wait "$cpid" || true
check_eq "120 concurrent clients: all 200" "120" \
    "$(grep -c '^200$' "$T/parallel.codes" || true)"
check_eq "120 concurrent clients: all stored" 120 \
    "$(count reports "report_id LIKE 'par-%'")"

# --- slow clients: dribbling or idle, cut at http_timeout ---------------------
cat > "$T/slow.py" <<'EOF'
# slow.py MODE HOST PORT N OUT - MODE dribble: N clients send a POST one
# byte every 0.2 s (it would take a minute); MODE hold: N clients connect
# and send nothing. Each writes to OUT whether the server cut it
# ("cut"), answered it ("answered") or left it hanging ("hanging", after
# 60 s). "ready" is printed once every client is connected.
import socket, sys, threading, time
mode, host, port, n, out = sys.argv[1], sys.argv[2], int(sys.argv[3]), int(sys.argv[4]), sys.argv[5]
req = (b"POST /tlsrpt HTTP/1.1\r\nHost: x\r\nContent-Type: application/tlsrpt+json\r\n"
       b"Content-Length: 200\r\n\r\n" + b" " * 200)
results, lock = [], threading.Lock()
socks = [socket.create_connection((host, port)) for _ in range(n)]
print("ready", flush=True)
def client(s):
    s.settimeout(60)
    r = "hanging"
    try:
        if mode == "dribble":
            for i in range(len(req)):
                s.send(req[i:i + 1])
                time.sleep(0.2)
            r = "answered" if s.recv(100) else "cut"
        else:
            r = "answered" if s.recv(100) else "cut"
    except (ConnectionResetError, BrokenPipeError):
        r = "cut"
    except socket.timeout:
        r = "hanging"
    with lock:
        results.append(r)
ts = [threading.Thread(target=client, args=(s,)) for s in socks]
for t in ts: t.start()
for t in ts: t.join()
open(out, "w").write("\n".join(sorted(results)) + "\n")
EOF
python3 "$T/slow.py" dribble 127.0.0.1 "$hp" 10 "$T/dribble.out" > "$T/dribble.ready" &
dpid=$!
i=0
while ! grep -q ready "$T/dribble.ready" && [ $i -lt 100 ]; do sleep 0.1; i=$((i + 1)); done
post "$H/tlsrpt" application/tlsrpt+json "$(mk beside-dribblers)"
check_eq "a client beside 10 dribbling ones: status" 200 "$code"
wait "$dpid" || true
check_eq "dribbling clients: all cut at http_timeout" "$(printf 'cut\n%.0s' $(seq 1 10))" \
    "$(cat "$T/dribble.out")"

python3 "$T/slow.py" hold 127.0.0.1 "$hp" 40 "$T/hold.out" > "$T/hold.ready" &
hpid=$!
i=0
while ! grep -q ready "$T/hold.ready" && [ $i -lt 100 ]; do sleep 0.1; i=$((i + 1)); done
# all 40 connections are taken: this one waits until the idle ones are cut
post "$H/tlsrpt" application/tlsrpt+json "$(mk beside-idle)"
check_eq "a client beyond http_max_connections: served in the end" 200 "$code"
wait "$hpid" || true
check_eq "idle clients: all cut at http_timeout" "$(printf 'cut\n%.0s' $(seq 1 40))" \
    "$(cat "$T/hold.out")"
check_grep "connection limit: logged" "http_max_connections (40) reached" "$tlog"

# --- storage failure: 503 with Retry-After, nothing kept, then stored ---------

f=$(mk storage-1 gz)
n=$(count reports)
if [ "$failure_mode" = full ]; then
	# an empty WAL first: a commit into a WAL that was already as long
	# overwrites it in place and needs no new space
	sqlite3 "$db" 'PRAGMA wal_checkpoint(TRUNCATE)' > /dev/null
	dd if=/dev/zero of="$T/db/filler" bs=64k > /dev/null 2>&1 || true
else
	lock_db
fi
post "$H/tlsrpt" application/tlsrpt+gzip "$f"
check_eq "storage failure: status" 503 "$code"
check_grep "storage failure: Retry-After" "Retry-After: " "$T/headers"
check_grep "storage failure: reply" "cannot store the report now: " "$T/body"
check_grep "storage failure: tempfail log line" '"outcome":"tempfail","way_in":"http"' "$tlog"
if [ "$failure_mode" = full ]; then rm -f "$T/db/filler"; else unlock_db; fi
check_eq "storage failure: nothing kept" "$n" "$(count reports)"
post "$H/tlsrpt" application/tlsrpt+gzip "$f"
check_eq "storage fixed: status" 200 "$code"
check_eq "storage fixed: stored once" 1 "$(count reports "report_id = 'storage-1'")"

# --- SIGTERM while a report awaits its commit ---------------------------------
# The store thread waits on the database lock (SQLite's busy handler
# sleeps), the stop signal comes meanwhile and the loop takes it at once,
# then the lock is released: the report must be committed and answered
# before the daemon exits 0 (the stop waits for the batch out, then the
# hold keeps the loop running until the reply is written).
f=$(mk inflight-1 gz)
lock_db
curl -s --max-time 60 -o "$T/inflight.body" -w '%{http_code}' \
    -H "Content-Type: application/tlsrpt+gzip" --data-binary @"$f" \
    "$H/tlsrpt" > "$T/inflight.code" &
cpid=$!
# sleeping - some thread of the daemon sleeps in SQLite's busy handler
sleeping() { cat /proc/"$tpid"/task/*/wchan 2> /dev/null | grep -q nanosleep; }
# (asked once: the thread wakes between its sleeps)
waited=no
i=0
while [ $i -lt 200 ]; do
	if sleeping; then waited=yes; break; fi
	sleep 0.05
	i=$((i + 1))
done
if [ $waited = yes ]; then ok; else
	fail "in flight: the daemon never waited for the database lock"; fi
kill -TERM "$tpid"
unlock_db
wait "$cpid" || true
check_eq "in flight: answered" 200 "$(cat "$T/inflight.code")"
rc=0
wait "$tpid" || rc=$?
tpid=""
check_eq "in flight: exit status after SIGTERM" 0 "$rc"
check_eq "in flight: stored" 1 "$(count reports "report_id = 'inflight-1'")"
check_grep "stopped line" '"event":"stopped"' "$tlog"
check_eq "unix socket removed at exit" no \
    "$([ -S "$T/http.sock" ] && echo yes || echo no)"

finish
