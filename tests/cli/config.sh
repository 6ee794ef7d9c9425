#!/bin/sh
# config.sh - tlsrptd check-config as an operator runs it: the tree's configs,
# file:line errors, a missing file, --dump that loads back, --help.
. "$(dirname "$0")/lib.sh"

# run NAME ARGS... - the command's exit status in $rc, output in $T/NAME.out/err
run() {
	n=$1; shift
	rc=0; "$TLSRPTD" "$@" > "$T/$n.out" 2> "$T/$n.err" || rc=$?
}

# --- the development configuration from the tree is usable -------------------
run dev check-config -c "$TOP/conf/tlsrptd-dev.conf"
check_eq "dev config: exit status" 0 "$rc"
check_grep "dev config: OK line" "$TOP/conf/tlsrptd-dev.conf: OK" "$T/dev.out"

# --- and so is the installed default ------------------------------------------
run inst check-config -c "$TOP/conf/tlsrptd.conf"
check_eq "installed config: exit status" 0 "$rc"
check_grep "installed config: OK line" ": OK" "$T/inst.out"

# --- an unknown key: 78 and the file:line on stderr -----------------------------
printf '# test\nrua = tlsrpt@example.com\nfoo = 1\n' > "$T/unknown.conf"
run unknown check-config -c "$T/unknown.conf"
check_eq "unknown key: exit status" 78 "$rc"
check_grep "unknown key: message" "$T/unknown.conf:3: unknown key \"foo\"" "$T/unknown.err"
check_eq "unknown key: nothing on stdout" "" "$(cat "$T/unknown.out")"

# --- a bad value names the key and the line --------------------------------------
printf 'rua = tlsrpt@example.com\nqueue_limit = 0\n' > "$T/range.conf"
run range check-config -c "$T/range.conf"
check_eq "out of range: exit status" 78 "$rc"
check_grep "out of range: message" "$T/range.conf:2: queue_limit: 0 is below the minimum 1" "$T/range.err"

# --- loadable but not runnable: no rua address ------------------------------------
printf 'log = stdout\n' > "$T/norua.conf"
run norua check-config -c "$T/norua.conf"
check_eq "no rua: exit status" 78 "$rc"
check_grep "no rua: message" "no rua address" "$T/norua.err"

# --- a missing file ----------------------------------------------------------------
run missing check-config -c "$T/does-not-exist.conf"
check_eq "missing file: exit status" 78 "$rc"
check_grep "missing file: message" "$T/does-not-exist.conf: cannot open: No such file or directory" "$T/missing.err"

# --- --dump prints a configuration that loads back the same --------------------------
mkdir "$T/d"
printf 'rua = A@Example.COM, @example.org\ndatabase = data/t.db\nmessage_size_limit = 2048K\nmilter_socket = inet:8891@127.0.0.1\n' > "$T/d/t.conf"
run dump check-config -c "$T/d/t.conf" --dump
check_eq "dump: exit status" 0 "$rc"
check_grep "dump: rua lower-cased" "rua = a@example.com" "$T/dump.out"
check_grep "dump: relative path resolved" "database = $(cd "$T/d" && pwd -P)/data/t.db" "$T/dump.out"
check_grep "dump: size in its unit" "message_size_limit = 2M" "$T/dump.out"
cp "$T/dump.out" "$T/d/again.conf"
run dump2 check-config -c "$T/d/again.conf" --dump
check_eq "dump reloaded: exit status" 0 "$rc"
check_eq "dump reloaded: same values" "$(grep -v '^#' "$T/dump.out")" "$(grep -v '^#' "$T/dump2.out")"

# --- --help and usage errors --------------------------------------------------------
run help check-config --help
check_eq "--help: exit status" 0 "$rc"
check_grep "--help: usage line" "usage: tlsrptd check-config" "$T/help.out"
run usage check-config --no-such-option
check_eq "bad option: exit status" 64 "$rc"
run listed --help
check_grep "check-config listed in tlsrptd --help" "check-config" "$T/listed.out"

finish
