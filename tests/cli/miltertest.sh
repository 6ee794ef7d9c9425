#!/bin/sh
# miltertest.sh - protocol edges of the milter, driven by miltertest(8) with
# the Lua scripts in tests/milter/ against a running "tlsrptd run" (no MTA):
# abort mid-message, several messages on one connection, no rua recipient,
# mixed recipients, oversize. Then the database must hold exactly what the
# scripts were told was stored or quarantined.
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
for id in mt-abort mt-after-abort mt-after-big mt-several-1 mt-several-2 mt-mixed-1 \
    mt-norua-then-rua; do
	report_mail "$id" > "$T/mail/$id.eml"
done
report_mail mt-norua bob@example.org > "$T/mail/mt-norua.eml"
human_mail "a question" > "$T/mail/human.eml"
human_mail "question one" > "$T/mail/human-1.eml"
human_mail "question two" > "$T/mail/human-2.eml"
human_mail "question three" > "$T/mail/human-3.eml"

write_conf "$T/tlsrptd.conf" "milter_socket = unix:$T/milter.sock" \
    "after_store = discard" "invalid_report = reject" \
    "message_size_limit = 64K"

tpid=""
# cleanup - stop tlsrptd if a check bailed out early
cleanup() {
	if [ -n "$tpid" ]; then
		kill -KILL "$tpid" 2> /dev/null || true
	fi
	rm -rf "$T"
}
trap cleanup EXIT
trap 'exit 1' INT TERM HUP

"$TLSRPTD" run -c "$T/tlsrptd.conf" > "$T/tlsrptd.out" 2>&1 &
tpid=$!

for script in "$M"/*.lua; do
	case "$script" in */lib.lua) continue ;; esac
	name=$(basename "$script" .lua)
	if miltertest -D socket="unix:$T/milter.sock" -D dir="$T/mail" \
	    -D lib="$M/lib.lua" -s "$script" > "$T/$name.out" 2>&1; then
		ok
	else
		fail "$name.lua:"
		sed 's/^/  | /' "$T/$name.out" >&2
	fi
done

kill -TERM "$tpid"
rc=0
wait "$tpid" || rc=$?
tpid=""
check_eq "exit status after SIGTERM" 0 "$rc"


check_eq "aborted message: not stored" 0 "$(count reports "report_id = 'mt-abort'")"
check_eq "stored reports, each once" \
    "mt-after-abort	QABORT2
mt-after-big	QBIG3
mt-mixed-1	QMIX1
mt-norua-then-rua	QNORUA2
mt-several-1	QSEV1
mt-several-2	QSEV4" \
    "$(sql "$db" "SELECT report_id, source FROM reports ORDER BY report_id")"
check_eq "quarantined: the non-reports to a rua" \
    "no-report-part	QMIX2	bob@example.org,tlsrpt@tlsrpt.test
no-report-part	QSEV3	tlsrpt@tlsrpt.test" \
    "$(sql "$db" "SELECT reason_class, source, envelope_to FROM quarantine
	ORDER BY source")"
check_grep "duplicate logged" '"outcome":"duplicate","way_in":"milter","source":"QSEV2"' "$tlog"
check_grep "oversize logged as rejected" '"outcome":"rejected","way_in":"milter","source":"QBIG1"' "$tlog"
check_grep "oversize with mixed recipients logged as passed" '"outcome":"passed","way_in":"milter","source":"QBIG2"' "$tlog"
check_grep "oversize reason" '"reason":"message too big for tlsrptd (limit 65536 bytes)"' "$tlog"
if grep -q '"source":"QNORUA1"' "$tlog"; then
	fail "mail without a rua recipient was logged"
fi
check_eq "one log line per stored, duplicate or quarantined message" 9 \
    "$(grep -c '"event":"message","outcome":"\(stored\|duplicate\|quarantined\)"' "$tlog")"
daemon_finish
