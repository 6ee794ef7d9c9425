#!/bin/sh
# startstop.sh - a stop signal at any moment of start-up is an orderly stop:
# tlsrptd run with the milter, SMTP and HTTP listeners on gets SIGTERM,
# SIGHUP or SIGINT after a delay that walks through its start-up (from
# before the configuration is read to after libmilter listens), and must
# exit 0 each time, log "stopped" with status 0, and remove its socket.
# STARTSTOP_ROUNDS (default 40) sets how many starts; the delays spread
# over the first STARTSTOP_SPAN_MS (default 300) milliseconds.
. "$(dirname "$0")/lib.sh"
need python3

rounds=${STARTSTOP_ROUNDS:-40}
if [ -n "${TLSRPTD_REAL:-}" ]; then
	# make valgrind: valgrind takes the signals for the guest and its own
	# mask is what /proc shows, so the moments here mean nothing there
	# (run.sh covers start and stop under valgrind)
	echo "SKIP: $(basename "$0"): signal timing does not fit valgrind"
	exit 0
fi
span=${STARTSTOP_SPAN_MS:-300}
conf="$T/tlsrptd.conf"
sock="$T/run/milter.sock"
tlog="$T/tlsrptd.log"
mkdir -p "$T/db"

# ports - two free loopback ports for the SMTP and HTTP listeners
ports=$(python3 -c '
import socket
s = [socket.socket() for _ in range(2)]
for x in s: x.bind(("127.0.0.1", 0))
print(" ".join(str(x.getsockname()[1]) for x in s))')
set -- $ports
cat > "$conf" <<EOF
database = $T/db/tlsrptd.db
log = $tlog
rua = tlsrpt@tlsrpt.test
milter_socket = unix:$sock
smtp_listen = 127.0.0.1:$1
http_listen = 127.0.0.1:$2
shutdown_timeout = 15
EOF

# The signal is sent from python, which can sleep for a fraction of a
# millisecond, and waits for the exit status. The delay counts from the
# moment tlsrptd has blocked the stop signals (its first act in "run"; a
# signal before that, while the program is still being loaded, ends any
# process), read from SigBlk in /proc/PID/status.
cat > "$T/race.py" <<'PYEOF'
# race.py TLSRPTD CONF SIGNAL DELAY_MS - start, signal DELAY_MS after the
# stop signals are blocked, print the exit status
import os, signal, subprocess, sys, time
STOP = (1 << (signal.SIGHUP - 1)) | (1 << (signal.SIGINT - 1)) | \
    (1 << (signal.SIGTERM - 1))
p = subprocess.Popen([sys.argv[1], "run", "-c", sys.argv[2]],
                     stdout=open(os.devnull, "w"), stderr=subprocess.STDOUT)
deadline = time.time() + 10
while time.time() < deadline:
    try:
        with open("/proc/%d/status" % p.pid) as f:
            blk = [l for l in f if l.startswith("SigBlk:")][0]
    except (OSError, IndexError):
        break
    if int(blk.split()[1], 16) & STOP == STOP:
        break
time.sleep(float(sys.argv[4]) / 1000.0)
p.send_signal(getattr(signal, sys.argv[3]))
try:
    print(p.wait(timeout=30))
except subprocess.TimeoutExpired:
    p.kill()
    print("hung")
PYEOF

i=0
bad=0
while [ $i -lt "$rounds" ]; do
	case $((i % 3)) in
	0) sig=SIGTERM ;;
	1) sig=SIGHUP ;;
	*) sig=SIGINT ;;
	esac
	# spread the delays evenly over the span, with a varying fraction
	delay=$(awk -v i=$i -v n="$rounds" -v s="$span" \
	    'BEGIN { printf "%.3f", s * i / n + (i * 37 % 10) / 10 }')
	st=$(python3 "$T/race.py" "$TLSRPTD" "$conf" $sig "$delay")
	if [ "$st" != 0 ]; then
		fail "round $i: $sig after ${delay} ms: exit status $st"
		bad=$((bad + 1))
	fi
	if [ -e "$sock" ]; then
		fail "round $i: $sig after ${delay} ms: socket left behind"
		rm -f "$sock"
	fi
	[ $bad -lt 5 ] || break
	i=$((i + 1))
done
ok
check_eq "every round logged an orderly stop" 0 \
    "$(grep '"event":"stopped"' "$tlog" | grep -vc '"status":0' || true)"
# a round stopped before the log was open leaves no line; the rest did
check_eq "no failure logged" 0 \
    "$(grep -c 'smfi_main failed\|"status":70' "$tlog" || true)"
finish
