#!/bin/sh
# deps.sh - install the Debian packages tlsrptd needs to build and test, then
# check that every tool the tests call is there and can do what the tests
# ask of it. As root it runs apt-get; otherwise it prints the exact command
# to run. Packages are installed without their "recommends", so whatever a
# tool needs for a capability the tests use is listed here by name.
# Usage: tools/deps.sh [build|test|all]   (default: all)
set -eu

# to build: compiler, pkg-config, and the libraries' -dev packages
BUILD="build-essential pkg-config libjson-c-dev zlib1g-dev libsqlite3-dev
libevent-dev libmilter-dev libssl-dev libsystemd-dev libcrypt-dev
libopendkim-dev libpsl-dev publicsuffix libarchive-dev libpq-dev"
# to test: every program the tests, the sanitizer builds and the fuzzers
# call (see TOOLS below for which package brings which command)
TEST="libcmocka-dev clang libclang-rt-dev sqlite3 valgrind postfix swaks
libnet-ssleay-perl libio-socket-ssl-perl miltertest curl python3 time openssl
mawk iproute2 procps mount systemd chromium
python3-dkim python3-nacl dnsmasq-base unbound postgresql-15 postgresql-client-15"

# TOOLS: "command:package" - each command the tests call and where it
# comes from, checked after installing (a missing one names its package)
TOOLS_BUILD="cc:build-essential make:build-essential pkg-config:pkg-config"
TOOLS_TEST="clang:clang sqlite3:sqlite3 valgrind:valgrind postfix:postfix
postconf:postfix postqueue:postfix smtp-source:postfix smtp-sink:postfix
swaks:swaks miltertest:miltertest curl:curl python3:python3 /usr/bin/time:time
openssl:openssl awk:mawk ss:iproute2 pgrep:procps ps:procps mount:mount
umount:mount setpriv:util-linux script:bsdutils systemd-analyze:systemd
chromium:chromium dnsmasq:dnsmasq-base unbound:unbound
/usr/lib/postgresql/15/bin/initdb:postgresql-15
/usr/lib/postgresql/15/bin/pg_ctl:postgresql-15 psql:postgresql-client-15
runuser:util-linux /usr/lib/postgresql/15/bin/pg_basebackup:postgresql-client-15"

case "${1:-all}" in
build) want="$BUILD" tools="$TOOLS_BUILD" ;;
test) want="$TEST" tools="$TOOLS_TEST" ;;
*) want="$BUILD $TEST" tools="$TOOLS_BUILD $TOOLS_TEST" ;;
esac
# one line, words apart by single spaces, for the " $want " matches below
# shellcheck disable=SC2086
want=$(echo $want)

# die MSG - say what is wrong and stop
die() { echo "tlsrptd: $*" >&2; exit 1; }

missing=""
for p in $want; do
	st=$(dpkg-query -W -f='${Status}' "$p" 2>/dev/null || true)
	case "$st" in
	*" installed") ;;
	*) missing="$missing $p" ;;
	esac
done

if [ -n "$missing" ]; then
	cmd="apt-get install -y --no-install-recommends$missing"
	if [ "$(id -u)" -ne 0 ]; then
		echo "tlsrptd: missing Debian packages:$missing" >&2
		echo "run as root: apt-get update && $cmd" >&2
		exit 1
	fi
	echo "tlsrptd: installing$missing" >&2
	export DEBIAN_FRONTEND=noninteractive
	# postfix: install without writing a system mail configuration
	echo "postfix postfix/main_mailer_type select No configuration" |
	    debconf-set-selections
	apt-get -o DPkg::Lock::Timeout=600 update -qq
	# shellcheck disable=SC2086
	apt-get -o DPkg::Lock::Timeout=600 install -y -qq \
	    --no-install-recommends $missing > /dev/null
fi

# Every command is where the tests look for it.
for t in $tools; do
	c=${t%%:*} p=${t#*:}
	case "$c" in
	/*) [ -x "$c" ] ;;
	*) command -v "$c" > /dev/null 2>&1 ;;
	esac || die "$c not found although package $p is installed: add the" \
	    "package that has it to tools/deps.sh"
done

# Capabilities the tests use that a package only has with its recommends.
case " $want " in
*" swaks "*)
	# STARTTLS tests: swaks needs Net::SSLeay and IO::Socket::SSL
	swaks --support 2>&1 | grep -q '^=== TLS supported' ||
	    die "swaks cannot do STARTTLS (swaks --support says TLS is not" \
	    "available): packages libnet-ssleay-perl and libio-socket-ssl-perl" \
	    "are needed"
	;;
esac
case " $want " in
*" clang "*)
	# the fuzzers and sanitizer builds: clang's libFuzzer and ASan runtime
	echo 'int LLVMFuzzerTestOneInput(const char *d, long n) { return 0; }' |
	    clang -x c -fsanitize=fuzzer,address,undefined -o /dev/null - \
	    > /dev/null 2>&1 ||
	    die "clang cannot link a libFuzzer/ASan program: package" \
	    "libclang-rt-dev is needed"
	;;
esac
case " $want " in
*" python3 "*)
	python3 -c 'import ssl, sqlite3, json, socket' 2> /dev/null ||
	    die "python3 lacks ssl/sqlite3/json: package python3 is incomplete"
	;;
esac
exit 0
