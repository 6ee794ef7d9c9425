#!/bin/sh
# func-lengths.sh [MAX] [FILE...] - list the functions longer than MAX lines
# (default 80) in FILE... (default every .c of src/), longest first, as
# "LINES FILE:LINE NAME". It reads our layout, not C: a function's name starts
# a line at column 0 and is followed by "(", its body ends at the next line
# that is "}" alone at column 0; a length counts the lines from the name to
# that brace. Exits 0 whatever it finds.
max=80
case "${1:-}" in
[0-9]*) max=$1; shift ;;
esac
[ $# -gt 0 ] || set -- src/*.c src/*/*.c
awk -v max="$max" '
FNR == 1 { name = "" }
/^[A-Za-z_][A-Za-z0-9_]*\(.*\);$/ { next }	# a declaration
/^[A-Za-z_][A-Za-z0-9_]*\(/ && name == "" {
	name = $0; sub(/\(.*/, "", name); start = FNR; next
}
/^[A-Za-z_][A-Za-z0-9_]*\(/ { next }
/^}/ && name != "" {
	n = FNR - start + 1
	if (n > max)
		printf "%d %s:%d %s\n", n, FILENAME, start, name
	name = ""
}
' "$@" | sort -rn
