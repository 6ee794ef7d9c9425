#!/bin/sh
# bench.sh - make bench entry point: bench.sh /path/to/tlsrptd
set -eu
here=$(cd "$(dirname "$0")" && pwd)
exec python3 "$here/bench.py" --tlsrptd "$1"
