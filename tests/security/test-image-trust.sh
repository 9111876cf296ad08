#!/bin/bash
# A hostile image server: each image of the mirror tries one way out of the
# container through what mgr reads from an image (its LXC config, its meta
# files, its templates list, its rootfs), and each attack must fail, with
# what was refused named on stderr. Also: other users cannot reach a
# container's folder, and an interrupted download leaves nothing behind.
. "${MGR_SRCDIR:-.}/tests/cli/lib.sh"
[ "$(id -u)" -eq 0 ] || { echo "SKIP: the image tests create containers as root"; exit 77; }
command -v setpriv >/dev/null || { echo "SKIP: setpriv (util-linux) is missing"; exit 77; }
HERE=$(cd "$(dirname "$0")/.." && pwd)
export MGR_TEMPLATES_DIR="$MGR_SRCDIR/templates"
mkdir -p "$WORK/etc/mgr" "$WORK/tmp"
echo "cache_path = \"$WORK/cache\";" > "$WORK/etc/mgr/mgr.conf"
export MGR_SYSCONFDIR="$WORK/etc"
P="$WORK/containers"
chmod 755 "$WORK"
T=60
X=tr$$
m() { local verb=$1; shift; timeout "$T" "$MGR" "$verb" -P "$P" "$@"; }
SERVER_PID=
cleanup() {
  [ -n "$SERVER_PID" ] && kill "$SERVER_PID" 2>/dev/null
  for c in "$P"/*/; do [ -d "$c" ] && timeout 10 "$MGR" destroy -f -P "$P" -n "$(basename "$c")" >/dev/null 2>&1; done
  rm -rf "$WORK"
}
trap cleanup EXIT
ESC=$(printf '\033')

# ---- the mirror: a good rootfs, a hostile one, and one image per attack ----
M="$WORK/mirror"
B="$WORK/build"
mkdir -p "$B/base/meta" "$B/evil"
"$MGR_SRCDIR/templates/mgr-busybox" --name IMG --path "$B/base" --rootfs "$B/base/rootfs" >/dev/null
echo LXC_NAME > "$B/base/rootfs/etc/hostname"
tar -cJf "$B/base.tar.xz" --numeric-owner -C "$B/base/rootfs" .
# The hostile rootfs: a link to a host folder, and /dev/null open to all.
cp -a "$B/base/rootfs" "$B/evil/rootfs"
mkdir -p "$WORK/vdir"
ln -s "$WORK/vdir" "$B/evil/rootfs/hostdir"
mknod -m 0666 "$B/evil/rootfs/dev/evilnull" c 1 3
tar -cJf "$B/evil.tar.xz" --numeric-owner -C "$B/evil/rootfs" .

# image NAME ROOTFS CONFIG-LINES...: an image whose meta/config (and
# config-user) holds these lines; further meta files are added to
# $B/NAME.meta before calling publish NAME ROOTFS.
image() {
  local n=$1 r=$2; shift 2
  mkdir -p "$B/$n.meta"
  printf 'lxc.include = LXC_TEMPLATE_CONFIG/common.conf\nlxc.signal.halt = SIGUSR2\n' > "$B/$n.meta/config"
  for l in "$@"; do echo "$l" >> "$B/$n.meta/config"; done
  cp "$B/$n.meta/config" "$B/$n.meta/config-user"
  echo "lxc.include = LXC_TEMPLATE_CONFIG/userns.conf" >> "$B/$n.meta/config-user"
  echo "Image $n." > "$B/$n.meta/create-message"
  echo "/etc/hostname" > "$B/$n.meta/templates"
}
publish() { "$HERE/download/add-image.sh" "$M" evil "$1" "$B/$2.tar.xz" "$B/$1.meta"; }

image hook base "lxc.hook.pre-start = /bin/touch $WORK/pwned-hook"; publish hook base
echo hostmark > "$WORK/hostmark"
image mount base "lxc.mount.entry = / host none rbind,create=dir 0 0"; publish mount base
image caps base "lxc.cap.keep = sys_admin sys_module"; publish caps base
image devices base "lxc.cgroup.devices.allow = a" "lxc.cgroup2.devices.allow = a"; publish devices base
image log base "lxc.console.logfile = $WORK/hostlog"; publish log base
image rootfs base "lxc.rootfs.path = dir:/"; publish rootfs base
image idmap base "lxc.idmap = u 0 1000000 65536" "lxc.idmap = u 65536 0 1" "lxc.idmap = g 0 1000000 65536"; publish idmap base
printf 'lxc.uts.name = fromhost\nroot:SECRET-INCLUDED:19000:0:99999:7:::\n' > "$WORK/hostinc.conf"
image include base "lxc.include = $WORK/hostinc.conf" "lxc.include = LXC_TEMPLATE_CONFIG/../../../..$WORK/hostinc.conf"
publish include base
# Keys an image may set still come across.
image fine base "lxc.uts.name = fine-host" "lxc.environment = FOO=bar" "lxc.init.cmd = /sbin/init" \
  "lxc.cgroup2.pids.max = 300" "lxc.cap.drop = sys_boot" "lxc.tty.max = 2"; publish fine base
# Meta files and the templates list pointing out of the tree.
printf 'root:SECRET-SHADOW:19000:0:99999:7:::\n' > "$WORK/shadow"
chmod 600 "$WORK/shadow"
image expiry base; ln -s "$WORK/shadow" "$B/expiry.meta/expiry"; publish expiry base
image config base
for f in config config-user; do rm "$B/config.meta/$f"; ln -s "$WORK/shadow" "$B/config.meta/$f"; done
publish config base
echo LXC_NAME > "$WORK/victim1"
echo LXC_NAME > "$WORK/vdir/victim2"
depth=$(echo "$P/.x.creating-y/rootfs" | tr -cd / | wc -c)
ups=$(printf '../%.0s' $(seq "$depth"))
image templates evil
printf '/etc/hostname\n%s%s/victim1\nhostdir/victim2\n' "$ups" "${WORK#/}" > "$B/templates.meta/templates"
publish templates evil
image message base; printf 'Hello \033]0;PWNED-TITLE\007\033[2J\033[31mred\n' > "$B/message.meta/create-message"
publish message base
image devnode evil; publish devnode evil
image slow base; publish slow base
# The index itself: a name with escape sequences, a build id with a path in it.
printf 'evil\033[31mPWNED-INDEX\007;x;amd64;default;20261123_01:00;/images/evil/hook/amd64/default/20261123_01:00/\n' >> "$M/meta/1.0/index-system"
printf 'evil;badbuild;amd64;default;../../x\033[2J;/images/evil/hook/amd64/default/20261123_01:00/\n' >> "$M/meta/1.0/index-system"

python3 "$HERE/download/image-server.py" "$M" "$WORK/port" "$WORK/requests" "$WORK/faults" &
SERVER_PID=$!
for i in $(seq 50); do [ -s "$WORK/port" ] && break; sleep 0.1; done
URL="http://127.0.0.1:$(cat "$WORK/port")"
# dl NAME RELEASE [mgr-create options]: a container from the image evil RELEASE
dl() { local n=$1 r=$2; shift 2; m create -n "$X-$n" -t download "$@" -- --server "$URL" -d evil -r "$r" -a amd64; }
cfg() { cat "$P/$X-$1/config" 2>/dev/null; }

# ---- 1. the image's LXC config: only keys that stay inside ----
run dl hook hook
expect_rc 0 "an image with a hook is created"
expect_in "$ERR" "lxc.hook.pre-start" "the dropped hook is named"
expect_not_in "$(cfg hook)" "pwned-hook" "the hook is not in the config"
run m start -n "$X-hook"
expect_rc 0 "the container from the hook image starts"
m stop -k -n "$X-hook" >/dev/null 2>&1
[ ! -e "$WORK/pwned-hook" ] && pass "no hook ran on the host" || fail "the image's hook ran on the host"

run dl mount mount
expect_in "$ERR" "lxc.mount.entry" "the dropped host mount is named"
expect_not_in "$(cfg mount)" "rbind" "the host mount is not in the config"
run m start -n "$X-mount"
expect_rc 0 "the container from the mount image starts"
run m attach -n "$X-mount" -- test -e "/host$WORK/hostmark"
[ "$RC" -ne 0 ] && pass "nothing of the host is mounted inside" || fail "the host's / is mounted at /host"
m stop -k -n "$X-mount" >/dev/null 2>&1

run dl caps caps
expect_in "$ERR" "lxc.cap.keep" "the dropped capability keep is named"
expect_not_in "$(cfg caps)" "sys_admin" "sys_admin is not kept"

run dl devices devices
expect_in "$ERR" "lxc.cgroup.devices.allow" "the dropped device access (v1) is named"
expect_in "$ERR" "lxc.cgroup2.devices.allow" "the dropped device access (v2) is named"
expect_not_in "$(cfg devices)" "devices.allow" "no device access from the image"

run dl log log
expect_in "$ERR" "lxc.console.logfile" "the dropped log path is named"
run m start -n "$X-log"
expect_rc 0 "the container from the log image starts"
m stop -k -n "$X-log" >/dev/null 2>&1
[ ! -e "$WORK/hostlog" ] && pass "root wrote no console log to the host path" || fail "the console log went to $WORK/hostlog"

run dl rootfs rootfs
expect_in "$ERR" "lxc.rootfs.path" "the dropped rootfs path is named"
expect_not_in "$(cfg rootfs)" "rootfs = /" "the rootfs stays the container's own"

run dl idmap idmap
expect_in "$ERR" "lxc.idmap" "the dropped id map is named"
expect_not_in "$(cfg idmap)" "65536 0 1" "no image id map reaches host uid 0"
expect_not_in "$(cfg idmap)" "0 1000000 65536" "the image's map is not used"

run dl include include
expect_in "$ERR" "lxc.include: dropped, never opened" "the refused include is named"
expect_not_in "$(cfg include)" "fromhost" "the host file was not read as config"
expect_not_in "$ERR" "SECRET-INCLUDED" "nor shown on the terminal"

run dl fine fine
expect_rc 0 "an image with harmless keys"
for want in "hostname = fine-host" "environment = FOO=bar" "pids.max = 300" "tty.count = 2" "stop.signal = SIGUSR2"; do
  expect_in "$(cfg fine)" "$want" "an image may set: $want"
done
d=$(sed -n 's/^drop = //p' "$P/$X-fine/config")
case " $d " in *" sys_boot "*" sys_module "*|*" sys_module "*" sys_boot "*) pass "the image's drop adds to the default drops ($d)" ;;
  *) fail "drop = $d" ;; esac

# ---- 3. meta files and the templates list stay inside the image ----
run dl expiry expiry
expect_rc 1 "an image whose expiry is a link to a host file is refused"
expect_in "$ERR" "meta/expiry is a symbolic link" "and the file is named"
expect_not_in "$(cat "$WORK/cache/download/evil/expiry/amd64/default/expiry" 2>/dev/null)" "SECRET" "the host file is not copied into the cache"
[ ! -e "$P/$X-expiry" ] && pass "nothing is created" || fail "the container was created"

run dl config config
expect_in "$ERR" "meta/config-user is a symbolic link" "an image whose config is a link to a host file: named"
expect_not_in "$ERR$OUT" "SECRET" "the host file's lines are not printed"
expect_not_in "$(cfg config)" "SECRET" "nor kept"

run dl templates templates --privileged
expect_rc 0 "an image whose templates list points out of the rootfs"
expect_in "$(cat "$WORK/victim1")" "LXC_NAME" "../ in the list does not reach a host file"
expect_in "$(cat "$WORK/vdir/victim2")" "LXC_NAME" "a link in the rootfs does not lead to a host file"
expect_in "$ERR" "victim1" "the refused ../ entry is named"
expect_in "$ERR" "hostdir/victim2" "the refused link entry is named"
expect_in "$(cat "$P/$X-templates/rootfs/etc/hostname" 2>/dev/null)" "$X-templates" "a file inside is still substituted"

run dl message message
expect_in "$OUT" "PWNED-TITLE" "the create-message is shown"
expect_not_in "$OUT" "$ESC" "with no raw escape character"
expect_not_in "$OUT" "$(printf '\007')" "and no raw bell"

run m create -t download -- --list --server "$URL"
expect_in "$OUT" "PWNED-INDEX" "--list shows the server's names"
expect_not_in "$OUT" "$ESC" "with no raw escape character"
run dl badbuild badbuild
expect_rc 1 "an index line with a malformed build id is refused"
expect_in "$ERR" "malformed build id" "and says so"
expect_not_in "$ERR" "$ESC" "without echoing the server's escape sequence"

# ---- 4. device nodes and other users ----
nobody() { setpriv --reuid=65534 --regid=65534 --clear-groups -- "$@"; }
run dl devnode devnode --privileged
expect_rc 0 "a privileged container from an image with a 0666 device node"
expect_in "$ERR" "device node" "the left-out device nodes are mentioned"
[ ! -e "$P/$X-devnode/rootfs/dev/evilnull" ] && [ ! -L "$P/$X-devnode/rootfs/dev/evilnull" ] \
  && pass "the image's device node is not unpacked" || fail "dev/evilnull was unpacked"
run m create -n "$X-devkeep" -t download --privileged -- --server "$URL" -d evil -r devnode -a amd64 --keep-devices
expect_rc 0 "--keep-devices"
[ -c "$P/$X-devkeep/rootfs/dev/evilnull" ] && pass "keeps the device node" || fail "no device node with --keep-devices"
run nobody sh -c "echo x > $P/$X-devkeep/rootfs/dev/evilnull"
[ "$RC" -ne 0 ] && pass "another user cannot reach it (privileged folder $(stat -c '%a %U:%G' "$P/$X-devkeep"))" \
  || fail "nobody wrote to the image's device node"
run nobody ls "$P/$X-hook/rootfs"
[ "$RC" -ne 0 ] && pass "another user cannot enter a user-namespaced container's folder ($(stat -c '%a %U:%G' "$P/$X-hook"))" \
  || fail "nobody listed $P/$X-hook/rootfs"
run m start -n "$X-devkeep"
expect_rc 0 "the privileged container starts"
m stop -k -n "$X-devkeep" >/dev/null 2>&1
run m create -n "$X-devmap" -t download -- --server "$URL" -d evil -r devnode -a amd64 --keep-devices
expect_rc 1 "--keep-devices with a user namespace is refused"
expect_in "$ERR" "--privileged" "and says what to do"

# ---- 10. an interrupted download leaves nothing ----
echo "rootfs.tar.xz slow" > "$WORK/faults"
for sig in INT TERM; do
  : > "$WORK/requests"
  TMPDIR="$WORK/tmp" "$MGR" create -P "$P" -n "$X-slow" -t download -- --server "$URL" -d evil -r slow -a amd64 \
    >/dev/null 2>"$WORK/slow.err" &
  pid=$!
  for i in $(seq 100); do
    grep -q "slow.*rootfs.tar.xz" "$WORK/requests" 2>/dev/null && [ -n "$(find "$WORK/cache" -name '*.part' 2>/dev/null)" ] && break
    sleep 0.2
  done
  [ -n "$(find "$WORK/cache" -name '*.part' 2>/dev/null)" ] && pass "SIG$sig: the download is under way" || fail "SIG$sig: no download seen"
  kill -$sig $pid
  for i in $(seq 100); do kill -0 $pid 2>/dev/null || break; sleep 0.2; done
  if kill -0 $pid 2>/dev/null; then fail "SIG$sig: mgr-create still runs after 20 s"; kill -9 $pid; fi
  wait $pid
  rc=$?
  [ "$rc" -ne 0 ] && pass "SIG$sig: the create fails (exit $rc)" || fail "SIG$sig: exit 0"
  left=$(find "$WORK/tmp" "$WORK/cache" "$P" -name 'mgr-download-*' -o -name '*.part' -o -name '*.new-*' -o -name "*$X-slow*" 2>/dev/null)
  [ -z "$left" ] && pass "SIG$sig: no temporary folder, no .part, no half cache entry, no container" || fail "SIG$sig: left: $left"
done
: > "$WORK/faults"
finish
