# tests/dkim/lib.sh - a DNS setup for the DKIM tests (sourced after
# tests/cli/lib.sh): throwaway keys, dnsmasq serving their _domainkey TXT
# records on a free loopback port, unbound answering SERVFAIL for one zone
# and a UDP socket nobody reads for another; and report mails signed by
# python3-dkim. Sets dns_port; dkim_dns_stop stops what it started.
PY=/usr/bin/python3
DK="$T/dkim"
dns_pids=""

# udp_port - a loopback port free for UDP and TCP now
udp_port() {
	$PY -c 'import socket
while True:
    u = socket.socket(socket.AF_INET, socket.SOCK_DGRAM); u.bind(("127.0.0.1", 0))
    p = u.getsockname()[1]
    t = socket.socket()
    try:
        t.bind(("127.0.0.1", p)); break
    except OSError:
        pass
print(p)'
}

# txt_parts RECORD - RECORD as dnsmasq strings of at most 250 bytes
txt_parts() {
	$PY -c 'import sys; r = sys.argv[1]
print(",".join(r[i:i + 250] for i in range(0, len(r), 250)))' "$1"
}

# dkim_dns_start - keys, the servers, and $dns_port
dkim_dns_start() {
	mkdir -p "$DK"
	$PY "$TOP/tests/dkim/keys.py" "$DK"
	_rsa=$(cat "$DK/rsa.p")
	_ed=$(cat "$DK/ed.p")
	# SERVFAIL: unbound may not query its only stub address (localhost)
	ub_port=$(udp_port)
	cat > "$DK/unbound.conf" <<EOC
server:
  interface: 127.0.0.1
  port: $ub_port
  do-daemonize: no
  username: ""
  chroot: ""
  directory: "$DK"
  pidfile: ""
  use-syslog: no
  logfile: "$DK/unbound.log"
  do-ip6: no
  access-control: 127.0.0.0/8 allow
  module-config: "iterator"
  do-not-query-localhost: yes
stub-zone:
  name: "servfail.example.net"
  stub-addr: 127.0.0.1@9
EOC
	unbound -d -c "$DK/unbound.conf" > "$DK/unbound.out" 2>&1 &
	dns_pids="$dns_pids $!"
	# the timeout: a bound UDP socket that nobody reads
	$PY -c 'import socket, sys, time
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM); s.bind(("127.0.0.1", 0))
print(s.getsockname()[1], flush=True)
time.sleep(3600)' > "$DK/deaf.port" &
	dns_pids="$dns_pids $!"
	_i=0
	while [ ! -s "$DK/deaf.port" ] && [ $_i -lt 100 ]; do sleep 0.1; _i=$((_i + 1)); done
	deaf_port=$(cat "$DK/deaf.port")
	dns_port=$(udp_port)
	dnsmasq -k -p "$dns_port" --listen-address=127.0.0.1 --bind-interfaces \
	    --no-resolv --no-hosts --pid-file="$DK/dnsmasq.pid" --local-ttl=300 \
	    --log-facility="$DK/dnsmasq.log" --log-queries \
	    --local=/reporter.example/ --local=/other.example/ \
	    --server=/servfail.example.net/127.0.0.1#"$ub_port" \
	    --server=/timeout.example.net/127.0.0.1#"$deaf_port" \
	    --txt-record="sel._domainkey.reporter.example,$(txt_parts "v=DKIM1; k=rsa; s=tlsrpt; p=$_rsa")" \
	    --txt-record="ms._domainkey.reporter.example,$(txt_parts "v=DKIM1; k=rsa; p=$_rsa")" \
	    --txt-record="ed._domainkey.reporter.example,v=DKIM1; k=ed25519; s=email:tlsrpt; p=$_ed" \
	    --txt-record="revoked._domainkey.reporter.example,v=DKIM1; k=rsa; p=" \
	    --txt-record="sel._domainkey.other.example,$(txt_parts "v=DKIM1; k=rsa; p=$_rsa")" \
	    > "$DK/dnsmasq.out" 2>&1 &
	dns_pids="$dns_pids $!"
	# up when it answers: a key through the test's own resolver
	_i=0
	while ! $PY -c 'import socket, sys
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM); s.settimeout(0.2)
q = b"\x12\x34\x01\x00\x00\x01\x00\x00\x00\x00\x00\x00\x03sel\x0a_domainkey\x08reporter\x07example\x00\x00\x10\x00\x01"
s.sendto(q, ("127.0.0.1", int(sys.argv[1]))); d = s.recv(4096)
sys.exit(0 if d[3] & 15 == 0 else 1)' "$dns_port" 2> /dev/null; do
		_i=$((_i + 1))
		if [ $_i -gt 100 ]; then
			echo "FAIL: dnsmasq did not come up:" >&2
			cat "$DK/dnsmasq.out" >&2
			exit 1
		fi
		sleep 0.1
	done
}

# dkim_dns_stop - stop the servers this file started
dkim_dns_stop() {
	for _p in $dns_pids; do kill "$_p" 2> /dev/null || true; done
	for _p in $dns_pids; do wait "$_p" 2> /dev/null || true; done
	dns_pids=""
}

# mkmail NAME REPORT_ID FROM_DOMAIN [mkmail.py OPTIONS] - $DK/NAME.eml
mkmail() {
	_n=$1 _r=$2 _f=$3
	shift 3
	$PY "$TOP/tests/dkim/mkmail.py" "$TOP/tests/corpus/parsedmarc__rfc8460.json" \
	    "$DK/$_n.eml" "$_r" "$_f" "$@"
}

# make_cases - one mail per outcome the tests check, named after it
make_cases() {
	_k="$DK/rsa.pem"
	mkmail google r-google reporter.example --sign reporter.example:sel:$_k
	mkmail microsoft r-microsoft reporter.example --style microsoft \
	    --sign reporter.example:ms:$_k
	mkmail ed25519 r-ed25519 reporter.example --sign reporter.example:ed:$DK/ed.key
	mkmail subdomain r-subdomain reports.reporter.example \
	    --sign reporter.example:sel:$_k
	mkmail body r-body reporter.example --sign reporter.example:sel:$_k --tamper body
	mkmail header r-header reporter.example --sign reporter.example:sel:$_k --tamper header
	mkmail length r-length reporter.example --sign reporter.example:sel:$_k --length
	mkmail unaligned r-unaligned reporter.example --sign other.example:sel:$_k
	mkmail nokey r-nokey reporter.example --sign reporter.example:nokey:$_k
	mkmail revoked r-revoked reporter.example --sign reporter.example:revoked:$_k
	mkmail unsigned r-unsigned reporter.example
	mkmail timeout r-timeout timeout.example.net --sign timeout.example.net:sel:$_k
	mkmail servfail r-servfail servfail.example.net --sign servfail.example.net:sel:$_k
}

# The outcome of each case under dkim = require: "pass" or the cause.
DKIM_CASES="google:pass microsoft:pass ed25519:pass subdomain:pass
body:body-hash-mismatch header:signature-failed length:l-tag-used
unaligned:domain-not-aligned nokey:key-not-found revoked:key-revoked
unsigned:no-signature timeout:tempfail servfail:tempfail"
