# lib.sh - helpers for the command-line tests (sourced; POSIX sh)
# $TLSRPTD is the binary under test; TOP is the source tree.
set -eu
TOP=$(cd "$(dirname "$0")/../.." && pwd)
: "${TLSRPTD:=$TOP/build/tlsrptd}"
T=$(mktemp -d /tmp/tlsrptd-test.XXXXXX)
trap 'rm -rf "$T"' EXIT
failures=0
passes=0
# the dashboard's time for one page: its default, or ample under valgrind
# (TLSRPTD_SLOW), where every query runs many times slower
dash_query_s=2
[ -z "${TLSRPTD_SLOW:-}" ] || dash_query_s=600

# fail MSG - record a failed check
fail() { echo "FAIL: $*" >&2; failures=$((failures + 1)); }
# ok MSG - record a passed check
ok() { passes=$((passes + 1)); }

# check_eq WHAT EXPECTED ACTUAL
check_eq() {
	if [ "$2" = "$3" ]; then ok; else fail "$1: expected [$2], got [$3]"; fi
}

# check_grep WHAT PATTERN FILE - FILE contains PATTERN (fixed string)
check_grep() {
	if grep -qF -- "$2" "$3"; then ok; else
		fail "$1: [$2] not found in $3:"; sed 's/^/  | /' "$3" | head -20 >&2; fi
}

# sql DB QUERY - one query through the sqlite3 CLI, tab-separated
sql() { sqlite3 -batch -separator '	' "$1" "$2"; }

# finish - print the tally and exit non-zero on any failure
finish() {
	echo "$(basename "$0"): $passes passed, $failures failed"
	[ "$failures" -eq 0 ]
}

# need TOOL... - fail the test at once unless every TOOL is installed
need() {
	for _tool in "$@"; do
		command -v "$_tool" > /dev/null 2>&1 && continue
		echo "FAIL: $_tool is not installed (run make deps)" >&2
		exit 1
	done
}

# count TABLE [WHERE] - rows in the database $db
count() { sql "$db" "SELECT count(*) FROM $1 ${2:+WHERE $2}"; }

# wait_for TEXT FILE [N] - until FILE has N (1) lines with TEXT. After 30 s
# it fails the test: a failed check naming what it waited for, FILE's last
# lines, and a non-zero return (which ends a script running under set -e)
wait_for() {
	_i=0
	while :; do
		_n=$(grep -cF -- "$1" "$2" 2> /dev/null) || true
		[ "${_n:-0}" -lt "${3:-1}" ] || return 0
		if [ $_i -ge 300 ]; then
			fail "waited 30 s for ${3:-1} line(s) with [$1] in $2," \
			    "found ${_n:-0}; its last lines:"
			tail -n 20 "$2" 2> /dev/null | cut -c1-400 |
			    sed 's/^/  | /' >&2 || true
			return 1
		fi
		sleep 0.1
		_i=$((_i + 1))
	done
}

# lock_db - hold the write lock of the database $db (in the background, pid
# in $lockpid) until unlock_db. Returns once the holder has written a marker
# after its BEGIN IMMEDIATE, so the lock is held; fails like wait_for when
# the lock is not had within 30 s. (The holder waits for a file, not for the
# end of its input: a pipe's write end would be inherited by every process
# started in the background meanwhile, and the lock would outlive unlock_db.)
lock_db() {
	rm -f "$T/locked" "$T/unlock"
	cat > "$T/lock.sql" <<EOF
.timeout 30000
BEGIN IMMEDIATE;
.output $T/locked
SELECT 'write lock held';
.output stdout
.system while [ ! -e '$T/unlock' ]; do sleep 0.05; done
ROLLBACK;
EOF
	sqlite3 -bail "$db" < "$T/lock.sql" > "$T/lock.out" 2>&1 &
	lockpid=$!
	wait_for "write lock held" "$T/locked"
}

# unlock_db - let the lock_db holder roll back and end
unlock_db() {
	touch "$T/unlock"
	wait "$lockpid" || true
	lockpid=""
}

