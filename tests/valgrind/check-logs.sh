#!/bin/sh
# check-logs.sh DIR - fail when a valgrind log in DIR is not empty (with
# --quiet, memcheck writes only errors and leaks).
dir=$1
n=0; bad=0
for f in "$dir"/*.log; do
	[ -e "$f" ] || continue
	n=$((n + 1))
	if [ -s "$f" ]; then
		bad=$((bad + 1))
		echo "== valgrind: $f"
		head -n 80 "$f"
	fi
done
echo "valgrind: $n process logs, $bad with errors or leaks"
[ "$n" -gt 0 ] && [ "$bad" -eq 0 ]
