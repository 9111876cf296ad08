#!/bin/sh
# Adds one image to a mirror in LXC's image-server layout:
#   add-image.sh MIRROR DIST RELEASE ROOTFS.tar.xz METADIR [BUILD]
# packs METADIR as meta.tar.xz (symbolic links kept as links), copies the
# rootfs, writes SHA256SUMS and appends the image to meta/1.0/index-system.
set -eu
M=$1 dist=$2 release=$3 rootfs=$4 meta=$5 build=${6:-20261123_01:00}
img="images/$dist/$release/amd64/default/$build"
mkdir -p "$M/meta/1.0" "$M/$img"
cp "$rootfs" "$M/$img/rootfs.tar.xz"
tar -cJf "$M/$img/meta.tar.xz" -C "$meta" .
( cd "$M/$img" && sha256sum meta.tar.xz rootfs.tar.xz > SHA256SUMS )
echo "$dist;$release;amd64;default;$build;/$img/" >> "$M/meta/1.0/index-system"
