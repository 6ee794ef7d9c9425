#!/bin/sh
# metrics.sh - tlsrptd run with metrics_listen and failure-rate alerts, fed
# through its milter by miltertest(8) (no MTA): the /metrics text parsed and
# its exact counts checked after known reports; /healthz, 404 and 405; a
# failure_rate_alert raised exactly once when a report takes a domain's day
# over the threshold with enough sessions, its command run once with the
# alert on stdin, and not raised again after a restart; the Grafana
# dashboard is valid JSON and graphs only metrics that exist.
. "$(dirname "$0")/lib.sh"
. "$TOP/tests/milter/mail.sh"

for tool in miltertest curl python3; do
	if ! command -v "$tool" > /dev/null 2>&1; then
		if [ "$(id -u)" -ne 0 ]; then
			echo "SKIP: $(basename "$0"): $tool is not installed"
			exit 0
		fi
		echo "FAIL: $tool is not installed (run make deps)" >&2
		exit 1
	fi
done

db="$T/tlsrptd.db"
tlog="$T/tlsrptd.log"
msock="$T/metrics.sock"
mkdir "$T/mail"
tpid=""
cleanup() {
	[ -z "$tpid" ] || kill -KILL "$tpid" 2> /dev/null || true
	rm -rf "$T"
}
trap cleanup EXIT
trap 'exit 1' INT TERM HUP

# A free loopback port: the kernel picks one, we use it right away.
port=$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
url="http://127.0.0.1:$port"

# The alert command: run without a shell by tlsrptd, it keeps what it reads.
cat > "$T/alert-cmd" <<EOF
#!/bin/sh
cat >> "$T/alerts.out"
EOF
chmod 0755 "$T/alert-cmd"

# The RFC 8460 example report has 5326 successful and 303 failed sessions
# for company-y.example on 2016-04-01: 5.38 % failed. One report is under
# alert_min_sessions, the second takes the day over it.
write_conf "$T/tlsrptd.conf" "milter_socket = unix:$T/milter.sock" \
    "metrics_listen = 127.0.0.1:$port, unix:$msock" "alert_failure_rate = 5" \
    "alert_min_sessions = 6000" "alert_command = $T/alert-cmd" \
    "shutdown_timeout = 20"

for id in met-1 met-2 met-3 met-4; do
	report_mail "$id" > "$T/mail/$id.eml"
done
human_mail "met-question" > "$T/mail/human.eml"
cp "$TOP/tests/corpus/mox__example.eml" "$T/mail/mox.eml"

start() { daemon_start -c "$T/tlsrptd.conf"; }
stop() { daemon_stop; }

# send NAME QID FILE... - one miltertest connection sending each FILE (qid
# NAME-1, NAME-2, ...) to the rua address
send() {
	name=$1
	shift
	{
		echo 'dofile(lib)'
		echo 'local conn = open()'
		k=0
		for f in "$@"; do
			k=$((k + 1))
			echo "local r = send(conn, \"$name-$k\", \"<reports@sender.example>\", { \"<tlsrpt@tlsrpt.test>\" }, \"$f\")"
			echo "check(r == SMFIR_CONTINUE, \"$f: continue\")"
		done
		echo 'ok(mt.disconnect(conn), "disconnect")'
	} > "$T/$name.lua"
	if miltertest -D socket="unix:$T/milter.sock" -D dir="$T/mail" \
	    -D lib="$TOP/tests/milter/lib.lua" -s "$T/$name.lua" \
	    > "$T/$name.out" 2>&1; then ok; else
		fail "miltertest $name:"
		sed 's/^/  | /' "$T/$name.out" >&2
	fi
}