# write_conf FILE [LINE...] - a daemon configuration in FILE: database $db,
# log $tlog, rua tlsrpt@tlsrpt.test, milter_socket none and dkim off (the
# tests' mails are not signed: DKIM is tests/cli/dkim.sh's business), each
# of them left out where a LINE sets that key, then every LINE as given
write_conf() {
	_wc=$1
	shift
	: > "$_wc"
	for _kv in "database = ${db-}" "log = ${tlog-}" "rua = tlsrpt@tlsrpt.test" \
	    "milter_socket = none" "dkim = off"; do
		_given=0
		for _l in "$@"; do
			case $_l in "${_kv%% =*} "* | "${_kv%% =*}="*) _given=1 ;; esac
		done
		[ "$_given" -eq 1 ] || printf '%s\n' "$_kv" >> "$_wc"
	done
	[ $# -eq 0 ] || printf '%s\n' "$@" >> "$_wc"
}

# nstarted - whole "started" lines in the daemon's log $tlog so far (the
# database is their last field)
nstarted() {
	_c=$(grep -c '"event":"started".*"database":' "$tlog" 2> /dev/null) || true
	echo "${_c:-0}"
}

# daemon_start ARG... - "$TLSRPTD run ARG..." in the background (its output
# appended to $T/tlsrptd.out, its pid in $tpid) until $tlog has one more
# "started" line; a daemon that is not up within 30 s fails the test
daemon_start() {
	_before=$(nstarted)
	"$TLSRPTD" run "$@" >> "$T/tlsrptd.out" 2>&1 &
	tpid=$!
	_i=0
	while [ "$(nstarted)" -le "$_before" ] && [ $_i -lt 300 ]; do
		kill -0 "$tpid" 2> /dev/null || break
		sleep 0.1
		_i=$((_i + 1))
	done
	if [ "$(nstarted)" -le "$_before" ]; then
		echo "FAIL: tlsrptd run did not come up:" >&2
		cat "$T/tlsrptd.out" "$tlog" >&2 2> /dev/null
		exit 1
	fi
}

# daemon_stop - SIGTERM to $tpid; its exit status must be 0
daemon_stop() {
	kill -TERM "$tpid"
	rc=0
	wait "$tpid" || rc=$?
	tpid=""
	check_eq "tlsrptd exit status after SIGTERM" 0 "$rc"
}

swaks_n=0
# swaks_send PORT FILE RCPT [SWAKS OPTIONS] - mail FILE with swaks to
# 127.0.0.1:PORT from reports@sender.example; sets rc, reply (the last reply
# before QUIT), qid (the last "queued as") and transcript (its file)
swaks_send() {
	_p=$1 _f=$2 _r=$3
	shift 3
	swaks_n=$((swaks_n + 1))
	transcript="$T/swaks.$swaks_n"
	rc=0
	swaks --server 127.0.0.1 --port "$_p" --timeout 60 \
	    --from reports@sender.example --to "$_r" --data @"$_f" "$@" \
	    > "$transcript" 2>&1 || rc=$?
	reply=$(grep -E '^<[-*~]+ +[0-9]{3}' "$transcript" |
	    grep -v ' 221 ' | tail -n 1 | sed 's/^<[-*~]* *//')
	qid=$(sed -n 's/.*queued as \([0-9A-Za-z]*\).*/\1/p' "$transcript" |
	    tail -n 1)
}

# daemon_finish [OUT [FILE...]] - the end of a test that ran the daemon: a
# sanitizer report in its output OUT ($T/tlsrptd.out) fails the test; on any
# failure OUT, the end of its log $tlog and each FILE (a Postfix log, ...)
# are shown; then the tally (finish)
daemon_finish() {
	_out=${1:-$T/tlsrptd.out}
	[ $# -eq 0 ] || shift
	if grep -E 'ERROR: (Address|Leak)Sanitizer|runtime error:' "$_out" \
	    > /dev/null 2>&1; then
		fail "sanitizer report from tlsrptd:"
		cat "$_out" >&2
	fi
	if [ "$failures" -ne 0 ]; then
		echo "--- tlsrptd stderr (last lines)" >&2
		tail -n 100 "$_out" >&2 2> /dev/null || true
		echo "--- tlsrptd log (last lines)" >&2
		tail -n 100 "${tlog:-/dev/null}" | cut -c1-400 >&2 || true
		for _f in "$@"; do
			echo "--- $_f (last lines)" >&2
			tail -n 100 "$_f" >&2 2> /dev/null || true
		done
	fi
	finish
}
