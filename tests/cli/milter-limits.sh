#!/bin/sh
# milter-limits.sh - the memory budget (max_inflight_bytes) and
# milter_max_connections in the milter, driven by miltertest(8) with
# tests/milter/limits/budget.lua against a running "tlsrptd run" (no MTA).
. "$(dirname "$0")/lib.sh"
. "$TOP/tests/milter/mail.sh"

if ! command -v miltertest > /dev/null 2>&1; then
	if [ "$(id -u)" -ne 0 ]; then
		echo "SKIP: $(basename "$0"): miltertest is not installed"
		exit 0
	fi
	echo "FAIL: miltertest is not installed (run make deps)" >&2
	exit 1
fi

M="$TOP/tests/milter"
db="$T/tlsrptd.db"
tlog="$T/tlsrptd.log"
mkdir "$T/mail"
report_mail mt-after-budget > "$T/mail/mt-after-budget.eml"
human_mail "a question" > "$T/mail/human-1.eml"

write_conf "$T/tlsrptd.conf" "milter_socket = unix:$T/milter.sock" \
    "after_store = discard" "message_size_limit = 4M" \
    "max_inflight_bytes = 1M" "milter_max_connections = 2"

tpid=""
cleanup() {
	[ -z "$tpid" ] || kill -KILL "$tpid" 2> /dev/null || true
	rm -rf "$T"
}
trap cleanup EXIT
trap 'exit 1' INT TERM HUP

daemon_start -c "$T/tlsrptd.conf"
i=0
while [ ! -S "$T/milter.sock" ] && [ $i -lt 300 ]; do sleep 0.1; i=$((i + 1)); done
if miltertest -D socket="unix:$T/milter.sock" -D dir="$T/mail" \
    -D lib="$M/lib.lua" -s "$M/limits/budget.lua" > "$T/budget.out" 2>&1; then
	ok
else
	fail "budget.lua:"
	sed 's/^/  | /' "$T/budget.out" >&2
fi
daemon_stop
check_grep "budget: the waiting mail logged" '"outcome":"tempfail","way_in":"milter","source":"QWAIT"' "$tlog"
check_grep "budget: its reason" '"reason":"max_inflight_bytes in use"' "$tlog"
check_grep "cap: logged" '"source":"QCAP","envelope_from":"reports@sender.example","envelope_to":"tlsrpt@tlsrpt.test","size":0,"reason_class":"milter","reason":"too many milter connections (milter_max_connections), try again later"' "$tlog"
check_eq "stored once the budget was back" "mt-after-budget	QAFTER" \
    "$(sql "$db" "SELECT report_id, source FROM reports")"
daemon_finish
