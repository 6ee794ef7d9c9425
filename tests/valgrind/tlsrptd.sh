#!/bin/sh
# tlsrptd under valgrind's memcheck: used as $TLSRPTD by `make valgrind`.
# Each process writes its own log to $VALGRIND_LOGS; the make target fails
# when any log reports an error or a leak. The pid stays the daemon's (so
# tests can signal it) and its exit status passes through.
: "${VALGRIND_LOGS:?}"
: "${TLSRPTD_REAL:?}"
exec valgrind --quiet --vgdb=no --tool=memcheck --leak-check=full \
    --show-leak-kinds=definite,indirect --errors-for-leak-kinds=definite,indirect \
    --track-fds=no --num-callers=30 \
    --suppressions="$(dirname "$0")/tlsrptd.supp" \
    --log-file="$VALGRIND_LOGS/tlsrptd.%p.log" "$TLSRPTD_REAL" "$@"
