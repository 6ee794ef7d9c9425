# table.sh - sourced by the bench scripts: one row of make bench's table.
#
# bench_row WAY RATE UNIT PEER PEER_RATE TARGET PEAK_KIB NOTE
#   WAY        what was measured ("bulk ingest", "SMTP listener", ...)
#   RATE UNIT  tlsrptd's median rate and its unit ("msg/s")
#   PEER       the peer under the same load, PEER_RATE its median rate
#   TARGET     the ratio aimed at, or "-"
#   PEAK_KIB   tlsrptd's peak resident memory in KiB, or "-"
#   NOTE       runs, sizes: a few words
# Appends a tab-separated line to $BENCH_TABLE when that is set (bench.sh
# sets it and prints the table at the end); otherwise does nothing.
bench_row() {
	[ -n "${BENCH_TABLE:-}" ] || return 0
	printf '%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\n' "$1" "$2" "$3" "$4" "$5" \
	    "$6" "$7" "$8" >> "$BENCH_TABLE"
}
