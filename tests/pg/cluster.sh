#!/bin/sh
# cluster.sh - a throwaway PostgreSQL 15 cluster for the tests
#
#   cluster.sh start DIR     create and start a cluster in DIR (made if
#                            absent); prints its libpq conninfo
#   cluster.sh stop DIR      stop it (at once: its data goes) and remove DIR
#   cluster.sh restart DIR   stop (fast) and start again, same data
#   cluster.sh crash DIR     stop at once, as a power cut would for the
#                            clients (-m immediate); DIR stays
#   cluster.sh up DIR        start a stopped cluster again
#   cluster.sh standby DIR PRIMARY
#                            a hot standby of the cluster in PRIMARY, in
#                            DIR (read-only); prints its conninfo
#
# The server listens on a unix socket in DIR only (no TCP), trusts every
# local connection and has one superuser, tlsrptd. As root it runs as
# nobody (PostgreSQL refuses to run as root); otherwise as the caller.
# fsync and synchronous_commit keep their defaults: the tests kill the
# server and expect committed rows to be there afterwards.
# Exit status 0 on success; on failure the reason goes to stderr (the
# server log's tail when the server did not start).
set -eu

PGBIN=${PGBIN:-/usr/lib/postgresql/15/bin}

# die MSG - say why and stop
die() { echo "cluster.sh: $*" >&2; exit 1; }

# as_owner CMD... - run CMD as the user owning the cluster
as_owner() {
	if [ "$(id -u)" -eq 0 ]; then
		runuser -u nobody -- "$@"
	else
		"$@"
	fi
}

# server_start - start the cluster in $dir, every start with the same options
server_start() {
	as_owner "$PGBIN/pg_ctl" -D "$dir/data" -l "$dir/log" -w -t 30 \
	    -o "-k $dir -c listen_addresses=''" start > /dev/null || {
		tail -n 20 "$dir/log" >&2 2> /dev/null || true
		die "the server in $dir did not start"
	}
}

[ $# -eq 2 ] || { [ $# -eq 3 ] && [ "$1" = standby ]; } ||
    die "usage: cluster.sh start|stop|restart|crash|up DIR," \
    "cluster.sh standby DIR PRIMARY"
cmd=$1
case "$2" in
/*) dir=$2 ;;
*) dir=$(pwd)/$2 ;;
esac
case "${3:-}" in
/* | "") primary=${3:-} ;;
*) primary=$(pwd)/$3 ;;
esac
# the server's user may not enter the caller's directory (a checkout under
# /root): every path is absolute now
cd /
[ -x "$PGBIN/initdb" ] || die "$PGBIN/initdb not found: install postgresql-15"

case "$cmd" in
start)
	mkdir -p "$dir"
	# a unix socket path has at most 107 bytes
	[ ${#dir} -le 80 ] || die "$dir: too long a path for a unix socket"
	[ "$(id -u)" -ne 0 ] || chown nobody "$dir"
	as_owner "$PGBIN/initdb" -D "$dir/data" -U tlsrptd --auth=trust \
	    -E UTF8 --locale=C > "$dir/initdb.log" 2>&1 || {
		tail -n 20 "$dir/initdb.log" >&2
		die "initdb in $dir failed"
	}
	server_start
	echo "host=$dir user=tlsrptd dbname=postgres"
	;;
stop)
	if [ -f "$dir/data/postmaster.pid" ]; then
		as_owner "$PGBIN/pg_ctl" -D "$dir/data" -m immediate -w stop \
		    > /dev/null 2>&1 || true
	fi
	rm -rf "$dir"
	;;
restart)
	as_owner "$PGBIN/pg_ctl" -D "$dir/data" -m fast -w stop > /dev/null
	server_start
	;;
crash)
	as_owner "$PGBIN/pg_ctl" -D "$dir/data" -m immediate -w stop > /dev/null
	;;
up)
	server_start
	;;
standby)
	mkdir -p "$dir"
	[ ${#dir} -le 80 ] || die "$dir: too long a path for a unix socket"
	[ "$(id -u)" -ne 0 ] || chown nobody "$dir"
	# -R: standby.signal and the primary's conninfo; the primary's
	# authentication (trust) lets the replication connection in
	as_owner "$PGBIN/pg_basebackup" -D "$dir/data" -h "$primary" \
	    -U tlsrptd -R -X stream -c fast > "$dir/basebackup.log" 2>&1 || {
		tail -n 20 "$dir/basebackup.log" >&2
		die "pg_basebackup of $primary into $dir failed"
	}
	server_start
	echo "host=$dir user=tlsrptd dbname=postgres"
	;;
*)
	die "unknown command $cmd"
	;;
esac
