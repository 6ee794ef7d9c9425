#!/bin/sh
# ingest.sh - tlsrptd ingest as a user runs it: mbox, Maildir, directories,
# stdin, running twice, exit statuses and errors.
. "$(dirname "$0")/lib.sh"

C="$TOP/tests/corpus"
db="$T/t.db"

# rows DB TABLE - rows in a table of DB
rows() { sql "$1" "SELECT count(*) FROM $2"; }

# to_mbox FILE... - an mbox with each file as one message, >From-escaped
to_mbox() {
	for f in "$@"; do
		echo "From tlsrpt@example.net Sat Nov 22 10:00:00 2026"
		tr -d '\r' < "$f" | sed 's/^\(>*From \)/>\1/'
		echo
	done
}

# --- mbox: three reports and one human reply --------------------------------
printf 'From: someone@example.org\nSubject: Re: your report address\n\nFrom now on, please stop.\n' > "$T/reply.eml"
to_mbox "$C/mox__example.eml" "$C/tlsrpt-digest__tlsrpt_success_google_1.eml" \
    "$T/reply.eml" "$C/mox__microsoft.eml" > "$T/box"
rc=0; "$TLSRPTD" ingest --db "$db" "$T/box" > "$T/log1" 2>&1 || rc=$?
check_eq "mbox exit status (one quarantined)" 1 "$rc"
check_eq "mbox: reports stored" 3 "$(rows "$db" reports)"
check_eq "mbox: quarantined" 1 "$(rows "$db" quarantine)"
check_eq "mbox: reason" "no-report-part" "$(sql "$db" 'SELECT reason_class FROM quarantine')"
check_eq "mbox: source names the message" "$T/box#3" "$(sql "$db" 'SELECT source FROM quarantine')"
check_eq "mbox: one log line per message" 4 "$(grep -c '"event":"message"' "$T/log1")"
check_grep "mbox: stored line" '"outcome":"stored"' "$T/log1"
check_grep "mbox: quarantined line" '"outcome":"quarantined","way_in":"file"' "$T/log1"

# --- the same input again adds nothing ----------------------------------------
policies=$(rows "$db" policies)
details=$(rows "$db" failure_details)
rc=0; "$TLSRPTD" ingest --db "$db" "$T/box" > "$T/log2" 2>&1 || rc=$?
check_eq "second run exit status" 1 "$rc"
check_eq "second run: reports" 3 "$(rows "$db" reports)"
check_eq "second run: policies" "$policies" "$(rows "$db" policies)"
check_eq "second run: failure details" "$details" "$(rows "$db" failure_details)"
check_eq "second run: quarantine" 1 "$(rows "$db" quarantine)"
check_eq "second run: duplicates logged" 3 "$(grep -c '"outcome":"duplicate"' "$T/log2")"

# --- a Maildir ---------------------------------------------------------------
mkdir -p "$T/md/cur" "$T/md/new" "$T/md/tmp"
cp "$C/tlsrpt-digest__tlsrpt_success_google_2.eml" "$T/md/new/1.host"
cp "$C/parsedmarc__google.com_smtp_tls_report.eml" "$T/md/cur/2.host:2,S"
cp "$C/tlsrpt-digest__tlsrpt_failure.eml" "$T/md/tmp/3.host"	# partial delivery: skipped
rc=0; "$TLSRPTD" ingest --db "$T/md.db" "$T/md" > "$T/log3" 2>&1 || rc=$?
check_eq "Maildir exit status" 0 "$rc"
check_eq "Maildir: reports" 2 "$(rows "$T/md.db" reports)"

# --- a directory of bare reports, and stdin ----------------------------------
mkdir -p "$T/dir/sub"
cp "$C/mail-tls-rpt__report.json.gz" "$C/parsedmarc__mail.ru.json" "$T/dir/"
cp "$C/smtp_tls_reporting__example.gz" "$T/dir/sub/"
rc=0; "$TLSRPTD" ingest --db "$T/dir.db" "$T/dir" > "$T/log4" 2>&1 || rc=$?
check_eq "directory exit status" 0 "$rc"
check_eq "directory: reports" 3 "$(rows "$T/dir.db" reports)"
rc=0; "$TLSRPTD" ingest --db "$T/stdin.db" - < "$C/mox__microsoft.eml" > "$T/log5" 2>&1 || rc=$?
check_eq "stdin exit status" 0 "$rc"
check_eq "stdin: organization" "Microsoft Corporation" \
    "$(sql "$T/stdin.db" 'SELECT organization_name FROM reports')"

