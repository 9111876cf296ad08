#!/bin/bash
# mgr-create -t download against a mirror in the LXC layout served on
# 127.0.0.1 by tests/download/image-server.py, which can fail on request.
# Also mgr-config import-lxc on the configs Debian's LXC packages ship.
. "${MGR_SRCDIR:-.}/tests/cli/lib.sh"
[ "$(id -u)" -eq 0 ] || { echo "SKIP: the download tests create containers as root"; exit 77; }
export MGR_TEMPLATES_DIR="$MGR_SRCDIR/templates"
# The image cache of this run, through mgr.conf's cache_path.
mkdir -p "$WORK/etc/mgr"
echo "cache_path = \"$WORK/cache\";" > "$WORK/etc/mgr/mgr.conf"
export MGR_SYSCONFDIR="$WORK/etc"
MGR_CACHE_DIR="$WORK/cache"
P="$WORK/containers"
chmod 755 "$WORK"
T=60
m() { local verb=$1; shift; timeout "$T" "$MGR" "$verb" -P "$P" "$@"; }
SERVER_PID=
cleanup() {
  [ -n "$SERVER_PID" ] && kill "$SERVER_PID" 2>/dev/null
  for c in "$P"/*/; do [ -d "$c" ] && timeout 10 "$MGR" destroy -f -P "$P" -n "$(basename "$c")" >/dev/null 2>&1; done
  rm -rf "$WORK"
}
trap cleanup EXIT

# ---- the mirror ----
M="$WORK/mirror"
build=20261123_01:00
img=$(MIRROR_BUILD=$build "$MGR_SRCDIR/tests/download/make-mirror.sh" "$M" "$WORK")

python3 "$MGR_SRCDIR/tests/download/image-server.py" "$M" "$WORK/port" "$WORK/requests" "$WORK/faults" &
SERVER_PID=$!
for i in $(seq 50); do [ -s "$WORK/port" ] && break; sleep 0.1; done
URL="http://127.0.0.1:$(cat "$WORK/port")"
dl() { m create -t download "$@"; }
args="-- --server $URL -d busybox -r 1.35 -a amd64"
requests() { grep -c "$1" "$WORK/requests" 2>/dev/null || true; }

# ---- list and create ----
run m create -t download -- --list --server "$URL"
expect_rc 0 "--list"
expect_in "$OUT" "busybox        1.35           amd64    default    $build" "--list shows the mirror's image"
run dl -n d-u $args
expect_rc 0 "create from the mirror (user namespace by default)"
expect_in "$OUT" "Welcome to the test image." "the image's create-message is shown"
expect_in "$ERR" "checksums verified" "SHA256SUMS is checked"
expect_in "$ERR" "lxc.include: LXC's shipped common settings" "the LXC keys it skipped are named"
ublock=$(sed -n 's/^uid = 0 \([0-9]*\) 65536$/\1/p' "$P/d-u/config")
[ "$(stat -c %u "$P/d-u/rootfs/bin/busybox")" = "$ublock" ] && pass "files are owned by the container's id block ($ublock)" \
  || fail "owner $(stat -c %u "$P/d-u/rootfs/bin/busybox"), block $ublock"
[ ! -e "$P/d-u/rootfs/dev/testnode" ] && pass "excludes-user is honoured (no device node in a user namespace)" || fail "testnode unpacked"
expect_in "$(cat "$P/d-u/rootfs/etc/hostname")" "d-u" "the image's templates get the container's name"
expect_in "$(cat "$P/d-u/config")" "stop.signal = SIGUSR2" "the image's LXC config is translated"
expect_in "$(cat "$P/d-u/config")" "tty.count = 4" "lxc.tty.max becomes tty.count"
run m start -n d-u
expect_rc 0 "the downloaded container starts"
run m attach -n d-u -- hostname
expect_in "$OUT" "d-u" "and runs"
m stop -k -n d-u >/dev/null
run dl -n d-p --privileged $args
expect_rc 0 "create --privileged from the cache"
[ "$(stat -c %u "$P/d-p/rootfs/bin/busybox")" = 0 ] && pass "privileged: files are owned by root" || fail "privileged owner"
[ ! -e "$P/d-p/rootfs/dev/testnode" ] && pass "privileged: the image's device nodes are left out (--keep-devices keeps them)" \
  || fail "device node unpacked"
expect_in "$ERR" "left out the image's 1 device nodes" "and says so"
run m start -n d-p
expect_rc 0 "the privileged container starts"
m stop -k -n d-p >/dev/null

# ---- the cache ----
[ "$(requests rootfs.tar.xz)" = 1 ] && pass "the rootfs was downloaded once for two containers" || fail "rootfs requests: $(requests rootfs.tar.xz)"
before=$(requests index-system)
run dl -n d-3 $args
[ "$(requests index-system)" = "$before" ] && pass "within its expiry the cache is used without asking the server" || fail "the index was fetched"
cache="$MGR_CACHE_DIR/download/busybox/1.35/amd64/default"
echo 1 > "$cache/expiry"
run dl -n d-4 $args
[ "$(requests index-system)" -gt "$before" ] && pass "after expiry the index is read again" || fail "index not fetched after expiry"
[ "$(requests rootfs.tar.xz)" = 1 ] && pass "and the same build is not downloaded again" || fail "rootfs requests: $(requests rootfs.tar.xz)"
run dl -n d-5 $args --flush-cache
[ "$(requests rootfs.tar.xz)" = 2 ] && pass "--flush-cache downloads again" || fail "rootfs requests: $(requests rootfs.tar.xz)"

# ---- failures leave no container and no cache entry ----
echo 1 > "$cache/expiry"
cp "$M/$img/rootfs.tar.xz" "$WORK/rootfs.good"
printf 'corrupt' >> "$M/$img/rootfs.tar.xz"
sed -i "s/;$build;/;${build}b;/" "$M/meta/1.0/index-system"
run dl -n d-bad $args
expect_rc 1 "a corrupted image fails"
expect_in "$ERR" "checksum mismatch" "and says so"
[ ! -e "$P/d-bad" ] && [ -z "$(ls -A "$P" | grep d-bad)" ] && pass "no container is left" || fail "left: $(ls -A "$P")"
[ "$(cat "$cache/build")" = "$build" ] && [ -z "$(ls "$(dirname "$cache")" | grep -v '^default$')" ] \
  && pass "the cache keeps the good build, and nothing half-made" || fail "cache: $(ls "$(dirname "$cache")")"
cp "$WORK/rootfs.good" "$M/$img/rootfs.tar.xz"
( cd "$M/$img" && sha256sum meta.tar.xz rootfs.tar.xz > SHA256SUMS )
echo "rootfs.tar.xz reset" > "$WORK/faults"
run dl -n d-reset $args --flush-cache
expect_rc 1 "a connection reset mid-download fails"
expect_in "$ERR" "broke off" "and says the connection broke off"
[ ! -e "$P/d-reset" ] && pass "no container is left" || fail "container left"
[ ! -e "$cache" ] && [ -z "$(ls "$(dirname "$cache")" 2>/dev/null)" ] && pass "and no cache entry" || fail "cache: $(ls "$(dirname "$cache")")"
echo "index-system 404" > "$WORK/faults"
run dl -n d-404 $args
expect_rc 1 "a missing index fails"
expect_in "$ERR" "$URL/meta/1.0/index-system: HTTP status 404" "and names the URL and the status"
: > "$WORK/faults"
run dl -n d-refused -- --server http://127.0.0.1:9 -d busybox -r 1.35
expect_in "$ERR" "connection refused" "a server that is not there: connection refused"
run dl -n d-none $args -d nosuch
expect_in "$ERR" "has no image nosuch 1.35 amd64 default" "an image the server lacks is named"
run dl -n d-badurl -- --server ftp://example -d x -r y
expect_in "$ERR" "give an https:// URL" "only https and http URLs are accepted"
[ -z "$(ls -A "$P" | grep -e d-bad -e d-reset -e d-404 -e d-refused -e d-none -e creating)" ] \
  && pass "no failed create left anything in $P" || fail "left: $(ls -A "$P")"

# ---- destroy --cache ----
for c in d-u d-p d-3 d-4 d-5; do m destroy -n $c >/dev/null; done
run dl -n d-c1 $args
expect_rc 0 "a fresh image after the failures"
run dl -n d-c2 $args
run m destroy -n d-c1 --cache
expect_in "$ERR" "stays: container d-c2" "destroy --cache keeps an image another container came from"
[ -d "$cache" ] && pass "the cached image is still there" || fail "cache removed"
run m destroy -n d-c2 --cache
expect_rc 0 "destroy --cache of the last container made from an image"
[ ! -e "$cache" ] && pass "removes the cached image" || fail "cache left: $(ls "$cache")"

# ---- mgr-config import-lxc on Debian's shipped configs ----
# Every config LXC ships: the common ones come with liblxc-common, the
# distribution ones (debian.common.conf, ubuntu.common.conf, ...) with
# lxc-templates; quickstart.sh check installs both. The list is the packages'
# own, so a config that is missing on disk is a failure, not a smaller loop.
shipped=()
for pkg in liblxc-common lxc-templates; do
  if files=$(dpkg-query -L "$pkg" 2>/dev/null); then
    for f in $(grep -E '^/usr/share/lxc/config/[^/]+\.conf$' <<<"$files"); do shipped+=("$f"); done
  else
    fail "$pkg is not installed: the LXC configs it ships cannot be imported (quickstart.sh check installs it)"
  fi
done
for want in common.conf userns.conf debian.common.conf ubuntu.common.conf alpine.common.conf fedora.common.conf; do
  case " ${shipped[*]} " in
    *"/usr/share/lxc/config/$want "*) ;;
    *) fail "LXC's $want is not among the shipped configs" ;;
  esac
done
for f in "${shipped[@]}"; do
  mkdir -p "$WORK/imp"
  if [ ! -f "$f" ]; then
    fail "import-lxc $(basename "$f"): shipped by its package but missing on disk"
  elif timeout 10 "$MGR" config import-lxc "$f" > "$WORK/imp/config" 2>"$WORK/imp/err"; then
    if timeout 10 "$MGR" config --file "$WORK/imp/config" validate >/dev/null 2>"$WORK/imp/verr"; then
      pass "import-lxc $(basename "$f"): a valid config ($(wc -l < "$WORK/imp/err") keys skipped, each named)"
    else
      fail "import-lxc $(basename "$f"): invalid result: $(cat "$WORK/imp/verr")"
    fi
  else
    fail "import-lxc $(basename "$f") failed: $(cat "$WORK/imp/err")"
  fi
done
[ "${#shipped[@]}" -gt 30 ] && pass "import-lxc tried on all ${#shipped[@]} configs LXC ships" \
  || fail "only ${#shipped[@]} LXC configs listed by liblxc-common and lxc-templates"
cat > "$WORK/lxc.conf" <<'CONF'
# an LXC container's config
lxc.uts.name = web
lxc.rootfs.path = dir:/var/lib/lxc/web/rootfs
lxc.idmap = u 0 100000 65536
lxc.idmap = g 0 100000 65536
lxc.net.0.type = veth
lxc.net.0.link = lxcbr0
lxc.net.0.flags = up
lxc.net.0.ipv4.address = 10.0.3.5/24 10.0.3.255
lxc.net.0.ipv4.gateway = 10.0.3.1
lxc.cgroup.memory.limit_in_bytes = 268435456
lxc.cgroup2.pids.max = 100
lxc.cgroup.cpu.cfs_quota_us = 50000
lxc.cap.drop = sys_time
lxc.mount.entry = /srv/data srv/data none bind,ro,create=dir 0 0
lxc.environment = FOO=bar
lxc.environment = PATH
lxc.start.auto = 1
lxc.apparmor.profile = generated
CONF
run "$MGR" config import-lxc "$WORK/lxc.conf"
expect_rc 0 "import-lxc of a container's config"
for want in "hostname = web" "rootfs = /var/lib/lxc/web/rootfs" "uid = 0 100000 65536" "[network eth0]" "link = lxcbr0" \
            "ipv4 = 10.0.3.5/24" "ipv4.gateway = 10.0.3.1" "memory.max = 268435456" "pids.max = 100" \
            "cpu.max = 50000 100000" "drop = sys_time" "target = /srv/data" "environment = FOO=bar" "autostart = true"; do
  expect_in "$OUT" "$want" "import-lxc: $want"
done
expect_in "$ERR" "lxc.conf:17: lxc.environment: 'PATH' passes the host's value" "skipped keys are named with their line"
expect_in "$ERR" "lxc.conf:19: lxc.apparmor.profile" "apparmor is named as skipped"
run "$MGR" config -P "$P" -n imported import-lxc "$WORK/lxc.conf"
expect_rc 0 "import-lxc -n writes a container config"
expect_in "$(cat "$P/imported/config")" "hostname = web" "into the container's folder"
finish