# The checker: parses the exposition text strictly (HELP and TYPE before
# the samples of a family, sample syntax, label escapes, cumulative
# histogram buckets ending in +Inf = _count) and prints every sample as
# name{labels sorted} value, one per line, for grep.
cat > "$T/parse.py" <<'EOF'
import re, sys
text = open(sys.argv[1], encoding="utf-8").read()
assert text.endswith("\n"), "no final newline"
name_re = r"[a-zA-Z_:][a-zA-Z0-9_:]*"
label_re = r'([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\\n]|\\\\|\\"|\\n)*)"'
sample_re = re.compile(r"^(%s)(\{(?:%s)(?:,%s)*\})? (\S+)$" % (name_re, label_re, label_re))
help_, type_ = {}, {}
out = []
hist = {}
for line in text.splitlines():
    if line.startswith("# HELP "):
        n, h = line[7:].split(" ", 1)
        assert n not in help_, "two HELP lines for " + n
        help_[n] = h
        continue
    if line.startswith("# TYPE "):
        n, t = line[7:].split(" ")
        assert t in ("counter", "gauge", "histogram"), line
        assert n in help_ and n not in type_, "TYPE without HELP or twice: " + n
        type_[n] = t
        continue
    assert not line.startswith("#"), "stray comment: " + line
    m = sample_re.match(line)
    assert m, "not a sample line: %r" % line
    name, labels, value = m.group(1), m.group(2) or "", m.group(m.lastindex)
    v = float(value)
    fam = name
    for suf in ("_bucket", "_sum", "_count"):
        if name.endswith(suf) and type_.get(name[: -len(suf)]) == "histogram":
            fam = name[: -len(suf)]
    assert fam in type_, "sample before its TYPE: " + line
    if type_[fam] == "counter":
        assert v >= 0, "negative counter: " + line
    pairs = re.findall(label_re, labels)
    key = sorted(pairs)
    if fam != name or type_[fam] == "histogram":
        le = [p for p in pairs if p[0] == "le"]
        rest = tuple(p for p in key if p[0] != "le")
        h = hist.setdefault((fam, rest), {"buckets": [], "count": None})
        if name.endswith("_bucket"):
            h["buckets"].append((le[0][1], v))
        elif name.endswith("_count"):
            h["count"] = v
    out.append("%s{%s} %s" % (name, ",".join('%s="%s"' % p for p in key), value))
for (fam, rest), h in hist.items():
    b = h["buckets"]
    assert b and b[-1][0] == "+Inf", "no +Inf bucket for " + fam
    assert all(b[i][1] <= b[i + 1][1] for i in range(len(b) - 1)), "buckets not cumulative: " + fam
    assert b[-1][1] == h["count"], "+Inf bucket is not _count: " + fam
with open(sys.argv[2], "w") as f:
    f.write("\n".join(out) + "\n")
with open(sys.argv[3], "w") as f:
    f.write("\n".join("%s %s" % (n, t) for n, t in type_.items()) + "\n")
EOF

scrape_n=0
# scrape - GET /metrics, parsed into $T/m (samples) and $T/fam (families)
scrape() {
	scrape_n=$((scrape_n + 1))
	if ! curl -sS -f -o "$T/metrics.$scrape_n" -D "$T/headers.$scrape_n" \
	    "$url/metrics"; then
		fail "GET /metrics failed"
		return
	fi
	if python3 "$T/parse.py" "$T/metrics.$scrape_n" "$T/m" "$T/fam" \
	    2> "$T/parse.err"; then ok; else
		fail "metrics text does not parse:"
		sed 's/^/  | /' "$T/parse.err" >&2
	fi
}

# metric 'NAME{LABELS}' - the sample's value (labels sorted), or "absent"
metric() {
	awk -v k="$1" '{ v = $NF; sub(/ [^ ]*$/, "") }
	    $0 == k { print v; found = 1 } END { if (!found) print "absent" }' "$T/m"
}


start
check_grep "started line names the metrics listener" \
    "\"metrics_listen\":[\"127.0.0.1:$port\",\"unix:$msock\"]" "$tlog"

# --- the admin listener's answers -------------------------------------------
check_eq "GET /healthz" "200 ok" \
    "$(curl -s -o "$T/body" -w '%{http_code}' "$url/healthz") $(cat "$T/body")"
check_eq "GET /other: 404" 404 "$(curl -s -o /dev/null -w '%{http_code}' "$url/other")"
check_eq "POST /metrics: 405" 405 \
    "$(curl -s -o /dev/null -w '%{http_code}' -d x "$url/metrics")"
curl -s -D "$T/h405" -o /dev/null -X DELETE "$url/metrics"
check_grep "405 names the methods" "Allow: GET, HEAD" "$T/h405"
check_eq "HEAD /metrics" 200 "$(curl -s -I -o /dev/null -w '%{http_code}' "$url/metrics")"
check_eq "GET /metrics on the unix socket" 200 \
    "$(curl -s -o /dev/null -w '%{http_code}' --unix-socket "$msock" http://x/metrics)"

scrape
check_grep "content type" "Content-Type: text/plain; version=0.0.4; charset=utf-8" "$T/headers.1"
check_eq "fresh: nothing received" absent "$(metric 'tlsrptd_messages_received_total{way_in="milter"}')"
check_eq "fresh: reports stored" 0 "$(metric 'tlsrptd_reports_total{status="stored"}')"
check_eq "fresh: queue limit" 1000 "$(metric 'tlsrptd_queue_limit{}')"
check_eq "fresh: queue depth" 0 "$(metric 'tlsrptd_queue_depth{}')"
check_eq "fresh: build info" 1 "$(metric 'tlsrptd_build_info{version="0.1.0"}')"

