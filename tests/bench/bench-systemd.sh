#!/bin/bash
# systemd in a container, mgr next to LXC 5.0 (Debian's lxc package) on the
# same Debian 12 rootfs (tests/integration/debian-image.sh): time from start
# to `systemctl is-system-running --wait`, stop, reboot inside, and the
# number of failed units, for privileged and user-namespaced containers.
#   sudo tests/bench/bench-systemd.sh [ROUNDS]     (MGR_BUILDDIR, MGR_SRCDIR: this tree)
# Prints a table; asserts nothing. LXC columns are skipped without lxc.
set -u
SRC=${MGR_SRCDIR:-$(cd "$(dirname "$0")/../.." && pwd)}
BUILD=${MGR_BUILDDIR:-$SRC}
MGR="$BUILD/src/mgr"
ROUNDS=${1:-3}
[ "$(id -u)" -eq 0 ] || { echo "bench-systemd: run as root" >&2; exit 77; }
W=$(mktemp -d /tmp/mgr-bench-sd-XXXXXX)
chmod 755 "$W"
export MGR_TEMPLATES_DIR="$SRC/templates" MGR_SECCOMP_DIR="$SRC/config/seccomp"
P="$W/mgr" L="$W/lxc"
cleanup() {
  for n in p u; do
    timeout 30 "$MGR" destroy -f -P "$P" -n "b$n" >/dev/null 2>&1
    lxc-stop -k -P "$L" -n "b$n" >/dev/null 2>&1; lxc-destroy -P "$L" -n "b$n" >/dev/null 2>&1
  done
  rm -rf "$W"
}
trap cleanup EXIT
"$SRC/tests/integration/debian-image.sh" systemd "$W/mirror" >/dev/null || exit 77
img=$(ls -d "$W"/mirror/images/debian/bookworm/amd64/systemd/*)
ROOTFS="$img/rootfs.tar.xz" META="$img/meta.tar.xz"
now() { date +%s.%N; }
dt() { python3 -c "print('%.2f' % ($2 - $1))"; }
median() { tr ' ' '\n' | grep . | sort -n | awk '{a[NR]=$1} END {print (NR ? a[int((NR+1)/2)] : "-")}'; }

# Runs one engine's rounds: start to running, failed units, reboot, stop.
# $1 label; then functions start_c stop_c exec_c pid_c for the container.
measure() {
  local label=$1 boot= rb= st= failed= s t0 p1 p2 i
  for r in $(seq "$ROUNDS"); do
    t0=$(now); start_c
    for i in $(seq 240); do
      s=$(exec_c systemctl is-system-running --wait 2>/dev/null)
      case "$s" in running|degraded|maintenance) break ;; esac
      sleep 0.25
    done
    boot="$boot $(dt "$t0" "$(now)")"
    failed=$(exec_c systemctl --failed --plain --no-legend --no-pager 2>/dev/null | cut -d' ' -f1 | tr '\n' ' ')
    p1=$(pid_c); t0=$(now)
    exec_c systemctl reboot >/dev/null 2>&1
    for i in $(seq 600); do p2=$(pid_c); [ -n "$p2" ] && [ "$p2" != "$p1" ] && break; sleep 0.05; done
    for i in $(seq 240); do
      s=$(exec_c systemctl is-system-running --wait 2>/dev/null)
      case "$s" in running|degraded|maintenance) break ;; esac
      sleep 0.25
    done
    rb="$rb $(dt "$t0" "$(now)")"
    t0=$(now); stop_c; st="$st $(dt "$t0" "$(now)")"
  done
  printf '%-22s %10s %10s %10s  %-9s %s\n' "$label" "$(echo $boot | median)" "$(echo $rb | median)" "$(echo $st | median)" "$s" "${failed:-none}"
}

printf '# %d rounds, medians in seconds; state and failed units after the last boot\n' "$ROUNDS"
printf '%-22s %10s %10s %10s  %-9s %s\n' "" "to running" "reboot" "stop" "state" "failed units"
for kind in p u; do
  n="b$kind"
  flag=; [ $kind = p ] && flag=--privileged
  "$MGR" create -P "$P" -n "$n" $flag -t local -- --fstree "$ROOTFS" --metadata "$META" >/dev/null 2>&1 \
    || { echo "mgr-create -t local failed" >&2; exit 1; }
  start_c() { "$MGR" start -P "$P" -n "$n" >/dev/null; }
  stop_c() { "$MGR" stop -P "$P" -n "$n"; }
  exec_c() { timeout 130 "$MGR" attach -P "$P" -n "$n" -- "$@"; }
  pid_c() { "$MGR" info -P "$P" -n "$n" --format json | python3 -c "import json,sys; print(json.load(sys.stdin)['pid'])"; }
  measure "mgr $([ $kind = p ] && echo privileged || echo user-ns)"
done

command -v lxc-start >/dev/null || { echo "# LXC: not installed (apt-get install lxc)"; exit 0; }
echo "# $(lxc-start --version 2>/dev/null | sed 's/^/LXC /')"
# LXC as root uses newuidmap when it is installed, which needs root's range
# in /etc/subuid; this host's root has none (mgr uses its own pool), so
# lxc-start runs with a PATH that lacks it and writes the maps itself. Its
# local template does not shift the rootfs: the user-namespaced one is
# unpacked as the mapped ids by hand, with the image's config-user.
mkdir -p "$W/nopath"
for b in sh bash mount umount ip cat; do ln -sf "$(command -v $b)" "$W/nopath/$b" 2>/dev/null; done
for kind in p u; do
  n="b$kind"
  mkdir -p "$L/$n"
  chmod 755 "$L" "$L/$n"
  if [ $kind = p ]; then
    echo "lxc.net.0.type = empty" > "$W/lxc-p.conf"
    lxc-create -P "$L" -n "$n" -f "$W/lxc-p.conf" -t local -- --fstree "$ROOTFS" --metadata "$META" >/dev/null 2>"$W/lxc-create.err" \
      || { echo "# LXC $kind: lxc-create failed: $(tail -2 "$W/lxc-create.err")"; continue; }
  else
    mkdir -p "$L/$n/rootfs"
    chown 1900000:1900000 "$L/$n/rootfs"
    "$MGR" usernsexec -m u:0:1900000:65536 -m g:0:1900000:65536 -- \
      tar -xpJf "$ROOTFS" --numeric-owner --exclude='./dev/*' -C "$L/$n/rootfs" 2>/dev/null
    echo "$n" > "$L/$n/rootfs/etc/hostname"
    cat > "$L/$n/config" <<CONF
lxc.include = /usr/share/lxc/config/debian.common.conf
lxc.include = /usr/share/lxc/config/debian.userns.conf
lxc.arch = x86_64
lxc.rootfs.path = dir:$L/$n/rootfs
lxc.uts.name = $n
lxc.net.0.type = empty
lxc.idmap = u 0 1900000 65536
lxc.idmap = g 0 1900000 65536
CONF
  fi
  start_c() { PATH="$W/nopath" /usr/bin/lxc-start -P "$L" -n "$n" -d; }
  stop_c() { lxc-stop -P "$L" -n "$n"; }
  exec_c() { timeout 130 lxc-attach -P "$L" -n "$n" -- "$@"; }
  pid_c() { lxc-info -P "$L" -n "$n" -p -H 2>/dev/null; }
  measure "LXC $([ $kind = p ] && echo privileged || echo user-ns)"
done
