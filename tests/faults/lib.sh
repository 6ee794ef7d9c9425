# lib.sh - helpers for the fault tests (sourced; POSIX sh): a throwaway
# Postfix whose smtpd hands mail to tlsrptd, the daemon started, killed and
# restarted, the database read as the daemon's user, and the checks every
# fault test ends with. Builds on tests/cli/lib.sh and tests/postfix.sh.
. "$(dirname "$0")/../cli/lib.sh"
. "$TOP/tests/postfix.sh"

FAULTS="$TOP/tests/faults"
RUN_AS=nobody
db="$T/db/tlsrptd.db"
tlog="$T/log/tlsrptd.log"
maillog="$T/log/maillog"
tpid=""
mounted=0
helpers=""		# our background processes not yet waited for
: "${WAY:=milter}"		# milter or smtp: the way the mail comes in

if [ "$(id -u)" -ne 0 ]; then
	echo "SKIP: $(basename "$0") needs root to run a throwaway Postfix"
	exit 0
fi
need postfix postqueue sqlite3 python3 setpriv

# The seed of every random choice; FAULT_SEED=N replays a failing run's.
SEED=${FAULT_SEED:-$(od -An -N2 -tu2 /dev/urandom | tr -d ' ')}
echo "$(basename "$0"): seed $SEED (replay with FAULT_SEED=$SEED)"
RNG_STATE=$SEED

# rand VAR LO HI - set VAR to a pseudo-random integer in [LO, HI] drawn
# from the seed (not in a subshell: the state must advance)
rand() {
	RNG_STATE=$(( (RNG_STATE * 1103515245 + 12345) % 2147483648 ))
	eval "$1=\$(( $2 + (RNG_STATE / 65536) % ($3 - $2 + 1) ))"
}

# f_cleanup - whatever happened: stop our processes, unmount, remove
f_cleanup() {
	if [ -n "$tpid" ] && kill -0 "$tpid" 2> /dev/null; then
		kill -KILL "$tpid" 2> /dev/null || true
	fi
	for p in $helpers; do
		kill -KILL "$p" 2> /dev/null || true
	done
	postfix -c "$T/conf" stop > /dev/null 2>&1 || true
	[ "$mounted" -eq 0 ] || umount "$T/db" 2> /dev/null || true
	[ -n "${KEEP:-}" ] || rm -rf "$T"
}
trap f_cleanup EXIT
trap 'exit 1' INT TERM HUP

chmod 0755 "$T"		# Postfix's own users walk into it
mkdir -p "$T/conf" "$T/queue" "$T/data" "$T/log" "$T/run" "$T/db" "$T/mail"
chown postfix "$T/data"

# f_helper PID - remember a background process of ours, to end it if the
# test stops early; f_reap PID waits for it and forgets it (a pid that was
# waited for may be another process's by the time the test ends)
f_helper() { helpers="$helpers $1"; }
f_reap() {
	_r=0
	wait "$1" || _r=$?
	helpers=$(echo "$helpers" | tr ' ' '\n' | grep -vx "$1" | tr '\n' ' ')
	return "$_r"
}

# f_tmpfs_db SIZE - put the database directory on a tmpfs of SIZE (4m...);
# returns 1 where a tmpfs cannot be mounted (an unprivileged container)
f_tmpfs_db() {
	mount -t tmpfs -o "size=$1,mode=0755" tmpfs "$T/db" 2> /dev/null ||
	    return 1
	mounted=1
}

# f_postfix [EXTRA] - start a Postfix on 127.0.0.1:$port whose smtpd hands
# mail to tlsrptd's milter socket; mail to tlsrpt.test is discarded once
# accepted, so tlsrptd's database is its only record. EXTRA: main.cf lines.
f_postfix() {
	port=$(pf_free_port)
	pf_write_config "$T" "$port" mx.tlsrptd-faults.invalid tlsrpt.test \
	    "inline:{tlsrpt.test=discard:rua}" "unix:$T/run/milter.sock" \
	    "smtpd_client_connection_count_limit = 0
smtpd_client_connection_rate_limit = 0
smtpd_client_message_rate_limit = 0
smtpd_soft_error_limit = 1000
smtpd_hard_error_limit = 1000
smtpd_error_sleep_time = 0
in_flow_delay = 0
${1:-}"
	pf_start "$T" port
}

# f_conf [EXTRA] - tlsrptd.conf: the milter behind f_postfix, or with
# WAY=smtp tlsrptd's own SMTP listener on 127.0.0.1:$port
f_conf() {
	chown "$RUN_AS" "$T/run" "$T/log" "$T/db"
	if [ "$WAY" = smtp ]; then
		_listen="milter_socket = none
smtp_listen = 127.0.0.1:$port
smtp_hostname = mx.tlsrptd-faults.invalid
smtp_max_connections = 1000
smtp_max_per_client = 1000"
	else
		_listen="milter_socket = unix:$T/run/milter.sock"
	fi
	cat > "$T/tlsrptd.conf" <<EOF
database = $db
# unsigned and third-party corpus mail: DKIM has its own test (dkim.sh)
dkim = off
log = $tlog
log_level = info
rua = @tlsrpt.test
$_listen
user = $RUN_AS
group = postfix
shutdown_timeout = 30
${1:-}
EOF
}

