#!/bin/sh
# bench.sh - make bench entry point: bench.sh /path/to/tlsrptd
set -eu
here=$(cd "$(dirname "$0")" && pwd)
python3 "$here/bench.py" --tlsrptd "$1"
# messages/s through Postfix with the milter vs without (needs root)
sh "$here/milter_bench.sh" "$1"
# reports/s POSTed to the HTTP endpoint vs a no-op evhttp server
sh "$here/http_bench.sh" "$1"
# messages/s into the own SMTP listener vs smtp-sink, peak RSS with 100 sessions
sh "$here/smtp_bench.sh" "$1"
