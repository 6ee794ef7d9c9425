#!/bin/sh
# run.sh - tlsrptd run as systemd and an operator see it: exit statuses for
# bad configuration, a missing, corrupt or foreign database and the socket; READY=1 and STOPPING=1 on
# $NOTIFY_SOCKET; the lifecycle log lines; SIGUSR1 reopening the log;
# SIGTERM, SIGINT and SIGHUP stopping with status 0; a stale socket left by
# a killed daemon replaced on the next start. No MTA needed.
. "$(dirname "$0")/lib.sh"

conf="$T/tlsrptd.conf"
sock="$T/run/milter.sock"
tlog="$T/tlsrptd.log"
tpid=""
lpid=""
cleanup() {
	[ -z "$tpid" ] || kill -KILL "$tpid" 2> /dev/null || true
	[ -z "$lpid" ] || kill -KILL "$lpid" 2> /dev/null || true
	rm -rf "$T"
}
trap cleanup EXIT
trap 'exit 1' INT TERM HUP

# test_conf [EXTRA LINE] - a configuration for this test
test_conf() {
	write_conf "$conf" "database = $T/db/tlsrptd.db" \
	    "milter_socket = unix:$sock" "shutdown_timeout = 15" "$@"
}

# run_status - exit status of a run that must fail at start-up
run_status() {
	rc=0
	"$TLSRPTD" run -c "$conf" > "$T/out" 2>&1 || rc=$?
	echo "$rc"
}

# --- usage and start-up failures ------------------------------------------
"$TLSRPTD" run --help > "$T/out" 2>&1
check_grep "help" "usage: tlsrptd run [-c FILE] [-f]" "$T/out"
rc=0; "$TLSRPTD" run -x > "$T/out" 2>&1 || rc=$?
check_eq "unknown option" 64 "$rc"

mkdir -p "$T/db"
test_conf "no_such_key = 1"
check_eq "unknown key: status" 78 "$(run_status)"
# the key is the configuration's last line
check_grep "unknown key: file:line" "$conf:$(wc -l < "$conf"):" "$T/out"

printf 'database = %s\nmilter_socket = unix:%s\n' "$T/db/x.db" "$sock" > "$conf"
check_eq "no rua: status" 78 "$(run_status)"
check_grep "no rua: says so" "rua" "$T/out"

test_conf
sed -i "s|^database = .*|database = $T/no/such/dir/tlsrptd.db|" "$conf"
check_eq "database cannot be opened: status" 74 "$(run_status)"
check_eq "database failure leaves no socket" no \
    "$([ -S "$sock" ] && echo yes || echo no)"

# A corrupt file, one with a damaged schema page, and another application's
# database: a clear error naming the file and status 74, nothing written.
test_conf
head -c 8192 /dev/urandom > "$T/db/tlsrptd.db"
cp "$T/db/tlsrptd.db" "$T/db/before"
check_eq "random bytes as database: status" 74 "$(run_status)"
check_grep "random bytes as database: says so" \
    "$T/db/tlsrptd.db: not a SQLite database" "$T/out"
check_eq "random bytes as database: untouched" same \
    "$(cmp -s "$T/db/tlsrptd.db" "$T/db/before" && echo same || echo changed)"
rm -f "$T/db/tlsrptd.db"
"$TLSRPTD" ingest --quiet --db "$T/db/tlsrptd.db" "$TOP/tests/corpus" \
    > /dev/null 2>&1 || true
# the schema's b-tree starts on page 1 after the 100-byte file header:
# overwrite its page header and cell pointers
printf '\377\377\377\377\377\377\377\377\377\377\377\377\377\377\377\377' |
    dd of="$T/db/tlsrptd.db" bs=1 seek=100 conv=notrunc 2> /dev/null
check_eq "damaged schema: status" 74 "$(run_status)"
check_grep "damaged schema: says so" "malformed" "$T/out"
rm -f "$T/db/tlsrptd.db"*
sqlite3 "$T/db/tlsrptd.db" 'CREATE TABLE invoices(id INTEGER)'
check_eq "foreign database: status" 74 "$(run_status)"
check_grep "foreign database: says so" "another application" "$T/out"
check_eq "foreign database: untouched" invoices \
    "$(sqlite3 "$T/db/tlsrptd.db" 'SELECT group_concat(name) FROM sqlite_master')"
rm -f "$T/db/tlsrptd.db"*

test_conf
sed -i "s|^milter_socket = .*|milter_socket = unix:$T/no/such/dir/milter.sock|" "$conf"
check_eq "socket cannot be bound: status" 74 "$(run_status)"

test_conf "user = no-such-user-tlsrptd"
check_eq "unknown user: status" 78 "$(run_status)"

