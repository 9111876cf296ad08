#!/bin/bash
# Builds a mirror in LXC's image-server layout from the busybox template:
#   make-mirror.sh MIRROR WORK     (prints the image's path in the mirror)
# index-system, and under images/busybox/1.35/amd64/default/BUILD/:
# rootfs.tar.xz (with a device node, for excludes-user), meta.tar.xz
# (config, config-user, excludes-user, expiry, templates, create-message),
# SHA256SUMS.
set -eu
M=$1 W=$2
SRC=${MGR_SRCDIR:-$(cd "$(dirname "$0")/../.." && pwd)}
build=${MIRROR_BUILD:-20261123_01:00}
img="images/busybox/1.35/amd64/default/$build"
mkdir -p "$M/meta/1.0" "$M/$img" "$W/img/rootfs" "$W/img/meta"
"$SRC/templates/mgr-busybox" --name IMG --path "$W/img" --rootfs "$W/img/rootfs"
echo LXC_NAME > "$W/img/rootfs/etc/hostname"
mknod "$W/img/rootfs/dev/testnode" c 1 3
tar -cJf "$M/$img/rootfs.tar.xz" --numeric-owner -C "$W/img/rootfs" .
cat > "$W/img/meta/config" <<'CONF'
lxc.include = LXC_TEMPLATE_CONFIG/common.conf
lxc.arch = x86_64
lxc.init.cmd = /sbin/init
lxc.signal.halt = SIGUSR2
lxc.tty.max = 4
CONF
cp "$W/img/meta/config" "$W/img/meta/config-user"
echo "lxc.include = LXC_TEMPLATE_CONFIG/userns.conf" >> "$W/img/meta/config-user"
echo "./dev/testnode" > "$W/img/meta/excludes-user"
echo $(( $(date +%s) + 3600 )) > "$W/img/meta/expiry"
echo "/etc/hostname" > "$W/img/meta/templates"
echo "Welcome to the test image." > "$W/img/meta/create-message"
tar -cJf "$M/$img/meta.tar.xz" -C "$W/img/meta" .
( cd "$M/$img" && sha256sum meta.tar.xz rootfs.tar.xz > SHA256SUMS )
echo "busybox;1.35;amd64;default;$build;/$img/" > "$M/meta/1.0/index-system"
# Ordinary users read index-user (the same images on the public servers).
cp "$M/meta/1.0/index-system" "$M/meta/1.0/index-user"
echo "$img"
