#!/bin/bash
# A Debian 12 image for the systemd tests, in LXC's image-server layout:
#   debian-image.sh KIND MIRROR      KIND: systemd | sysvinit
# Builds the rootfs once with debootstrap (minbase plus KIND's init) from the
# archive apt uses, caches rootfs.tar.xz and meta.tar.xz under
# /var/cache/mgr-test-debian (MGR_DEBIAN_CACHE), and publishes them under
# MIRROR (images/debian/bookworm/amd64/KIND/BUILD, index-system). Prints the
# image's folder in the mirror. Exit 77 when the image cannot be built here.
set -u
kind=$1 M=$2
CACHE=${MGR_DEBIAN_CACHE:-/var/cache/mgr-test-debian}
SUITE=bookworm
case "$kind" in
  systemd) include=systemd,systemd-sysv,dbus,iproute2 ;;
  sysvinit) include=sysvinit-core,iproute2 ;;
  *) echo "debian-image.sh: KIND is systemd or sysvinit, not $kind" >&2; exit 2 ;;
esac
loud() { printf '\n!!! %s\n\n' "$*" >&2; }

# The archive apt uses: deb822 .sources first, then one-line sources.
mirror_url() {
  local f
  for f in /etc/apt/sources.list.d/*.sources; do
    [ -f "$f" ] || continue
    awk -v s="$SUITE" 'BEGIN{RS=""} /(^|\n)Suites:[^\n]*/ {
        split($0, l, "\n"); u=""; ok=0
        for (i in l) { if (l[i] ~ /^URIs:/) { sub(/^URIs:[ \t]*/, "", l[i]); split(l[i], w, " "); u=w[1] }
                       if (l[i] ~ /^Suites:/ && (" " l[i] " ") ~ (" " s " ")) ok=1 }
        if (ok && u != "" && u !~ /security/) { print u; exit } }' "$f"
  done
  cat /etc/apt/sources.list /etc/apt/sources.list.d/*.list 2>/dev/null \
    | awk -v s="$SUITE" '$1 == "deb" && $0 !~ /security/ { for (i = 2; i <= NF; i++) if ($i == s) { print ($2 ~ /^\[/ ? $3 : $2); exit } }'
}

# The version names what this script puts in the image: a change to it
# (below) bumps it, and the next run builds afresh.
dir="$CACHE/$SUITE-$kind-2"
mkdir -p "$CACHE"
exec 9>"$CACHE/.lock"
# A parallel run (distcheck) waits for the build rather than doing it twice.
flock -w 1200 9 || { loud "SKIP: $CACHE/.lock is held for 20 minutes"; exit 77; }
if [ ! -f "$dir/rootfs.tar.xz" ] || [ ! -f "$dir/meta.tar.xz" ]; then
  command -v debootstrap >/dev/null || { loud "SKIP: debootstrap is not installed (./quickstart.sh check installs it)"; exit 77; }
  url=$(mirror_url | head -1)
  [ -n "$url" ] || { loud "SKIP: no Debian archive for $SUITE in /etc/apt/sources*"; exit 77; }
  tmp="$dir.tmp"
  umount -R "$tmp/rootfs" 2>/dev/null
  rm -rf "$tmp" && mkdir -p "$tmp/rootfs" "$tmp/meta"
  echo "# building the $kind Debian rootfs with debootstrap from $url (once; cached in $dir)" >&2
  if ! timeout 1200 debootstrap --variant=minbase --include="$include" "$SUITE" "$tmp/rootfs" "$url" \
       > "$tmp/debootstrap.log" 2>&1; then
    tail -20 "$tmp/debootstrap.log" >&2
    umount -R "$tmp/rootfs" 2>/dev/null
    loud "SKIP: debootstrap of $SUITE from $url failed (log above)"
    rm -rf "$tmp"; exit 77
  fi
  r="$tmp/rootfs"
  rm -rf "$r"/var/cache/apt/archives/*.deb "$r"/var/lib/apt/lists/* "$r"/etc/machine-id
  # As distribution images ship: the hostname is a template, machine-id is
  # made at first boot.
  echo LXC_NAME > "$r/etc/hostname"
  : > "$r/etc/machine-id"
  printf '127.0.0.1 localhost\n127.0.1.1 LXC_NAME\n' > "$r/etc/hosts"
  # sysvinit acts on SIGPWR through inittab's powerfail entries; Debian's
  # point at a UPS script. LXC's debian template makes it a shutdown, and so
  # do container images of sysvinit distributions.
  [ "$kind" = sysvinit ] && printf '# A container is stopped with SIGPWR.\np0::powerfail:/sbin/init 0\n' >> "$r/etc/inittab"
  tar -C "$r" --numeric-owner -cf - . | xz -T2 -1 > "$tmp/rootfs.tar.xz" || { loud "SKIP: packing the rootfs failed"; rm -rf "$tmp"; exit 77; }
  cat > "$tmp/meta/config" <<'CONF'
lxc.include = LXC_TEMPLATE_CONFIG/debian.common.conf
lxc.arch = x86_64
CONF
  cp "$tmp/meta/config" "$tmp/meta/config-user"
  echo "lxc.include = LXC_TEMPLATE_CONFIG/debian.userns.conf" >> "$tmp/meta/config-user"
  printf '/etc/hostname\n/etc/hosts\n' > "$tmp/meta/templates"
  # Device nodes cannot be made in a user namespace: LXC's images list them.
  ( cd "$r" && find . \( -type c -o -type b \) ) > "$tmp/meta/excludes-user"
  tar -C "$tmp/meta" -cJf "$tmp/meta.tar.xz" .
  rm -rf "$r" "$tmp/meta"
  rm -rf "$dir" && mv "$tmp" "$dir"
fi
exec 9>&-

build=$(date -u -r "$dir/rootfs.tar.xz" +%Y%m%d_%H:%M)
img="images/debian/$SUITE/amd64/$kind/$build"
mkdir -p "$M/meta/1.0" "$M/$img"
ln -sf "$dir/rootfs.tar.xz" "$M/$img/rootfs.tar.xz"
ln -sf "$dir/meta.tar.xz" "$M/$img/meta.tar.xz"
echo "debian;$SUITE;amd64;$kind;$build;/$img/" >> "$M/meta/1.0/index-system"
echo "$img"
