#!/bin/sh
# budget-smtp.sh - the memory budget and the connection slots under attack,
# straight to the SMTP listener, with a small max_inflight_bytes (32M):
#   slowbig   many sessions send 9 MB mails slowly, beyond what the budget
#             holds: the daemon's peak memory stays within the budget plus
#             a fixed overhead, and an ordinary sender (retrying its 452s)
#             gets every mail through
#   dotreset  clients send 9 MB mails whole and reset the connection right
#             after the final dot, over and over: their messages count until
#             committed, memory stays bounded, the ordinary sender gets
#             through
#   slowloris 200 sessions from ten loopback addresses (127.0.0.2 ..
#             127.0.0.11, within the per-client limit) trickle a byte every
#             5 s into every slot of the default limits: slow sessions are
#             evicted and the ordinary sender still gets its 250s
# The peak is VmHWM from /proc; the bound is a limit, not a timing.
#
# env: FAULT_BUDGET_MIB (32), FAULT_OVERHEAD_MIB (96; 320 for a binary
#      built with AddressSanitizer) the fixed overhead allowed beyond it,
#      FAULT_SLOW (60) slow 9 MB sessions, FAULT_RESETS (20) clients
#      resetting after the dot, FAULT_SEED.
WAY=smtp
. "$(dirname "$0")/lib.sh"

BUDGET=${FAULT_BUDGET_MIB:-32}
OVERHEAD=${FAULT_OVERHEAD_MIB:-96}
# AddressSanitizer keeps freed memory in quarantine and adds shadow memory:
# a smaller quarantine, and more room for the rest
if grep -q __asan_init "$TLSRPTD" 2> /dev/null; then
	ASAN_OPTIONS="${ASAN_OPTIONS:+$ASAN_OPTIONS:}quarantine_size_mb=16"
	export ASAN_OPTIONS
	OVERHEAD=${FAULT_OVERHEAD_MIB:-320}
fi
LIMIT=$((BUDGET + OVERHEAD))
SLOW=${FAULT_SLOW:-60}
RESETS=${FAULT_RESETS:-20}

f_setup "" "max_inflight_bytes = ${BUDGET}M
message_size_limit = 10M
smtp_data_timeout = 20"

# clients MODE LOG FIRST COUNT [ARGS] - COUNT clients of clients.py
clients() {
	_mode=$1 _log=$2 _first=$3 _count=$4
	shift 4
	: >> "$_log"
	python3 "$FAULTS/clients.py" "$_mode" --port "$port" --clients "$_count" \
	    --seed "$SEED" --first "$_first" --log "$_log" "$@"
}

logs=""
# ordinary WHAT FIRST COUNT - an ordinary sender, every mail acknowledged
# (4xx answers are retried, as an MTA would)
ordinary() {
	_slog="$T/mail/ordinary-$2"
	: > "$_slog"
	logs="$logs $_slog"
	FAULT_DEADLINE=150 f_send "$2" "$3" 2 "$_slog"
	f_sent "$1" "$_slog"
}

ordinary "warm-up" 0 10
rss0=$(f_vm VmRSS)

# --- slow 9 MB sessions, more than the budget holds --------------------------
clients slowbig "$T/mail/slowbig" 1000 "$SLOW" --size 9000000 \
    > "$T/slowbig.out" 2>&1 &
slowpid=$!
f_helper "$slowpid"
wait_log "max_inflight_bytes" 1 300 || true
check_grep "slowbig: the budget filled up" "max_inflight_bytes ($((BUDGET * 1048576))) in use" "$tlog"
ordinary "beside slow big sessions" 100 10
rc=0
f_reap "$slowpid" || rc=$?
check_eq "slowbig: clients status" 0 "$rc"
[ "$rc" -eq 0 ] || cat "$T/slowbig.out" >&2
hwm1=$(f_vm VmHWM)
echo "slowbig: $SLOW sessions sending 9 MB slowly:" \
    "$(count_lines acked "$T/mail/slowbig") stored," \
    "$(count_lines tempfail "$T/mail/slowbig") told 4xx," \
    "$(count_lines dropped "$T/mail/slowbig") cut off; VmHWM $hwm1 KiB"
if [ "$hwm1" -lt $((LIMIT * 1024)) ]; then ok; else
	fail "slowbig: peak resident memory $hwm1 KiB over $BUDGET MiB + $OVERHEAD MiB"
fi

# --- resets right after the final dot ----------------------------------------
rm -f "$T/release"
clients dotreset "$T/mail/dotreset" 2000 "$RESETS" --size 9000000 \
    --release "$T/release" > "$T/dotreset.out" 2>&1 &
resetpid=$!
f_helper "$resetpid"
_i=0
while [ "$(count_lines aborted "$T/mail/dotreset")" -lt 20 ] && [ $_i -lt 1200 ]; do
	kill -0 "$resetpid" 2> /dev/null || break
	sleep 0.1
	_i=$((_i + 1))
done
ordinary "beside resets after the dot" 200 10
touch "$T/release"
rc=0
f_reap "$resetpid" || rc=$?
check_eq "dotreset: clients status" 0 "$rc"
[ "$rc" -eq 0 ] || cat "$T/dotreset.out" >&2
hwm2=$(f_vm VmHWM)
echo "dotreset: $(count_lines aborted "$T/mail/dotreset") mails of 9 MB" \
    "reset after the dot, $(count_lines tempfail "$T/mail/dotreset") turned" \
    "away; VmHWM $hwm2 KiB"
if [ "$(count_lines aborted "$T/mail/dotreset")" -gt 0 ]; then ok; else
	fail "dotreset: no mail was sent whole"
fi
if [ "$hwm2" -lt $((LIMIT * 1024)) ]; then ok; else
	fail "dotreset: peak resident memory $hwm2 KiB over $BUDGET MiB + $OVERHEAD MiB"
fi
ordinary "after the resets" 300 10
rss1=$(f_vm VmRSS)
echo "memory: VmRSS $rss0 KiB before, $rss1 KiB after; peak (VmHWM) $hwm2 KiB;" \
    "bound $LIMIT MiB"
f_stop

# --- slowloris over ten addresses, with the default connection limits ------
sed -i -e '/^smtp_max_connections/d' -e '/^smtp_max_per_client/d' "$T/tlsrptd.conf"
f_start
rm -f "$T/release"
clients loris "$T/mail/loris" 0 200 --release "$T/release" \
    --sources 127.0.0.2,127.0.0.3,127.0.0.4,127.0.0.5,127.0.0.6,127.0.0.7,127.0.0.8,127.0.0.9,127.0.0.10,127.0.0.11 \
    > "$T/loris.out" 2>&1 &
lorispid=$!
f_helper "$lorispid"
# every slot taken before the ordinary sender starts
sleep 2	# the sessions connect
ordinary "beside slowloris" 400 10
check_grep "slowloris: slow sessions made room" "closed to make room" "$tlog"
touch "$T/release"
rc=0
f_reap "$lorispid" || rc=$?
check_eq "slowloris: clients status" 0 "$rc"
echo "slowloris: $(sed -n 's/.*make room (\([0-9]*\) so far).*/\1/p' "$tlog" |
    tail -n 1) slow sessions evicted for the ordinary sender;" \
    "VmHWM $(f_vm VmHWM) KiB"
f_stop

# shellcheck disable=SC2086
f_check_acked $logs
check_eq "integrity_check" ok "$(sql "$db" "PRAGMA integrity_check")"
f_finish