# --- errors --------------------------------------------------------------------
rc=0; "$TLSRPTD" ingest --db "$T/e.db" "$T/no-such-file" > "$T/log6" 2>&1 || rc=$?
check_eq "missing input exit status" 66 "$rc"
check_grep "missing input logged" '"outcome":"error"' "$T/log6"
rc=0; "$TLSRPTD" ingest --db "$T/no-such-dir/x.db" "$C/mox__example.eml" > "$T/log7" 2>&1 || rc=$?
check_eq "unwritable database exit status" 74 "$rc"
sqlite3 "$T/foreign.db" 'CREATE TABLE customers(id INTEGER)'
rc=0; "$TLSRPTD" ingest --db "$T/foreign.db" "$C/mox__example.eml" > "$T/log8" 2>&1 || rc=$?
check_eq "foreign database exit status" 74 "$rc"
check_grep "foreign database message" "another application" "$T/log8"
check_eq "foreign database untouched" "customers" "$(sql "$T/foreign.db" "SELECT group_concat(name) FROM sqlite_master")"
rc=0; "$TLSRPTD" ingest > /dev/null 2>&1 || rc=$?
check_eq "no arguments" 64 "$rc"
rc=0; "$TLSRPTD" ingest --bogus x > /dev/null 2>&1 || rc=$?
check_eq "unknown option" 64 "$rc"
rc=0; "$TLSRPTD" ingest --help > "$T/help" 2>&1 || rc=$?
check_eq "--help exit status" 0 "$rc"
check_grep "--help text" "Exit status" "$T/help"
rc=0; "$TLSRPTD" --version > "$T/ver" 2>&1 || rc=$?
check_eq "--version" 0 "$rc"
check_grep "--version text" "tlsrptd " "$T/ver"

# --- an mbox over 64 MiB is read in steps and split as it is read ------------
# (it used to be mapped: a file that shrank meanwhile killed ingest with
# SIGBUS); the middle message is over the size limit
python3 - "$C" "$T/big.mbox" <<'PY'
import sys
c, out = sys.argv[1], sys.argv[2]
a = open(c + '/mox__example.eml', 'rb').read().replace(b'\r\n', b'\n')
b = open(c + '/parsedmarc__google.com_smtp_tls_report.eml', 'rb').read().replace(b'\r\n', b'\n')
big = b'From: x@example.org\nSubject: big\n\n' + (b'x' * 1000 + b'\n') * 67000
with open(out, 'wb') as f:
    for m in (a, big, b):
        f.write(b'From sender@example Thu Dec  3 09:00:00 2026\n' + m + b'\n\n')
PY
rc=0; "$TLSRPTD" ingest --db "$T/big.db" --quiet "$T/big.mbox" > "$T/log9" 2>&1 || rc=$?
rm -f "$T/big.mbox"
check_eq "large mbox: exit status (one quarantined)" 1 "$rc"
check_eq "large mbox: both reports stored" 2 "$(sql "$T/big.db" "SELECT count(*) FROM reports")"
check_eq "large mbox: the big message quarantined as #2" "$T/big.mbox#2|message-too-large" \
    "$(sql "$T/big.db" "SELECT source, reason_class FROM quarantine" | tr '\t' '|')"

# --- nothing silently dropped: every .json member of a zip, every report of a
# forwarded (message/rfc822) mail; what is not a report is noted ------------
python3 - "$C" "$T" <<'PY'
import base64, sys, zipfile
c, t = sys.argv[1], sys.argv[2]
g = open(c + '/dmarc-report-viewer__google.json', 'rb').read()
m = open(c + '/dmarc-report-viewer__microsoft.json', 'rb').read()
r = open(c + '/parsedmarc__rfc8460.json', 'rb').read()
with zipfile.ZipFile(t + '/two.zip', 'w', zipfile.ZIP_DEFLATED) as z:
    z.writestr('google.json', g)
    z.writestr('README.txt', 'two reports')
    z.writestr('microsoft.json', m)
with zipfile.ZipFile(t + '/half.zip', 'w', zipfile.ZIP_DEFLATED) as z:
    z.writestr('good.json', r)
    z.writestr('bad.json', '{"organization-name": 1}')
fwd = open(c + '/mox__example.eml', 'rb').read().replace(b'\r\n', b'\n')
mail = (b'From: postmaster@example.org\nTo: tlsrpt@example.org\n'
        b'Subject: Fwd: two reports\nMessage-ID: <fwd-1@example.org>\n'
        b'MIME-Version: 1.0\nContent-Type: multipart/mixed; boundary=fw\n\n'
        b'--fw\nContent-Type: text/plain\n\nForwarded.\n'
        b'--fw\nContent-Type: application/tlsrpt+json\n\n' + r + b'\n'
        b'--fw\nContent-Type: message/rfc822\n\n' + fwd + b'\n'
        b'--fw--\n')
