#!/bin/sh
# counting.sh - the counting model as a user meets it: the message log line
# gives the numbers query summary gives (Microsoft's tlsa + sts once,
# Google's no-policy-found added); with the site's domains in tlsrptd.conf,
# query -c gathers DANE sessions reported under MX names; quarantine retry
# --all stores what an older version quarantined but can now be read; and
# the daemon with quarantine_not_ours quarantines a report about other
# domains as not-ours while storing one about its own.
. "$(dirname "$0")/lib.sh"
need curl python3 sqlite3

C="$TOP/tests/corpus"
db="$T/c.db"
tlog="$T/tlsrptd.log"
tpid=""
q() { "$TLSRPTD" query --db "$db" "$@" | tr -d '\r'; }
qc() { "$TLSRPTD" query -c "$T/q.conf" "$@" | tr -d '\r'; }

cleanup() {
	[ -z "$tpid" ] || kill -KILL "$tpid" 2> /dev/null || true
	rm -rf "$T"
}
trap cleanup EXIT

# mk FILE JSON - a report file
mk() { printf '%s' "$2" > "$T/$1"; }

# Google: one no-policy-found session and two sts policies, 13 failed
mk google.json '{"organization-name":"Google Inc.","date-range":{"start-datetime":"2026-11-20T00:00:00Z","end-datetime":"2026-11-20T23:59:59Z"},"contact-info":"smtp-tls-reporting@google.com","report-id":"2026-11-20T00:00:00Z_example.com","policies":[{"policy":{"policy-type":"no-policy-found","policy-domain":"example.com"},"summary":{"total-successful-session-count":1,"total-failure-session-count":0}},{"policy":{"policy-type":"sts","policy-string":["version: STSv1","mode: enforce","mx: mx1.example.com","max_age: 86400"],"policy-domain":"example.com","mx-host":["mx1.example.com"]},"summary":{"total-successful-session-count":0,"total-failure-session-count":6},"failure-details":[{"result-type":"certificate-expired","sending-mta-ip":"209.85.220.41","receiving-mx-hostname":"mx1.example.com","failed-session-count":6}]},{"policy":{"policy-type":"sts","policy-string":["version: STSv1","mode: enforce","mx: mx2.example.com","max_age: 86400"],"policy-domain":"example.com","mx-host":["mx2.example.com"]},"summary":{"total-successful-session-count":0,"total-failure-session-count":7},"failure-details":[{"result-type":"certificate-expired","sending-mta-ip":"209.85.220.42","receiving-mx-hostname":"mx2.example.com","failed-session-count":7}]}]}'
# Microsoft: the same 4 sessions under tlsa and sts; the tlsa policy also
# lists a dane-required failure the sts one does not
mk microsoft.json '{"organization-name":"Microsoft Corporation","date-range":{"start-datetime":"2026-11-20T00:00:00Z","end-datetime":"2026-11-20T23:59:59Z"},"contact-info":"tlsrpt-noreply@microsoft.com","report-id":"1337+example.net","policies":[{"policy":{"policy-type":"tlsa","policy-string":["3 1 1 AABB"],"policy-domain":"example.net","mx-host":["mx1.example.net"]},"summary":{"total-successful-session-count":2,"total-failure-session-count":2},"failure-details":[{"result-type":"certificate-host-mismatch","sending-mta-ip":"40.92.0.1","receiving-mx-hostname":"mx1.example.net","failed-session-count":1},{"result-type":"dane-required","sending-mta-ip":"40.92.0.1","receiving-mx-hostname":"mx1.example.net","failed-session-count":1}]},{"policy":{"policy-type":"sts","policy-string":["version: STSv1","mode: testing","mx: mx1.example.net","max_age: 86400"],"policy-domain":"example.net","mx-host":["mx1.example.net"]},"summary":{"total-successful-session-count":2,"total-failure-session-count":2},"failure-details":[{"result-type":"certificate-host-mismatch","sending-mta-ip":"40.92.0.1","receiving-mx-hostname":"mx1.example.net","failed-session-count":1}]}]}'

"$TLSRPTD" ingest --db "$db" "$T/google.json" "$T/microsoft.json" > "$T/ingest.log" 2>&1
check_grep "log line: Google 14 sessions, 13 failed" \
    '"policies":3,"successful_sessions":1,"failed_sessions":13' "$T/ingest.log"
check_grep "log line: Microsoft 4 sessions, 2 failed" \
    '"policies":2,"successful_sessions":2,"failed_sessions":2' "$T/ingest.log"
check_eq "summary: the same numbers" \
    "$(printf 'domain,sessions,failed\nexample.com,14,13\nexample.net,4,2')" \
    "$(q summary --format csv | cut -d, -f1-3)"
check_eq "reports: the same numbers" \
    "$(printf 'Google Inc.,14,13\nMicrosoft Corporation,4,2')" \
    "$(q reports --format csv | tail -n +2 | cut -d, -f2,7,8 | sort)"
# every failure detail, the one both Microsoft policies list once
check_eq "failures: every detail, repeats once" \
    "$(printf 'certificate-expired,example.com,13\ncertificate-host-mismatch,example.net,1\ndane-required,example.net,1')" \
    "$(q failures --by type,domain --format csv | tail -n +2 | cut -d, -f1-3 | sort)"
mid=$(sql "$db" "SELECT id FROM reports WHERE report_id = '1337+example.net'")
q reports show "$mid" --format json > "$T/show"
check_eq "reports show: the tlsa copy marked a repeat" "repeat yes yes" \
    "$(python3 -c 'import json, sys; print(*[f["counted"] for f in json.load(open(sys.argv[1]))["failure_details"]])' "$T/show")"

