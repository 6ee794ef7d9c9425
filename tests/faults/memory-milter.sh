#!/bin/sh
# memory-milter.sh - many, slow, vanishing and heavy clients at once through
# a throwaway Postfix: the daemon keeps serving ordinary senders and its
# memory stays within a stated bound. The daemon's VmRSS and VmHWM (peak)
# come from /proc before and after; the bound is a limit, not a timing.
#
# env: FAULT_CLIENTS (12) clients in each crowd, FAULT_MEM_LIMIT_MIB (200)
#      the bound on the daemon's peak resident memory, FAULT_SEED.
#
# The crowds, one after the other, each with ordinary senders beside it:
#   slow   clients stay in DATA, trickling header lines, while an ordinary
#          sender's mails are acknowledged; then they finish and are stored
#   abort  clients reset the connection half-way through a 4 MB DATA
#   big    clients send 9 MB report mails at once (under message_size_limit
#          = 10M, stored) and then 12 MB ones (over it: 552 5.3.4)
# With message_size_limit = 10M the milter buffers at most 10 MiB per
# message it is handed, and Postfix hands over the crowd's mails at once.
. "$(dirname "$0")/lib.sh"

N=${FAULT_CLIENTS:-12}
LIMIT=${FAULT_MEM_LIMIT_MIB:-200}

# Postfix lets 30 MB through, so that tlsrptd's own limit is the one hit.
f_postfix "message_size_limit = 31457280"
f_conf "message_size_limit = 10M"
f_start

# clients MODE LOG FIRST [ARGS] - clients.py in the foreground
clients() {
	_mode=$1 _log=$2 _first=$3
	shift 3
	: >> "$_log"
	python3 "$FAULTS/clients.py" "$_mode" --port "$port" --clients "$N" \
	    --seed "$SEED" --first "$_first" --log "$_log" "$@"
}

# ordinary WHAT FIRST COUNT - an ordinary sender, every mail acknowledged
logs=""
ordinary() {
	_slog="$T/mail/ordinary-$2"
	: > "$_slog"
	logs="$logs $_slog"
	f_send "$2" "$3" 2 "$_slog"
	f_sent "$1" "$_slog"
}

ordinary "warm-up" 0 20
rss0=$(f_vm VmRSS)

# --- slow clients hold their sessions while others are served -------------
: > "$T/ready"
clients slow "$T/mail/slow" 1000 --expect "$T/expected" \
    --ready "$T/ready" --release "$T/release" > "$T/slow.out" 2>&1 &
slowpid=$!
helpers="$helpers $slowpid"
_i=0
while [ "$(wc -l < "$T/ready")" -lt "$N" ] && [ $_i -lt 1200 ]; do
	kill -0 "$slowpid" 2> /dev/null || break
	sleep 0.1
	_i=$((_i + 1))
done
check_eq "slow: clients in DATA" "$N" "$(wc -l < "$T/ready")"
ordinary "beside slow clients" 100 40
check_eq "slow: still in DATA while the others were served" "" \
    "$(cat "$T/mail/slow")"
touch "$T/release"
rc=0
wait "$slowpid" || rc=$?
check_eq "slow: clients status" 0 "$rc"
[ "$rc" -eq 0 ] || cat "$T/slow.out" >&2
check_eq "slow: acknowledged once finished" "$N" "$(count_lines acked "$T/mail/slow")"
logs="$logs $T/mail/slow"
echo "slow: $N clients trickling in DATA while 40 mails were stored;" \
    "VmHWM $(f_vm VmHWM) KiB"

# --- clients vanishing in mid-DATA ------------------------------------------
clients abort "$T/mail/abort" 2000 --size 4000000 > "$T/abort.out" 2>&1 &
abortpid=$!
helpers="$helpers $abortpid"
ordinary "beside vanishing clients" 200 40
rc=0
wait "$abortpid" || rc=$?
check_eq "abort: clients status" 0 "$rc"
[ "$rc" -eq 0 ] || cat "$T/abort.out" >&2
check_eq "abort: connections reset in DATA" "$N" \
    "$(count_lines aborted "$T/mail/abort")"
echo "abort: $N clients reset in DATA; VmHWM $(f_vm VmHWM) KiB"

# --- big mails, all at once: under the limit, then over it -----------------
rc=0
clients big "$T/mail/big" 3000 --size 9000000 --expect "$T/expected" \
    > "$T/big.out" 2>&1 || rc=$?
check_eq "big: clients status" 0 "$rc"
[ "$rc" -eq 0 ] || cat "$T/big.out" >&2
check_eq "big: 9 MB mails stored" "$N" "$(count_lines acked "$T/mail/big")"
logs="$logs $T/mail/big"
rc=0
clients big "$T/mail/over" 4000 --size 12000000 > "$T/over.out" 2>&1 || rc=$?
check_eq "over: clients status" 0 "$rc"
[ "$rc" -eq 0 ] || cat "$T/over.out" >&2
check_eq "over: 12 MB mails refused 552 5.3.4" "$N" \
    "$(awk -F '\t' '$1 == "rejected" && $5 == 552 && $7 ~ /^5\.3\.4 /' \
	"$T/mail/over" | wc -l)"
echo "big: $N mails of 9 MB stored and $N of 12 MB refused; VmHWM $(f_vm VmHWM) KiB"

# --- and after all that, an ordinary sender is served as before -------------
ordinary "after the crowds" 5000 40
rss1=$(f_vm VmRSS)
hwm=$(f_vm VmHWM)
echo "memory: VmRSS $rss0 KiB before, $rss1 KiB after; peak (VmHWM) $hwm KiB;" \
    "bound $LIMIT MiB"
if [ "$hwm" -lt $((LIMIT * 1024)) ]; then ok; else
	fail "peak resident memory $hwm KiB is over the bound of $LIMIT MiB"
fi
check_eq "one start in all" 1 "$(nstarted)"
f_stop
f_check_final "after the crowds"
# shellcheck disable=SC2086
f_check_postfix $logs
f_finish