# --- known messages in, exact counts out -------------------------------------
# met-1 stored (under alert_min_sessions), met-1 again (duplicate), a
# question (quarantined), the mox report (another domain, no failures),
# then met-2: company-y.example's day now has 11258 sessions, 5.38 % failed.
send first met-1.eml met-1.eml human.eml mox.eml
check_eq "no alert under alert_min_sessions" 0 \
    "$(grep -c '"event":"failure_rate_alert"' "$tlog" || true)"
send second met-2.eml
wait_for '"event":"alert_command"' "$tlog"

scrape
check_eq "received via the milter" 5 "$(metric 'tlsrptd_messages_received_total{way_in="milter"}')"
check_eq "messages stored" 3 "$(metric 'tlsrptd_messages_total{outcome="stored",way_in="milter"}')"
check_eq "messages duplicate" 1 "$(metric 'tlsrptd_messages_total{outcome="duplicate",way_in="milter"}')"
check_eq "messages quarantined" 1 "$(metric 'tlsrptd_messages_total{outcome="quarantined",way_in="milter"}')"
check_eq "no tempfail" absent "$(metric 'tlsrptd_messages_total{outcome="tempfail",way_in="milter"}')"
check_eq "reports stored" 3 "$(metric 'tlsrptd_reports_total{status="stored"}')"
check_eq "reports duplicate" 1 "$(metric 'tlsrptd_reports_total{status="duplicate"}')"
check_eq "quarantined by class" 1 "$(metric 'tlsrptd_quarantined_total{reason_class="no-report-part"}')"
check_eq "successful sessions" 10652 \
    "$(metric 'tlsrptd_sessions_total{policy_domain="company-y.example",result="successful"}')"
check_eq "failed sessions" 606 \
    "$(metric 'tlsrptd_sessions_total{policy_domain="company-y.example",result="failed"}')"
check_eq "failed: certificate-expired" 200 \
    "$(metric 'tlsrptd_failed_sessions_by_result_type_total{policy_domain="company-y.example",result_type="certificate-expired"}')"
check_eq "failed: starttls-not-supported" 400 \
    "$(metric 'tlsrptd_failed_sessions_by_result_type_total{policy_domain="company-y.example",result_type="starttls-not-supported"}')"
check_eq "failed: validation-failure" 6 \
    "$(metric 'tlsrptd_failed_sessions_by_result_type_total{policy_domain="company-y.example",result_type="validation-failure"}')"
check_eq "mox domain: successful" 3 \
    "$(metric 'tlsrptd_sessions_total{policy_domain="test.xmox.nl",result="successful"}')"
check_eq "mox domain: no failed details" absent \
    "$(grep -F 'policy_domain="test.xmox.nl",result_type' "$T/m" || echo absent)"
check_eq "pipeline histogram count" 5 "$(metric 'tlsrptd_pipeline_duration_seconds_count{}')"
check_eq "commit batch sizes add up" 5 "$(metric 'tlsrptd_commit_messages_sum{}')"
check_eq "commits committed = histogram count" \
    "$(metric 'tlsrptd_commits_total{result="committed"}')" \
    "$(metric 'tlsrptd_commit_duration_seconds_count{}')"
check_eq "no failed commit" 0 "$(metric 'tlsrptd_commits_total{result="failed"}')"
check_eq "nothing refused" 0 "$(metric 'tlsrptd_messages_refused_total{}')"
check_eq "alerts raised" 1 "$(metric 'tlsrptd_failure_rate_alerts_total{}')"
check_eq "alert command ok" 1 "$(metric 'tlsrptd_alert_commands_total{result="ok"}')"

# --- the alert: once in the log, once through the command --------------------
check_eq "one failure_rate_alert" 1 "$(grep -c '"event":"failure_rate_alert"' "$tlog")"
check_grep "alert fields" '"event":"failure_rate_alert","policy_domain":"company-y.example","day":"2016-04-01","failure_rate_percent":5.38,"threshold_percent":5.00,"sessions":11258,"successful_sessions":10652,"failed_sessions":606,"min_sessions":6000,"reports":2,"organizations":1,"top_result_types":[{"result_type":"starttls-not-supported","failed_sessions":400},{"result_type":"certificate-expired","failed_sessions":200},{"result_type":"validation-failure","failed_sessions":6}]' "$tlog"
check_grep "alert command exit logged" '"event":"alert_command","command":"'"$T/alert-cmd"'","policy_domain":"company-y.example","day":"2016-04-01","pid":' "$tlog"
check_grep "alert command ok" '"result":"ok","exit_status":0' "$tlog"
check_eq "the command read one alert" 1 "$(wc -l < "$T/alerts.out")"
if python3 -c 'import json, sys
a = json.loads(open(sys.argv[1]).read())
assert a["event"] == "failure_rate_alert", a
assert a["policy_domain"] == "company-y.example" and a["day"] == "2016-04-01", a
assert a["failed_sessions"] == 606 and a["sessions"] == 11258, a
assert a["top_result_types"][0] == {"result_type": "starttls-not-supported", "failed_sessions": 400}, a
' "$T/alerts.out" 2> "$T/alert.err"; then ok; else
	fail "alert command input:"; cat "$T/alert.err" "$T/alerts.out" >&2