# --- a notify socket as systemd has one -------------------------------------
cat > "$T/notify.py" <<'EOF'
import socket, sys
s = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
s.bind(sys.argv[1])
with open(sys.argv[2], "a") as out:
    while True:
        msg = s.recv(4096).decode()
        out.write(msg.replace("\n", " ") + "\n")
        out.flush()
EOF
python3 "$T/notify.py" "$T/notify.sock" "$T/notify.log" &
lpid=$!
i=0
while [ ! -S "$T/notify.sock" ] && [ $i -lt 100 ]; do sleep 0.1; i=$((i + 1)); done

# started - "started" lines in the log so far
started() { grep -c '"event":"started"' "$tlog" 2> /dev/null || true; }

# start - run the daemon in the background until it logged "started" (its
# socket may be a stale one, so that proves nothing)
start() {
	before=$(started)
	NOTIFY_SOCKET="$T/notify.sock" "$TLSRPTD" run -f -c "$conf" \
	    >> "$T/daemon.out" 2>&1 &
	tpid=$!
	i=0
	while [ "$(started)" -le "$before" ] && [ $i -lt 100 ]; do
		kill -0 "$tpid" 2> /dev/null || break
		sleep 0.1
		i=$((i + 1))
	done
	[ "$(started)" -gt "$before" ] || { echo "FAIL: tlsrptd did not start" >&2;
	    cat "$T/daemon.out" "$tlog" >&2; exit 1; }
}

# stop SIGNAL - the daemon must exit 0, well within shutdown_timeout
stop() {
	t0=$(date +%s)
	kill "-$1" "$tpid"
	rc=0
	wait "$tpid" || rc=$?
	tpid=""
	check_eq "SIG$1: exit status" 0 "$rc"
	if [ $(($(date +%s) - t0)) -gt 12 ]; then
		fail "SIG$1: took more than 12 s to stop"
	fi
}

test_conf
start
i=0
while ! grep -q READY=1 "$T/notify.log" 2> /dev/null && [ $i -lt 50 ]; do
	sleep 0.1
	i=$((i + 1))
done
check_grep "READY=1 sent" "READY=1" "$T/notify.log"
check_grep "status names the socket" "STATUS=receiving reports on unix:$sock" "$T/notify.log"
check_grep "started line" '"event":"started","version":' "$tlog"
check_eq "socket mode" "srw-rw----" "$(ls -l "$sock" | cut -c1-10)"
# on SQLite, libpq (and the Kerberos and LDAP it brings) is never mapped
check_eq "libpq not loaded on SQLite" 0 \
    "$(grep -c 'libpq\|libkrb5\|libldap' "/proc/$tpid/maps" || true)"

mv "$tlog" "$tlog.1"
kill -USR1 "$tpid"
i=0
while [ ! -s "$tlog" ] && [ $i -lt 50 ]; do sleep 0.1; i=$((i + 1)); done
check_grep "SIGUSR1 reopens the log" '"event":"log_reopened"' "$tlog"

stop TERM
check_grep "STOPPING=1 sent" "STOPPING=1" "$T/notify.log"
check_grep "stopping line" '"event":"stopping"' "$tlog"
check_grep "stopped line" '"event":"stopped"' "$tlog"
check_grep "stopped with status 0" '"status":0' "$tlog"
check_eq "socket removed" no "$([ -e "$sock" ] && echo yes || echo no)"

start
stop INT
start
stop HUP

# A stop signal belongs to the daemon's loop, whichever thread the kernel
# hands it to. libmilter starts a thread of its own that waits for them;
# aim SIGINT at a thread other than the main one that does not block it
# (that one, if it exists), and the daemon must still log it and exit 0.
start
aim=""
for t in /proc/"$tpid"/task/*; do
	tid=${t##*/}
	[ "$tid" != "$tpid" ] || continue
	blk=$(awk '/^SigBlk/ { print $2 }' "$t/status")
	low=${blk#"${blk%??}"}
	if [ $((0x$low & 2)) -eq 0 ] || [ -z "$aim" ]; then
		aim=$tid
	fi
done
check_eq "daemon has threads" yes "$([ -n "$aim" ] && echo yes || echo no)"
n=$(grep -c '"event":"signal"' "$tlog" || true)
t0=$(date +%s)
kill -INT "$aim"
rc=0
wait "$tpid" || rc=$?
tpid=""
check_eq "SIGINT to thread $aim: exit status" 0 "$rc"
check_eq "SIGINT to thread $aim: logged" $((n + 1)) \
    "$(grep -c '"event":"signal"' "$tlog" || true)"

# A killed daemon leaves its socket behind; the next start replaces it.
start
kill -KILL "$tpid"
wait "$tpid" 2> /dev/null || true
tpid=""
check_eq "stale socket left" yes "$([ -S "$sock" ] && echo yes || echo no)"
start
stop TERM

daemon_finish "$T/daemon.out"
