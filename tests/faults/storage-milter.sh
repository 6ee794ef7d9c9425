#!/bin/sh
# storage-milter.sh - storage failures while report mail streams in through
# a throwaway Postfix: the database's file system fills up, and later
# another process holds the database's write lock for a while. Both times
# the senders get temporary failures (451 4.3.0 from tlsrptd, through
# Postfix), the daemon neither crashes nor needs a restart, and once the
# cause is gone it stores what the senders retry: every mail acknowledged
# once and stored once, nothing quarantined, the file intact.
#
# env: FAULT_MESSAGES (300) mails per phase, FAULT_WORKERS (4), FAULT_SEED.
#
# The full disk is a real one: the database lives on an 8 MiB tmpfs that a
# filler file takes to the last block (SQLITE_FULL from the WAL), then the
# filler goes. Where no tmpfs can be mounted that phase is skipped (said so).
# The lock is taken with BEGIN IMMEDIATE by the sqlite3 shell, as a backup
# or an operator's session would; tlsrptd waits its 5 s busy timeout and
# answers 451 each time, until the lock goes.
. "$(dirname "$0")/lib.sh"

B=${FAULT_MESSAGES:-300}
W=${FAULT_WORKERS:-4}
if f_tmpfs_db 8m; then
	full=1
else
	full=0
	echo "note: cannot mount a tmpfs here: the full-disk phase is skipped"
fi
f_postfix
f_conf
f_start
pid0=$tpid

# ntempfail - the daemon's tempfail log lines so far
ntempfail() {
	_c=$(grep -c '"outcome":"tempfail"' "$tlog" || true)
	echo "${_c:-0}"
}

# after_fault WHAT LOG - the checks once a phase's senders are done
after_fault() {
	f_sent "$1" "$2"
	check_eq "$1: the same daemon still running" "$pid0" \
	    "$(kill -0 "$tpid" 2> /dev/null && echo "$tpid")"
	replies=$(awk -F '\t' '$1 == "tempfail" && $7 ~ /^4\.3\.0 tlsrptd: /' \
	    "$2" | wc -l)
	if [ "$replies" -gt 0 ]; then ok; else
		fail "$1: no sender saw a 451 4.3.0 from tlsrptd"
		cut -f1,5,7 "$2" | sort | uniq -c | sort -rn | head >&2
	fi
	f_check_acked "$2"
	echo "$1: $(cat "$2.out"); $replies of them 451 4.3.0 from tlsrptd"
}

# --- phase 1: the disk fills up under load, then space comes back ----------
first=0
logs=""
if [ "$full" -eq 1 ]; then
	slog="$T/mail/full"
	logs="$logs $slog"
	: > "$slog"
	f_send "$first" "$B" "$W" "$slog"
	first=$((first + B))
	wait_lines acked "$slog" 20 "$spid" ||
	    fail "disk full: the senders ended before 20 acknowledgements"
	before=$(ntempfail)
	dd if=/dev/zero of="$T/db/filler" bs=64k > /dev/null 2>&1 || true
	check_eq "disk full: the file system is full" 0 \
	    "$(df --output=avail -k "$T/db" | tail -n 1 | tr -d ' ')"
	wait_log '"outcome":"tempfail"' $((before + 10)) 600 ||
	    fail "disk full: fewer than 10 tempfail lines after the disk filled"
	grep '"outcome":"tempfail"' "$tlog" | tail -n 1 > "$T/full.line"
	check_grep "disk full: the cause is named" "full" "$T/full.line"
	rm -f "$T/db/filler"
	after_fault "disk full" "$slog"
fi

# --- phase 2: another process holds the write lock for a while ------------
slog="$T/mail/lock"
logs="$logs $slog"
: > "$slog"
f_send "$first" "$B" "$W" "$slog"
wait_lines acked "$slog" 20 "$spid" ||
    fail "lock: the senders ended before 20 acknowledgements"
before=$(ntempfail)
mkfifo "$T/lockfifo"
runuser -u "$RUN_AS" -- sqlite3 -bail "$db" < "$T/lockfifo" > "$T/lock.out" 2>&1 &
lockpid=$!
helpers="$helpers $lockpid"
exec 3> "$T/lockfifo"
# wait for the daemon's own write transaction to end, then keep the lock
printf '.timeout 30000\nBEGIN IMMEDIATE;\nSELECT %s;\n' "'lock-held'" >&3
_i=0
while ! grep -qx lock-held "$T/lock.out" && [ $_i -lt 600 ]; do
	sleep 0.05
	_i=$((_i + 1))
done
check_eq "lock: taken" lock-held "$(cat "$T/lock.out")"
wait_log '"outcome":"tempfail"' $((before + 3)) 600 ||
    fail "lock: fewer than 3 tempfail lines while the lock was held"
grep '"outcome":"tempfail"' "$tlog" | tail -n 1 > "$T/lock.line"
check_grep "lock: the cause is named" "locked" "$T/lock.line"
echo "ROLLBACK;" >&3
exec 3>&-
wait "$lockpid" || true
after_fault "lock" "$slog"

check_eq "one start in all" 1 "$(nstarted)"
f_stop
f_check_final "after the storage failures"
# shellcheck disable=SC2086
f_check_postfix $logs
f_finish
