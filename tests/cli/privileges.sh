#!/bin/sh
# privileges.sh - started as root with "user =": the unix sockets, the log and
# the database are created by the daemon's user (never chown()ed by name, so
# a link planted in their place is not followed), the database and its -wal
# and -shm are 0640 with a group (0600 without), a planted link at the log
# path is refused, a configuration others may write is refused, and "ingest"
# does not follow a link planted in a directory another user can write.
# Needs root; the unprivileged user is "nobody".
. "$(dirname "$0")/lib.sh"
. "$TOP/tests/postfix.sh"

if [ "$(id -u)" -ne 0 ]; then
	echo "SKIP: $(basename "$0") needs root"
	exit 0
fi
need sqlite3 setpriv

C="$TOP/tests/corpus"
RUN_AS=nobody
GROUP=$(id -gn "$RUN_AS")
chmod 0755 "$T"
mkdir -p "$T/run" "$T/log" "$T/db" "$T/drop"
chown "$RUN_AS" "$T/run" "$T/log" "$T/db" "$T/drop"
db="$T/db/tlsrptd.db"
tlog="$T/log/tlsrptd.log"
conf="$T/tlsrptd.conf"
tpid=""
cleanup() {
	[ -z "$tpid" ] || kill -KILL "$tpid" 2> /dev/null || true
	rm -rf "$T"
}
trap cleanup EXIT
trap 'exit 1' INT TERM HUP

# as_nobody CMD... - run CMD as the unprivileged user
as_nobody() {
	setpriv --reuid="$RUN_AS" --regid="$(id -g "$RUN_AS")" --clear-groups \
	    -- "$@"
}

# test_conf [EXTRA LINE] - the daemon's configuration for this test
test_conf() {
	write_conf "$conf" "rua = tlsrpt@example.org" \
	    "smtp_listen = 127.0.0.1:$(pf_free_port)" \
	    "lmtp_listen = unix:$T/run/lmtp.sock" \
	    "milter_socket = unix:$T/run/milter/milter.sock" \
	    "user = $RUN_AS" "$@"
	chmod 0644 "$conf"
}

# --- a configuration others could change is refused -------------------------
test_conf "group = $GROUP"
"$TLSRPTD" check-config -c "$conf" > "$T/out" 2>&1 && rc=0 || rc=$?
check_eq "0644 root-owned configuration accepted" 0 "$rc"
for mode in 0664 0666 0646; do
	chmod "$mode" "$conf"
	"$TLSRPTD" run -c "$conf" > "$T/out" 2>&1 && rc=0 || rc=$?
	check_eq "mode $mode configuration refused" 78 "$rc"
	check_grep "mode $mode: the reason" "refusing a configuration others could change" "$T/out"
done
chmod 0644 "$conf"
chown "$RUN_AS" "$conf"
"$TLSRPTD" run -c "$conf" > "$T/out" 2>&1 && rc=0 || rc=$?
check_eq "configuration owned by another user refused" 78 "$rc"
check_grep "another owner: the reason" "neither root nor the user running tlsrptd" "$T/out"
chown root "$conf"

# --- a link planted at the log path is not followed --------------------------
echo "root only" > "$T/secret"
chmod 0600 "$T/secret"
as_nobody ln -s "$T/secret" "$tlog"
"$TLSRPTD" run -c "$conf" > "$T/out" 2>&1 && rc=0 || rc=$?
check_eq "log path that is a link: tlsrptd run refuses" 74 "$rc"
check_eq "the link's target is untouched" "root only" "$(cat "$T/secret")"
as_nobody rm "$tlog"
as_nobody ln -s "$T/created-by-root" "$tlog"
"$TLSRPTD" run -c "$conf" > "$T/out" 2>&1 && rc=0 || rc=$?
check_eq "dangling link at the log path: refused" 74 "$rc"
[ ! -e "$T/created-by-root" ] && ok || fail "a dangling link made root create a file"
as_nobody rm "$tlog"

# --- everything the daemon creates is its user's -----------------------------
daemon_start -c "$conf"
check_eq "unix socket owner:group mode" "$RUN_AS:$GROUP 660" \
    "$(stat -c '%U:%G %a' "$T/run/lmtp.sock")"
check_eq "milter socket owner:group mode" "$RUN_AS:$GROUP 660" \
    "$(stat -c '%U:%G %a' "$T/run/milter/milter.sock")"
check_eq "milter socket directory, created by tlsrptd" "$RUN_AS:$GROUP 750" \
    "$(stat -c '%U:%G %a' "$T/run/milter")"
check_eq "log file owner" "$RUN_AS" "$(stat -c %U "$tlog")"
for f in "$db" "$db-wal" "$db-shm"; do
	check_eq "$(basename "$f") owner and mode (group set)" "$RUN_AS 640" \
	    "$(stat -c '%U %a' "$f" 2> /dev/null)"
done
daemon_stop

# a socket directory the user cannot write: refused, not chown()ed by name
mkdir "$T/rootrun"
test_conf "lmtp_listen = unix:$T/rootrun/lmtp.sock"
"$TLSRPTD" run -c "$conf" > "$T/out" 2>&1 && rc=0 || rc=$?
check_eq "socket in a root-only directory: refused as the user" 74 "$rc"
[ ! -e "$T/rootrun/lmtp.sock" ] && ok || fail "socket created in a root-only directory"

# without a group the database is 0600
rm -f "$db" "$db-wal" "$db-shm"
test_conf ""
daemon_start -c "$conf"
for f in "$db" "$db-wal" "$db-shm"; do
	check_eq "$(basename "$f") mode (no group)" 600 "$(stat -c %a "$f" 2> /dev/null)"
done
daemon_stop

# --- ingest as root in a directory another user writes -----------------------
cp "$C/dmarc-report-viewer__google.json" "$T/secret.json"
chmod 0600 "$T/secret.json"
cp "$C/parsedmarc__rfc8460.json" "$T/drop/ok.json"
as_nobody ln -s "$T/secret.json" "$T/drop/planted.json"
"$TLSRPTD" ingest --db "$T/ingest.db" "$T/drop" > "$T/out" 2>&1 && rc=0 || rc=$?
check_grep "ingest names the planted link" "not followed" "$T/out"
check_eq "ingest: the file of the directory is stored" 1 \
    "$(sql "$T/ingest.db" 'SELECT count(*) FROM reports')"
check_eq "ingest: nothing of the linked root file is kept" 0 \
    "$(sql "$T/ingest.db" "SELECT count(*) FROM quarantine")"
check_eq "ingest: the new database is 0600" 600 "$(stat -c %a "$T/ingest.db")"
# a link in a directory only root writes is still followed
ln -s "$T/secret.json" "$T/root-link.json"
"$TLSRPTD" ingest --db "$T/ingest.db" "$T/root-link.json" > "$T/out" 2>&1 || true
check_eq "ingest follows a link in a directory only root writes" 2 \
    "$(sql "$T/ingest.db" 'SELECT count(*) FROM reports')"

daemon_finish
