#!/bin/sh
# dkim_bench.sh - bulk ingest of report mails signed by python3-dkim with
# dkim = require against a local dnsmasq, beside the same mails unsigned
# with dkim = off: what verification costs with a warm key cache (one key
# for every mail, as from one big reporter).
#   dkim_bench.sh /path/to/tlsrptd [MAILS] [ROUNDS]
set -eu
here=$(cd "$(dirname "$0")" && pwd)
. "$here/table.sh"
TLSRPTD=$1
n=${2:-5000}
rounds=${3:-3}
TOP=$(cd "$here/.." && pwd)
T=$(mktemp -d /tmp/tlsrptd-dkim-bench.XXXXXX)
. "$TOP/tests/dkim/lib.sh"
trap 'dkim_dns_stop; rm -rf "$T"' EXIT
dkim_dns_start
$PY "$here/dkim_gen.py" "$TOP/tests/corpus/parsedmarc__rfc8460.json" \
    "$DK/rsa.pem" "$n" "$T/signed" "$T/unsigned"
cat > "$T/bench.conf" <<EOC
dkim = require
dkim_resolver = 127.0.0.1:$dns_port
dkim_timeout = 5
EOC

# one RUN_NAME DIR OPTIONS... - seconds for one ingest into a fresh database
one() {
	rm -f "$T/b.db" "$T/b.db-wal" "$T/b.db-shm"
	_d=$1
	shift
	t0=$(date +%s%N)
	"$TLSRPTD" ingest --quiet --db "$T/b.db" "$@" "$_d" > "$T/out" 2>&1 || {
		echo "dkim bench: ingest failed:" >&2
		tail -5 "$T/out" >&2
		exit 1
	}
	t1=$(date +%s%N)
	stored=$(sqlite3 "$T/b.db" "SELECT count(*) FROM reports")
	[ "$stored" -eq "$n" ] || { echo "dkim bench: $stored of $n stored" >&2; exit 1; }
	echo $(((t1 - t0) / 1000000))
}

# alternate the two, keep each one's median
signed="" unsigned=""
i=0
while [ $i -lt "$rounds" ]; do
	signed="$signed $(one "$T/signed" -c "$T/bench.conf")"
	unsigned="$unsigned $(one "$T/unsigned" --dkim off)"
	i=$((i + 1))
done
median() { printf '%s\n' $1 | sort -n | awk '{ a[NR] = $1 } END { print a[int((NR + 1) / 2)] }'; }
ms_s=$(median "$signed")
ms_u=$(median "$unsigned")
rate_s=$(awk -v n="$n" -v ms="$ms_s" 'BEGIN { printf "%.0f", n * 1000 / ms }')
rate_u=$(awk -v n="$n" -v ms="$ms_u" 'BEGIN { printf "%.0f", n * 1000 / ms }')
echo "dkim bench: $n mails, median of $rounds: signed + dkim = require $rate_s msg/s" \
    "($ms_s ms), unsigned + dkim = off $rate_u msg/s ($ms_u ms)"
bench_row "bulk ingest, DKIM require" "$rate_s" "msg/s" \
    "same mails unsigned, dkim = off" "$rate_u" "0.85" "-" \
    "$n mails, median of $rounds, warm key cache"