# f_setup [POSTFIX_EXTRA [CONF_EXTRA]] - the way in of WAY (milter: a
# Postfix in front of the milter; smtp: senders talk to tlsrptd directly),
# configured, and the daemon started
f_setup() {
	if [ "$WAY" = smtp ]; then
		port=$(pf_free_port)
	else
		f_postfix "${1:-}"
	fi
	f_conf "${2:-}"
	f_start
}

# f_start - run tlsrptd in the background until its "started" line
f_start() { daemon_start -c "$T/tlsrptd.conf"; }

# f_kill9 - SIGKILL the daemon (unless a sender already did); it must
# have been running
f_kill9() {
	kill -KILL "$tpid" 2> /dev/null || true
	_rc=0
	{ wait "$tpid"; } 2> /dev/null || _rc=$?	# no "Killed" from the shell
	tpid=""
	check_eq "tlsrptd was running when killed (status 128+9)" 137 "$_rc"
}

# f_stop - SIGTERM; an orderly stop exits 0
f_stop() { daemon_stop; }

# as_daemon CMD... - run CMD as the daemon's user
as_daemon() {
	setpriv --reuid="$RUN_AS" --regid="$(id -g "$RUN_AS")" --clear-groups \
	    -- "$@"
}

# dsql QUERY - a query as the daemon's user, so that the -wal and -shm
# files SQLite may create stay the daemon's while it runs
dsql() {
	as_daemon sqlite3 -batch -separator '	' "$db" "$1"
}

# count_lines RESULT FILE - lines of a sender log with that result
count_lines() {
	_c=$(grep -c "^$1	" "$2" 2> /dev/null || true)
	echo "${_c:-0}"
}

# wait_lines RESULT FILE N PID - until FILE has N lines with RESULT, or the
# sender PID has ended; 0 when reached
wait_lines() {
	while [ "$(count_lines "$1" "$2")" -lt "$3" ]; do
		kill -0 "$4" 2> /dev/null || return 1
		sleep 0.02
	done
}

# wait_log TEXT N LIMIT - until the daemon's log has N lines with TEXT,
# polling LIMIT times at 0.1 s (a bound against hanging, not a timing
# assertion); 0 when reached
wait_log() {
	_i=0
	while :; do
		_c=$(grep -cF -- "$1" "$tlog" 2> /dev/null || true)
		[ "${_c:-0}" -lt "$2" ] || return 0
		[ $_i -lt "$3" ] || return 1
		sleep 0.1
		_i=$((_i + 1))
	done
}

# f_send FIRST COUNT WORKERS LOG [ARGS] - sender.py in the background;
# sets spid
f_send() {
	_first=$1 _count=$2 _workers=$3 _log=$4
	shift 4
	python3 "$FAULTS/sender.py" --port "$port" --first "$_first" \
	    --count "$_count" --workers "$_workers" --seed "$SEED" \
	    --log "$_log" --expect "$T/expected" \
	    --deadline "${FAULT_DEADLINE:-300}" "$@" > "$_log.out" 2>&1 &
	spid=$!
	f_helper "$spid"
}

# f_sent WHAT LOG - wait for the sender: every mail acknowledged
f_sent() {
	_rc=0
	f_reap "$spid" || _rc=$?
	check_eq "$1: sender status (every mail acknowledged)" 0 "$_rc"
	[ "$_rc" -eq 0 ] || cat "$2.out" >&2
}

# f_check_acked LOGS... - every report that got a 250 is in the database
# exactly once, now (while the daemon is down or running)
f_check_acked() {
	cat "$@" | awk -F '\t' '$1 == "acked" { print $3 }' | sort > "$T/acked"
	dsql "SELECT report_id FROM reports" | sort > "$T/stored"
	_missing=$(comm -23 "$T/acked" "$T/stored" | wc -l)
	check_eq "acknowledged reports missing from the database" 0 "$_missing"
	[ "$_missing" -eq 0 ] || comm -23 "$T/acked" "$T/stored" | head >&2
	check_eq "reports stored more than once" "" \
	    "$(uniq -d "$T/stored" | head -3)"
}