open(t + '/fwd.eml', 'wb').write(mail)
PY
rc=0; "$TLSRPTD" ingest --db "$T/zip.db" "$T/two.zip" > "$T/log10" 2>&1 || rc=$?
check_eq "zip with two reports: exit status" 0 "$rc"
check_eq "zip with two reports: both stored" 2 "$(sql "$T/zip.db" "SELECT count(*) FROM reports")"
check_eq "zip with two reports: the other member noted on both" 2 \
    "$(sql "$T/zip.db" "SELECT count(*) FROM reports WHERE conformance_notes LIKE '%zip member %README.txt% is not a report%'")"
rc=0; "$TLSRPTD" ingest --db "$T/zip.db" "$T/half.zip" > "$T/log11" 2>&1 || rc=$?
check_eq "zip with a bad member: exit status" 1 "$rc"
check_eq "zip with a bad member: the good one stored" 3 "$(sql "$T/zip.db" "SELECT count(*) FROM reports")"
check_grep "zip with a bad member: its name in the reason" 'member \"bad.json\"' "$T/log11"
check_eq "zip with a bad member: quarantined for it" 1 "$(sql "$T/zip.db" "SELECT count(*) FROM quarantine WHERE reason LIKE '%bad.json%'")"
# libarchive is loaded at the first zip: without it (hidden in a mount
# namespace of this command alone) a zip is a temporary failure, neither
# stored nor quarantined, and the next run with it stores the reports
lib=$(ldconfig -p | awk '$1 == "libarchive.so.13" { print $NF; exit }')
lib=$(readlink -f "$lib" 2> /dev/null || true)
hide='mount --bind /dev/null "$1" && shift && exec "$@"'
if [ "$(id -u)" = 0 ] && [ -f "$lib" ] &&
    unshare -m sh -c "$hide" sh "$lib" true 2> /dev/null; then
    rc=0; unshare -m sh -c "$hide" sh "$lib" "$TLSRPTD" ingest --db "$T/nolib.db" "$T/two.zip" \
        > "$T/log-nolib" 2>&1 || rc=$?
    check_eq "zip without libarchive: exit status (temporary)" 75 "$rc"
    check_eq "zip without libarchive: the log names the package" 1 \
        "$(grep -c '"outcome":"tempfail".*"reason_class":"io-error".*install libarchive13' "$T/log-nolib")"
    check_eq "zip without libarchive: nothing stored or quarantined" "0|0" \
        "$(sql "$T/nolib.db" "SELECT (SELECT count(*) FROM reports), (SELECT count(*) FROM quarantine)" | tr '\t' '|')"
    rc=0; "$TLSRPTD" ingest --db "$T/nolib.db" "$T/two.zip" > "$T/log-lib" 2>&1 || rc=$?
    check_eq "zip with libarchive again: both reports stored" "0|2" \
        "$rc|$(sql "$T/nolib.db" "SELECT count(*) FROM reports")"
else
    echo "skip: zip without libarchive (needs root, libarchive13, unshare and mount)"
fi
rc=0; "$TLSRPTD" ingest --db "$T/fwd.db" "$T/fwd.eml" > "$T/log12" 2>&1 || rc=$?
check_eq "forwarded report mail: exit status" 0 "$rc"
check_eq "forwarded report mail: its report and the enclosed one stored" 2 \
    "$(sql "$T/fwd.db" "SELECT count(*) FROM reports")"

# --- the log is UTF-8 whatever the headers hold: 8-bit bytes are escaped ----
printf 'From: Andr\351 <reports@example.org>\nSubject: caf\351 \377 report\nMessage-ID: <latin1@example.org>\nContent-Type: text/plain\n\nnot a report\n' > "$T/latin1.eml"
rc=0; "$TLSRPTD" ingest --db "$T/latin1.db" "$T/latin1.eml" > "$T/log13" 2>&1 || rc=$?
check_eq "8-bit headers: quarantined as no report" 1 "$rc"
check_eq "8-bit headers: every log line is strict UTF-8 JSON" ok "$(python3 -c '
import json, sys
for line in open(sys.argv[1], "rb"):
    json.loads(line.decode("utf-8"))
print("ok")' "$T/log13" 2>&1 | tail -n 1)"
check_grep "8-bit headers: the bytes are escaped" 'caf\ufffd \ufffd report' "$T/log13"

finish
