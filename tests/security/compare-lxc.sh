#!/bin/bash
# Runs the security probes in an LXC 5.0 privileged container with LXC's
# default config (common.conf), for comparison with mgr's results.
#   sudo tests/security/compare-lxc.sh PROBE-BINARY ROOTFS
# (apt-get install lxc; ROOTFS is any busybox rootfs, such as one mgr-create made)
set -eu
probe=$1 rootfs=$2
L=$(mktemp -d /tmp/lxc-probe-XXXXXX)
trap 'lxc-stop -k -P "$L" -n p >/dev/null 2>&1; rm -rf "$L"' EXIT
mkdir -p "$L/p"
cp -a "$rootfs" "$L/p/rootfs"
chown -R 0:0 "$L/p/rootfs"
install -m 755 "$probe" "$L/p/rootfs/probe"
cat > "$L/p/config" <<CONF
lxc.include = /usr/share/lxc/config/common.conf
lxc.rootfs.path = dir:$L/p/rootfs
lxc.init.cmd = /sbin/init
lxc.net.0.type = empty
CONF
lxc-start -P "$L" -n p -d
sleep 1
exec 7</etc/hostname
lxc-attach -P "$L" -n p -- /probe all