# --- the site's domains: DANE under the MX name counts under the domain ----
mk postfix.json '{"organization-name":"mail.example.org","date-range":{"start-datetime":"2026-11-21T00:00:00Z","end-datetime":"2026-11-22T00:00:00Z"},"contact-info":"postmaster@example.org","report-id":"pf-1","policies":[{"policy":{"policy-type":"no-policy-found"},"summary":{"total-successful-session-count":32,"total-failure-session-count":0}},{"policy":{"policy-type":"sts","policy-domain":"example.net","mx-host":["mx1.example.net"]},"summary":{"total-successful-session-count":10,"total-failure-session-count":1},"failure-details":[{"result-type":"validation-failure","sending-mta-ip":"","receiving-ip":"","receiving-mx-host-name":"mx1.example.net","failed-session-count":1}]},{"policy":{"policy-type":"tlsa","policy-domain":"mx1.example.net","mx-host":["mx1.example.net"]},"summary":{"total-successful-session-count":85,"total-failure-session-count":0}}]}'
"$TLSRPTD" ingest --db "$db" "$T/postfix.json" > "$T/ingest2.log" 2>&1
check_eq "postfix report stored" 1 "$(count reports "report_id = 'pf-1'")"
check_eq "postfix: the MX read from receiving-mx-host-name" "mx1.example.net" \
    "$(q failures --by mx --org mail.example --format csv | sed -n 2p | cut -d, -f1)"
printf 'database = %s\ndomains = example.com, Example.NET.\n' "$db" > "$T/q.conf"
check_eq "without domains: the MX name is a domain of its own" \
    "$(printf 'domain,sessions,failed\nmx1.example.net,85,0')" \
    "$(q summary --format csv --org mail.example | cut -d, -f1-3 | grep -v '^example')"
# 4 (Microsoft) + 32 + 11 + 85 (no-policy-found takes example.net: the
# report's other policies are example.net and mx1.example.net below it)
check_eq "with domains: gathered under example.net" \
    "$(printf 'domain,sessions,failed,failure_rate,organizations,reports\nexample.net,132,3,0.022727,2,2')" \
    "$(qc --format csv --domain example.net summary | cut -d, -f1-6)"
check_eq "with domains: failures by domain gathered" \
    "$(printf 'example.net,3')" \
    "$(qc --format csv --by domain --domain example.net failures | sed -n 2p | cut -d, -f1,2)"
check_eq "with domains: reports of the domain" "2" \
    "$(qc --format csv --domain example.net reports | tail -n +2 | wc -l | tr -d ' ')"
check_eq "no policy-domain: the domain the others are at or below" "example.net 42" \
    "$(sql "$db" "SELECT d.policy_domain, d.successful_sessions FROM report_domains d JOIN reports r ON r.id = d.report_ref WHERE r.report_id = 'pf-1' AND d.policy_domain = 'example.net'" | tr '\t' ' ')"

# --- quarantine retry --all: what an older version refused ----------------
# as an older tlsrptd quarantined them: Postfix without policy-domain over
# HTTPS, an empty sending-mta-ip
sqlite3 "$db" "INSERT INTO quarantine (received_at, way_in, source, reason_class, reason, raw, raw_sha256)
  VALUES ('2026-11-22T10:00:00Z', 'https', '192.0.2.1', 'schema', 'policies[0].policy: missing required field \"policy-domain\"', readfile('$TOP/fuzz/corpus/report/synthetic__postfix_no_domain.json'), 'old-1'),
         ('2026-11-22T10:00:01Z', 'file', 'old.json', 'schema', 'sending-mta-ip: not an IPv4 or IPv6 address: \"\"', replace(readfile('$T/microsoft.json'), '1337+example.net', '1338+example.net'), 'old-2');"
rc=0; q quarantine retry --all > "$T/retry" 2>&1 || rc=$?
check_eq "retry --all: status" 0 "$rc"
check_eq "retry --all: both stored" 2 "$(grep -c ' stored' "$T/retry")"
check_eq "retry --all: quarantine empty" 0 "$(count quarantine)"
check_eq "retry --all: counted by the model" "117	1" \
    "$(sql "$db" "SELECT sum(d.successful_sessions), sum(d.failed_sessions) FROM report_domains d JOIN reports r ON r.id = d.report_ref WHERE r.report_id = 'p1'")"

# --- quarantine_not_ours, over HTTP ----------------------------------------
port=$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
write_conf "$T/d.conf" "database = $T/d.db" "rua = tlsrpt@example.com" \
    "http_listen = 127.0.0.1:$port" \
    "domains = example.com, mx.hoster.example=example.com" \
    "quarantine_not_ours = yes"
daemon_start -c "$T/d.conf"
post() {
	curl -s -o "$T/body" -w '%{http_code}' -H 'Content-Type: application/tlsrpt+json' \
	    --data-binary @"$1" "http://127.0.0.1:$port/tlsrpt" || true
}
check_eq "ours: 200" 200 "$(post "$T/google.json")"
check_eq "not ours: 400" 400 "$(post "$T/microsoft.json")"
check_grep "not ours: says why" "not-ours" "$T/body"
sed -e 's/"policy-domain":"example.net"/"policy-domain":"mx.hoster.example"/g' \
    -e 's/1337+example.net/1337+hosted/' "$T/microsoft.json" > "$T/hosted.json"
check_eq "an MX host of ours elsewhere (host=domain): 200" 200 "$(post "$T/hosted.json")"
daemon_stop
db="$T/d.db"
check_eq "ours: stored" 2 "$(count reports)"
check_eq "not ours: quarantined as not-ours" "not-ours	Microsoft Corporation	1337+example.net" \
    "$(sql "$db" "SELECT reason_class, organization_name, report_id FROM quarantine")"
daemon_finish
