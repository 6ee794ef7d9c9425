#!/bin/sh
# symlink-race.sh - started as root with "user = nobody", tlsrptd must never
# act as root on a link "nobody" swaps in: in a loop, "nobody" replaces the
# unix socket paths (SMTP/LMTP listener and milter) and the log path in its
# own directories with links to a root-only file, while the daemon is
# started and stopped FAULT_ROUNDS (30) times. The root-only file keeps its
# owner, mode and content every time, whether a start won or lost the race.
# Needs root (no Postfix).
. "$(dirname "$0")/../cli/lib.sh"
. "$TOP/tests/postfix.sh"

if [ "$(id -u)" -ne 0 ]; then
	echo "SKIP: $(basename "$0") needs root"
	exit 0
fi
need setpriv
# the attacker runs as nobody: a python3 outside root's home
[ -x /usr/bin/python3 ] || { echo "FAIL: /usr/bin/python3 is missing" >&2; exit 1; }

RUN_AS=nobody
ROUNDS=${FAULT_ROUNDS:-30}
chmod 0755 "$T"
mkdir -p "$T/run" "$T/log" "$T/db"
chown "$RUN_AS" "$T/run" "$T/log" "$T/db"
tlog="$T/log/tlsrptd.log"
victim="$T/victim"
echo "root only" > "$victim"
chmod 0600 "$victim"
apid=""
tpid=""
cleanup() {
	[ -z "$apid" ] || kill -KILL "$apid" 2> /dev/null || true
	[ -z "$tpid" ] || kill -KILL "$tpid" 2> /dev/null || true
	rm -rf "$T"
}
trap cleanup EXIT
trap 'exit 1' INT TERM HUP

cat > "$T/tlsrptd.conf" <<EOC
database = $T/db/tlsrptd.db
log = $tlog
rua = tlsrpt@example.org
# the test's mails are not signed: DKIM is tests/cli/dkim.sh's business
dkim = off
smtp_listen = 127.0.0.1:$(pf_free_port)
lmtp_listen = unix:$T/run/lmtp.sock
milter_socket = unix:$T/run/milter.sock
user = $RUN_AS
shutdown_timeout = 10
EOC
chmod 0644 "$T/tlsrptd.conf"

# the attacker, as nobody: atomically put a link to the victim in place of
# each path, again and again (rename() replaces whatever is there)
cat > "$T/attack.py" <<'EOP'
import os, sys
victim, paths = sys.argv[1], sys.argv[2:]
n = 0
while True:
    for p in paths:
        tmp = "%s.%d" % (p, n)
        try:
            os.symlink(victim, tmp)
            os.replace(tmp, p)
        except OSError:
            try:
                os.unlink(tmp)
            except OSError:
                pass
        n += 1
EOP
setpriv --reuid="$RUN_AS" --regid="$(id -g "$RUN_AS")" --clear-groups -- \
    /usr/bin/python3 "$T/attack.py" "$victim" "$T/run/lmtp.sock" "$T/run/milter.sock" \
    "$tlog" &
apid=$!

started=0 refused=0
i=0
while [ $i -lt "$ROUNDS" ]; do
	i=$((i + 1))
	"$TLSRPTD" run -c "$T/tlsrptd.conf" >> "$T/tlsrptd.out" 2>&1 &
	tpid=$!
	sleep 0.3
	if kill -0 "$tpid" 2> /dev/null; then
		started=$((started + 1))
		# the race is at start-up: no need for the milter's slow stop
		kill -KILL "$tpid" 2> /dev/null || true
	else
		refused=$((refused + 1))
	fi
	wait "$tpid" 2> /dev/null || true
	tpid=""
	check_eq "round $i: the root-only file's owner and mode" "root 600" \
	    "$(stat -c '%U %a' "$victim")"
	check_eq "round $i: its content" "root only" "$(cat "$victim")"
done
kill -KILL "$apid" 2> /dev/null || true
wait "$apid" 2> /dev/null || true
apid=""
echo "$(basename "$0"): $ROUNDS starts under attack: $started ran, $refused refused"
daemon_finish