# f_check_final WHAT - after the last sender ended and the daemon stopped:
# every mail sent is stored once with its counts, nothing quarantined, the
# file intact; and Postfix accepted only mails whose report was committed
f_check_final() {
	sort "$T/expected" > "$T/expected.sorted"
	sql "$db" "SELECT r.organization_name, r.report_id, count(p.id),
	    sum(p.successful_sessions), sum(p.failed_sessions),
	    (SELECT count(*) FROM failure_details f JOIN policies q
	        ON f.policy_ref = q.id WHERE q.report_ref = r.id)
	    FROM reports r JOIN policies p ON p.report_ref = r.id
	    GROUP BY r.id" | sort > "$T/stored.rows"
	check_eq "$1: reports sent" "$(wc -l < "$T/expected.sorted")" \
	    "$(wc -l < "$T/stored.rows")"
	if cmp -s "$T/expected.sorted" "$T/stored.rows"; then ok; else
		fail "$1: stored reports and counts differ from those sent:"
		diff "$T/expected.sorted" "$T/stored.rows" | head -20 >&2
	fi
	check_eq "$1: totals (reports, policies, successful, failed)" \
	    "$(awk -F '\t' '{ r++; p += $3; s += $4; f += $5 }
		END { print r "\t" p "\t" s "\t" f }' "$T/expected.sorted")" \
	    "$(sql "$db" "SELECT (SELECT count(*) FROM reports),
		count(*), sum(successful_sessions), sum(failed_sessions)
		FROM policies")"
	check_eq "$1: quarantine" 0 "$(sql "$db" "SELECT count(*) FROM quarantine")"
	check_eq "$1: integrity_check" ok "$(sql "$db" "PRAGMA integrity_check")"
	check_eq "$1: foreign_key_check" "" "$(sql "$db" "PRAGMA foreign_key_check")"
}

# f_check_postfix LOGS... - Postfix's side: once its queue is empty, the
# mails it accepted are exactly those the senders saw a 250 for, and each
# was delivered (discarded) once; every report's stored queue id is one
# Postfix gave to a copy of that same mail
f_check_postfix() {
	_i=0
	while ! postqueue -c "$T/conf" -p 2> /dev/null | grep -q "is empty" &&
	    [ $_i -lt 600 ]; do
		sleep 0.1
		_i=$((_i + 1))
	done
	cat "$@" | awk -F '\t' '$1 == "acked" { print $6 }' | sort > "$T/acked.qid"
	sed -n 's/.*postfix\/discard\[[0-9]*\]: \([0-9A-Za-z]*\): to=.*status=sent.*/\1/p' \
	    "$maillog" | sort > "$T/sent.qid"
	check_eq "Postfix: mails accepted and delivered" \
	    "$(wc -l < "$T/acked.qid")" "$(wc -l < "$T/sent.qid")"
	if cmp -s "$T/acked.qid" "$T/sent.qid"; then ok; else
		fail "Postfix delivered other mails than it acknowledged:"
		diff "$T/acked.qid" "$T/sent.qid" | head >&2
	fi
	# queue id -> Message-ID, from cleanup
	sed -n 's/.*postfix\/cleanup\[[0-9]*\]: \([0-9A-Za-z]*\): message-id=\(<[^>]*>\).*/\1	\2/p' \
	    "$maillog" | sort > "$T/qid.msgid"
	sql "$db" "SELECT source, message_id FROM reports" | sort > "$T/db.qid.msgid"
	_odd=$(comm -23 "$T/db.qid.msgid" "$T/qid.msgid" | wc -l)
	check_eq "stored queue ids that Postfix gave to another mail" 0 "$_odd"
	[ "$_odd" -eq 0 ] || comm -23 "$T/db.qid.msgid" "$T/qid.msgid" | head >&2
}

# f_check_replies LOGS... - tlsrptd's own listener: each 250 names the
# commit that holds its report: the report's stored source is the queue id
# of that 250, or the 250 answered a copy found already stored (logged as a
# duplicate: the loop writes a batch's log lines before the replies leave,
# so a 250 for a duplicate always has its line). A reply sent before the
# commit shows here as a 250 whose queue id the kill left unrecorded.
f_check_replies() {
	cat "$@" | awk -F '\t' '$1 == "acked" { print $3 "\t" $6 }' |
	    sort > "$T/acked.ids"
	sql "$db" "SELECT report_id, source FROM reports" | sort > "$T/db.ids"
	sed -n 's/.*"outcome":"duplicate","way_in":"[a-z]*","source":"\([^"]*\)".*/\1/p' \
	    "$tlog" | sort > "$T/dup.ids"
	comm -23 "$T/acked.ids" "$T/db.ids" | cut -f2 | sort > "$T/other.ids"
	_odd=$(comm -23 "$T/other.ids" "$T/dup.ids" | wc -l)
	check_eq "250s whose queue id is neither the stored one nor a duplicate" \
	    0 "$_odd"
	[ "$_odd" -eq 0 ] || comm -23 "$T/other.ids" "$T/dup.ids" | head >&2
}

# f_check_way LOGS... - the checks that depend on the way in
f_check_way() {
	if [ "$WAY" = smtp ]; then
		f_check_replies "$@"
	else
		f_check_postfix "$@"
	fi
}

# f_vm FIELD - VmRSS or VmHWM of the daemon in KiB
f_vm() {
	awk -v f="$1:" '$1 == f { print $2 }' "/proc/$tpid/status"
}

# f_finish - sanitizer reports fail the run; on failure show the logs
f_finish() {
	[ "$failures" -eq 0 ] || echo "(replay with FAULT_SEED=$SEED)" >&2
	[ -z "${KEEP:-}" ] || echo "kept $T (KEEP is set)"
	if [ "$WAY" = milter ]; then
		daemon_finish "$T/tlsrptd.out" "$maillog"
	else
		daemon_finish
	fi
}
