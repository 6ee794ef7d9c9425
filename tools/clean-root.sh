#!/bin/sh
# clean-root.sh - the README's set-up, rehearsed as a newcomer meets it: a
# minimal Debian 12 root is made with mmdebstrap (its archive is the one in
# this machine's own apt sources file), a clean clone of the commit checked
# out here is copied into it, and tools/newcomer.sh runs there under
# chroot: "make check", "make run" with one report by SMTP and one by HTTP,
# and "make install". Nothing this machine has installed can hide a missing
# step. Needs root. Usage: tools/clean-root.sh [SOURCES_FILE]
#   SOURCES_FILE  deb822 apt sources (default: the first enabled file of
#                 /etc/apt/sources.list.d/*.sources, else /etc/apt/sources.list)
#   KEEP_ROOT=1   keep the root afterwards (its path is printed)
set -eu
TOP=$(cd "$(dirname "$0")/.." && pwd)
[ "$(id -u)" -eq 0 ] || { echo "clean-root.sh: run as root" >&2; exit 1; }

sources=${1:-}
if [ -z "$sources" ]; then
	for f in /etc/apt/sources.list.d/*.sources /etc/apt/sources.list; do
		[ -f "$f" ] && grep -q 'debian' "$f" && { sources=$f; break; }
	done
fi
[ -n "$sources" ] && [ -f "$sources" ] ||
    { echo "clean-root.sh: no apt sources file found" >&2; exit 1; }

export DEBIAN_FRONTEND=noninteractive
if ! command -v mmdebstrap > /dev/null 2>&1; then
	apt-get -o DPkg::Lock::Timeout=600 update -qq
	apt-get -o DPkg::Lock::Timeout=600 install -y -qq \
	    --no-install-recommends mmdebstrap > /dev/null
fi

root=$(mktemp -d /var/tmp/tlsrptd-clean-root.XXXXXX)
mounted=""
# cleanup - unmount what was mounted (deepest first), then remove the root;
# a mount that will not go away keeps the root, never removes through it
cleanup() {
	rc=$?
	for m in $mounted; do
		umount -R "$root$m" 2> /dev/null || umount -Rl "$root$m" || true
	done
	if [ "${KEEP_ROOT:-0}" = 1 ]; then
		echo "clean-root.sh: root kept in $root"
	elif grep -q " $root/" /proc/self/mounts; then
		echo "clean-root.sh: $root still has mounts; not removed" >&2
	else
		rm -rf "$root"
	fi
	exit $rc
}
trap cleanup EXIT
trap 'exit 1' INT TERM HUP

t0=$(date +%s)
echo "== clean root: mmdebstrap bookworm from $sources"
mmdebstrap --quiet --variant=apt bookworm "$root" "$sources"
cp /etc/resolv.conf "$root/etc/resolv.conf"
# the host's loopback names (the root shares its network)
printf '127.0.0.1\tlocalhost\n::1\tlocalhost ip6-localhost ip6-loopback\n' \
    > "$root/etc/hosts"
# as in any chroot: packages' maintainer scripts start no services (unbound,
# postfix) that would outlive the rehearsal on the shared loopback
printf '#!/bin/sh\nexit 101\n' > "$root/usr/sbin/policy-rc.d"
chmod 0755 "$root/usr/sbin/policy-rc.d"
echo "== clean root made in $(($(date +%s) - t0)) s"

# a clean clone of the commit checked out here, as a newcomer's git clone
rev=$(git -C "$TOP" rev-parse HEAD)
git clone -q --no-hardlinks "$TOP" "$root/root/tlsrptd"
git -C "$root/root/tlsrptd" checkout -q --detach "$rev"
echo "== copied a clean clone of $rev"

mount -t proc proc "$root/proc" && mounted="/proc $mounted"
mount --rbind /sys "$root/sys" && mount --make-rslave "$root/sys" &&
    mounted="/sys $mounted"
mount --rbind /dev "$root/dev" && mount --make-rslave "$root/dev" &&
    mounted="/dev $mounted"
mount -t tmpfs -o mode=1777 tmpfs "$root/tmp" && mounted="/tmp $mounted"

chroot "$root" /usr/bin/env -i PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin \
    HOME=/root LANG=C.UTF-8 TERM=dumb \
    sh /root/tlsrptd/tools/newcomer.sh /root/tlsrptd
echo "== clean root rehearsal passed in $(($(date +%s) - t0)) s"
