#!/bin/sh
# killnine-milter.sh - tlsrptd killed with SIGKILL at random moments while a
# throwaway Postfix hands it report mail from several concurrent senders;
# restarted each time. Every report that got a 250 must be in the database
# exactly once, at every kill and at the end; every other one is retried by
# its sender until it is stored; Postfix accepted (and then discarded) only
# mails whose report was committed.
#
# env: FAULT_ROUNDS (20) kills, FAULT_MESSAGES (60) unique report mails per
#      round, FAULT_WORKERS (6) concurrent senders, FAULT_SEED replays the
#      random choices (when to kill, how long to stay down, the mails).
#
# A round: the senders start on fresh mails; after a random number of
# acknowledgements (and a random pause of up to 50 ms) the daemon gets
# SIGKILL, stays down for up to 300 ms (Postfix answers 451 meanwhile, and
# in-flight mails get milter_default_action = tempfail), the database is
# checked against the 250s seen so far, the daemon restarts and the senders
# retry until every mail of the round is acknowledged.
. "$(dirname "$0")/lib.sh"

ROUNDS=${FAULT_ROUNDS:-20}
B=${FAULT_MESSAGES:-60}
W=${FAULT_WORKERS:-6}

f_postfix
f_conf
f_start

logs=""
r=1
while [ "$r" -le "$ROUNDS" ]; do
	slog="$T/mail/round-$r"
	logs="$logs $slog"
	: > "$slog"
	f_send $(( (r - 1) * B )) "$B" "$W" "$slog"
	rand acks 1 $((B / 2))
	rand pause 0 50
	rand down 0 300
	wait_lines acked "$slog" "$acks" "$spid" ||
	    fail "round $r: the senders ended before $acks acknowledgements"
	sleep "$(printf '0.%03d' "$pause")"
	f_kill9
	killed_at=$(count_lines acked "$slog")
	sleep "$(printf '0.%03d' "$down")"
	f_check_acked "$slog"
	f_start
	f_sent "round $r" "$slog"
	echo "round $r: killed after $killed_at of $B acknowledgements," \
	    "down ${down} ms; $(cat "$slog.out")"
	r=$((r + 1))
done
f_stop

# shellcheck disable=SC2086
f_check_acked $logs
f_check_final "after $ROUNDS kills"
# shellcheck disable=SC2086
f_check_postfix $logs
retried=$(cat $logs | awk -F '\t' '$1 != "acked"' | wc -l)
dup=$(grep -c '"outcome":"duplicate"' "$tlog" || true)
echo "note: $((ROUNDS * B)) reports, $ROUNDS kills, $retried attempts" \
    "answered 4xx or cut off and retried; $dup retries found their report" \
    "already committed (killed between commit and reply)"
f_finish