fi
check_eq "alerts table" "company-y.example	2016-04-01	10652	606	5.0" \
    "$(sql "$db" "SELECT policy_domain, day, successful_sessions,
	failed_sessions, threshold FROM alerts")"

# another report for the same day: still over, no second alert
send third met-3.eml
scrape
check_eq "same day again: no second alert" 1 "$(grep -c '"event":"failure_rate_alert"' "$tlog")"
check_eq "same day again: alerts counter" 1 "$(metric 'tlsrptd_failure_rate_alerts_total{}')"

# --- the Grafana dashboard graphs what /metrics exports -----------------------
dash="$TOP/contrib/grafana/tlsrptd.json"
if python3 -m json.tool "$dash" > /dev/null 2> "$T/json.err"; then ok; else
	fail "contrib/grafana/tlsrptd.json is not valid JSON:"; cat "$T/json.err" >&2
fi
if python3 - "$dash" "$T/fam" > "$T/dash.out" 2>&1 <<'EOF'
import json, re, sys
dash = json.load(open(sys.argv[1]))
fams = dict(l.split() for l in open(sys.argv[2]) if l.strip())
names = set(fams)
for n, t in fams.items():
    if t == "histogram":
        names |= {n + "_bucket", n + "_sum", n + "_count"}
exprs = []
def walk(o):
    if isinstance(o, dict):
        if isinstance(o.get("expr"), str):
            exprs.append(o["expr"])
        for v in o.values():
            walk(v)
    elif isinstance(o, list):
        for v in o:
            walk(v)
walk(dash)
assert len(exprs) >= 8, "only %d queries" % len(exprs)
bad = []
for e in exprs:
    used = re.findall(r"\btlsrptd_[a-z_]+", e)
    if not used:
        bad.append("no tlsrptd metric in: " + e)
    bad += ["%s (in %s)" % (u, e) for u in used if u not in names]
if bad:
    print("\n".join(bad))
    sys.exit(1)
used = set(u for e in exprs for u in re.findall(r"\btlsrptd_[a-z_]+", e))
for want in ("tlsrptd_messages_received_total", "tlsrptd_reports_total",
             "tlsrptd_quarantined_total", "tlsrptd_sessions_total",
             "tlsrptd_failed_sessions_by_result_type_total",
             "tlsrptd_pipeline_duration_seconds_bucket",
             "tlsrptd_commit_duration_seconds_bucket", "tlsrptd_queue_depth"):
    assert want in used, "the dashboard does not graph " + want
EOF
then ok; else
	fail "Grafana dashboard:"; cat "$T/dash.out" >&2
fi

# --- a restart: counters start again at 0, the alert is not raised again -----
stop
start
scrape
check_eq "restart: counters at 0" 0 "$(metric 'tlsrptd_reports_total{status="stored"}')"
send fourth met-4.eml
scrape
check_eq "restart: one message received" 1 "$(metric 'tlsrptd_messages_received_total{way_in="milter"}')"
check_eq "restart: stored" 1 "$(metric 'tlsrptd_reports_total{status="stored"}')"
check_eq "restart: no alert raised" 0 "$(metric 'tlsrptd_failure_rate_alerts_total{}')"
check_eq "restart: still one failure_rate_alert in the log" 1 \
    "$(grep -c '"event":"failure_rate_alert"' "$tlog")"
check_eq "restart: the command ran once in all" 1 "$(wc -l < "$T/alerts.out")"
stop
check_eq "unix metrics socket removed" no "$([ -e "$msock" ] && echo yes || echo no)"

# --- start-up failure: the metrics address is taken ---------------------------
python3 -c 'import socket, time, sys
s = socket.socket(); s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
s.bind(("127.0.0.1", int(sys.argv[1]))); s.listen(1)
open(sys.argv[2], "w").close(); time.sleep(30)' "$port" "$T/held" &
holder=$!
i=0
while [ ! -e "$T/held" ] && [ $i -lt 100 ]; do sleep 0.1; i=$((i + 1)); done
rc=0
"$TLSRPTD" run -c "$T/tlsrptd.conf" > "$T/taken.out" 2>&1 || rc=$?
kill "$holder" 2> /dev/null || true
wait "$holder" 2> /dev/null || true
check_eq "metrics address taken: exit status" 74 "$rc"
check_grep "metrics address taken: says so" "metrics_listen: 127.0.0.1:$port: cannot listen" "$T/taken.out"

daemon_finish
