#!/bin/sh
# deps.sh - install the Debian packages tlsrptd needs to build and test.
# As root it runs apt-get; otherwise it prints the exact command to run.
# Usage: tools/deps.sh [build|test|all]   (default: all)
set -eu

BUILD="build-essential pkg-config libjson-c-dev zlib1g-dev libsqlite3-dev
libevent-dev libmilter-dev libssl-dev libsystemd-dev libopendkim-dev
libpsl-dev publicsuffix"
TEST="libcmocka-dev clang libclang-rt-dev sqlite3 valgrind postfix swaks
miltertest curl python3 time openssl python3-dkim python3-nacl dnsmasq-base
unbound"

case "${1:-all}" in
build) want="$BUILD" ;;
test) want="$TEST" ;;
*) want="$BUILD $TEST" ;;
esac

missing=""
for p in $want; do
	st=$(dpkg-query -W -f='${Status}' "$p" 2>/dev/null || true)
	case "$st" in
	*" installed") ;;
	*) missing="$missing $p" ;;
	esac
done
[ -z "$missing" ] && exit 0

cmd="apt-get install -y --no-install-recommends$missing"
if [ "$(id -u)" -ne 0 ]; then
	echo "tlsrptd: missing Debian packages:$missing" >&2
	echo "run as root: apt-get update && $cmd" >&2
	exit 1
fi
echo "tlsrptd: installing$missing" >&2
export DEBIAN_FRONTEND=noninteractive
# postfix: install without writing a system mail configuration
echo "postfix postfix/main_mailer_type select No configuration" | debconf-set-selections
apt-get update -qq
# shellcheck disable=SC2086
apt-get install -y -qq --no-install-recommends $missing >/dev/null
