# postfix.sh - a throwaway Postfix instance on loopback, for the milter test
# and the milter bench (sourced; POSIX sh). The instance lives in one
# directory: conf/, queue/, data/ (owned by postfix) and log/maillog.

# pf_free_port - a loopback TCP port nobody listens on, near 20000 + $$
pf_free_port() {
	_port=$((20000 + $$ % 20000))
	while command -v ss > /dev/null 2>&1 &&
	    [ -n "$(ss -Hltn "sport = :$_port" 2> /dev/null)" ]; do
		_port=$((_port + 1))
	done
	echo "$_port"
}

# pf_write_config DIR PORT HOSTNAME RELAY_DOMAINS TRANSPORT_MAPS MILTERS [EXTRA]
# - main.cf and master.cf of an instance that accepts mail on 127.0.0.1:PORT,
# delivers nothing (TRANSPORT_MAPS sends the relay domains to discard:) and
# hands mail to MILTERS (may be empty). EXTRA lines are appended to main.cf.
pf_write_config() {
	cat > "$1/conf/main.cf" <<PFEOF
compatibility_level = 3.6
queue_directory = $1/queue
data_directory = $1/data
maillog_file = $1/log/maillog
maillog_file_prefixes = $1/log
inet_interfaces = loopback-only
inet_protocols = ipv4
myhostname = $3
mydestination =
mynetworks = 127.0.0.0/8
relay_domains = $4
transport_maps = $5
default_transport = error:no outbound mail from the test instance
local_transport = error:no local delivery
alias_maps =
alias_database =
smtputf8_enable = no
biff = no
smtpd_milters = $6
milter_default_action = tempfail
milter_protocol = 6
${7:-}
PFEOF
	cat > "$1/conf/master.cf" <<PFEOF
127.0.0.1:$2 inet n - n - - smtpd
cleanup   unix n - n - 0 cleanup
qmgr      unix n - n 300 1 qmgr
rewrite   unix - - n - - trivial-rewrite
bounce    unix - - n - 0 bounce
defer     unix - - n - 0 bounce
trace     unix - - n - 0 bounce
verify    unix - - n - 1 verify
flush     unix n - n 1000? 0 flush
proxymap  unix - - n - - proxymap
showq     unix n - n - - showq
error     unix - - n - - error
retry     unix - - n - - error
discard   unix - - n - - discard
anvil     unix - - n - 1 anvil
scache    unix - - n - 1 scache
postlog   unix-dgram n - n - 1 postlogd
PFEOF
}

# pf_start DIR PORTVAR - start the instance written by pf_write_config in
# DIR. When its port was taken between pf_free_port and the start (another
# test's server on the same machine), it moves to the next free port and
# tries again, setting the variable named PORTVAR; any other failure, or a
# fifth one, ends the test with Postfix's own words and its log.
pf_start() {
	_pd=$1 _pv=$2 _try=0
	while ! postfix -c "$_pd/conf" start > "$_pd/postfix-start" 2>&1; do
		_try=$((_try + 1))
		if [ $_try -lt 5 ] && grep -q 'in use' "$_pd/log/maillog" 2> /dev/null; then
			postfix -c "$_pd/conf" stop > /dev/null 2>&1 || true
			eval "_old=\$$_pv"
			_new=$(pf_free_port)
			[ "$_new" != "$_old" ] || _new=$((_old + 1))
			sed -i "s/^127\.0\.0\.1:$_old /127.0.0.1:$_new /" "$_pd/conf/master.cf"
			: > "$_pd/log/maillog"
			eval "$_pv=\$_new"
			continue
		fi
		echo "FAIL: the test Postfix did not start:" >&2
		cat "$_pd/postfix-start" >&2
		tail -n 20 "$_pd/log/maillog" >&2 2> /dev/null || true
		exit 1
	done
}
