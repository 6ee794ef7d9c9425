#!/bin/sh
# newcomer.sh DIR - what a newcomer does with a fresh clone in DIR on a fresh
# Debian 12 machine, step by step as the README says; run by
# tools/clean-root.sh inside a minimal root (as root). Each step prints its
# time; any failure stops with a non-zero status.
#   1. the prerequisite the README names: apt-get install make
#   2. make run: the daemon on the development configuration; one report by
#      SMTP (swaks) and one by HTTP (curl), both seen in tlsrptd query; SIGTERM
#      ends it with status 0
#   3. make check
#   4. make install into a staging directory: check-config on the installed
#      configuration, systemd-analyze verify on the installed unit
set -eu
cd "$1"
export DEBIAN_FRONTEND=noninteractive

# step NAME - announce a step and remember when it began
step() { echo "== newcomer: $1"; t0=$(date +%s); }
# took - how long the step took
took() { echo "== newcomer: done in $(($(date +%s) - t0)) s"; }
die() { echo "newcomer: FAIL: $*" >&2; exit 1; }

step "apt-get install make (the README's prerequisite)"
apt-get update -qq
apt-get install -y -qq --no-install-recommends make > /dev/null
took

step "make run, one report by SMTP and one by HTTP"
log=/tmp/make-run.log
setsid make run > "$log" 2>&1 &
mpid=$!
i=0
while ! grep -q '"event":"started"' "$log" && [ $i -lt 3000 ]; do
	kill -0 $mpid 2> /dev/null || { cat "$log" >&2; die "make run ended"; }
	sleep 0.2
	i=$((i + 1))
done
grep -q '"event":"started"' "$log" || { cat "$log" >&2; die "no start"; }
swaks --server 127.0.0.1:2525 --to tlsrpt@localhost \
    --data tests/corpus/mox__example.eml > /tmp/swaks.out 2>&1 ||
    { cat /tmp/swaks.out >&2; die "swaks"; }
grep -q '<- *250 ' /tmp/swaks.out || { cat /tmp/swaks.out >&2; die "no 250"; }
code=$(curl -s -o /tmp/curl.out -w '%{http_code}' --data-binary \
    @tests/corpus/mail-tls-rpt__report.json.gz \
    -H 'Content-Type: application/tlsrpt+gzip' http://127.0.0.1:8460/tlsrpt)
[ "$code" = 200 ] || { cat /tmp/curl.out >&2; die "HTTP POST: $code"; }
build/tlsrptd query reports --db conf/var/tlsrptd.db > /tmp/query.out
cat /tmp/query.out
n=$(build/tlsrptd query reports --db conf/var/tlsrptd.db --format csv |
    tail -n +2 | grep -c . || true)
[ "$n" -eq 2 ] || die "tlsrptd query reports lists $n reports, not 2"
pid=$(pgrep -f 'build/tlsrptd run -f -c conf/tlsrptd-dev.conf' | head -n 1)
[ -n "$pid" ] || die "no tlsrptd process"
kill -TERM "$pid"
rc=0
wait $mpid || rc=$?
[ "$rc" -eq 0 ] || { tail -n 20 "$log" >&2; die "make run ended with $rc"; }
grep -q '"event":"stopped".*"status":0' "$log" || die "no orderly stop"
took

step "make check"
make check
took

step "make install DESTDIR=/tmp/stage"
make install DESTDIR=/tmp/stage > /dev/null
for f in usr/local/sbin/tlsrptd usr/local/share/man/man8/tlsrptd.8 \
    usr/local/share/man/man5/tlsrptd.conf.5 etc/tlsrptd/tlsrptd.conf \
    usr/local/lib/systemd/system/tlsrptd.service; do
	[ -f "/tmp/stage/$f" ] || die "make install left out /$f"
done
/tmp/stage/usr/local/sbin/tlsrptd check-config \
    -c /tmp/stage/etc/tlsrptd/tlsrptd.conf
# as a package would put them: then the unit's commands exist where it
# names them
cp -a /tmp/stage/. /
systemd-analyze verify --man=no /usr/local/lib/systemd/system/tlsrptd.service
took
echo "== newcomer: all steps passed"
