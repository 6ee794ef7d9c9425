# lib.sh - helpers for the command-line tests (sourced; POSIX sh)
# $TLSRPTD is the binary under test; TOP is the source tree.
set -eu
TOP=$(cd "$(dirname "$0")/../.." && pwd)
: "${TLSRPTD:=$TOP/build/tlsrptd}"
T=$(mktemp -d /tmp/tlsrptd-test.XXXXXX)
trap 'rm -rf "$T"' EXIT
failures=0
passes=0

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
