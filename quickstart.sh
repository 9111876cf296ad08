#!/bin/bash
# mgr quickstart.
#   sudo ./quickstart.sh         install what the build needs, build, install, run the demo
#   sudo ./quickstart.sh check   install what the build needs, build, run every test suite
set -euo pipefail
cd "$(dirname "$(readlink -f "$0")")"

mode=${1:-demo}
case "$mode" in
  demo|check) ;;
  -h|--help) sed -n '2,4p' "$0"; exit 0 ;;
  *) echo "usage: sudo ./quickstart.sh [check]" >&2; exit 2 ;;
esac
if [ "$(id -u)" -ne 0 ]; then
  echo "quickstart.sh installs packages and mgr itself: run it as root (sudo ./quickstart.sh $mode)" >&2
  exit 1
fi

say() { printf '\n\033[1m==> %s\033[0m\n' "$*"; }

# Debian packages: the build, the libraries the design fixes, and what the
# tests and the demo run (busybox-static for rootfs, uidmap for users;
# bash-completion, whose folder the completion is installed in; dnsmasq-base
# and nftables' library for mgr-net).
DEPS="build-essential autoconf automake pkg-config libglib2.0-dev libseccomp-dev libcap-dev
      libnl-3-dev libnl-route-3-dev libnftables-dev libconfig-dev check busybox-static uidmap iproute2
      python3 valgrind man-db curl xz-utils ca-certificates bash-completion dnsmasq-base libjson-glib-dev"
# The check also boots a kernel under qemu, for the cgroup v2 lab; imports
# every LXC config Debian ships (the common ones in liblxc-common, the
# distribution ones in lxc-templates); and gives attach a real terminal (tmux); strace shows what mgr-user-nic opens;
# the users suite finds the processes of its users and their id blocks with ps and pgrep (procps);
# debootstrap builds the Debian rootfs the systemd tests boot; golang-go builds the OCI conformance suite
# (opencontainers/runtime-tools, from ../shared/oci) offline; containerd and
# podman drive mgr-oci (podman also makes their test image).
[ "$mode" = check ] && DEPS="$DEPS qemu-system-x86 liblxc-common lxc-templates tmux strace debhelper lintian systemd procps debootstrap golang-go containerd podman"
missing=()
for p in $DEPS; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || missing+=("$p")
done
if [ ${#missing[@]} -gt 0 ]; then
  say "Installing ${missing[*]}"
  # Packages are installed, never started: lxc-templates pulls in lxc, whose
  # lxc-net would otherwise put a bridge, dnsmasq and NAT rules on this host.
  # policy-rc.d (exit 101: "action forbidden") is how Debian says so; one
  # that the administrator already has is left alone.
  policy=/usr/sbin/policy-rc.d
  if [ ! -e $policy ]; then
    printf '#!/bin/sh\n# quickstart.sh: install, do not start\nexit 101\n' > $policy
    chmod 755 $policy
    trap 'rm -f $policy' EXIT
  fi
  apt-get update -qq
  DEBIAN_FRONTEND=noninteractive apt-get -o DPkg::Lock::Timeout=900 install -y -qq --no-install-recommends "${missing[@]}"
  if grep -qs '^# quickstart.sh' $policy; then rm -f $policy; trap - EXIT; fi
fi

say "Building"
./autogen.sh >/dev/null 2>&1 || ./autogen.sh
./configure -q --prefix=/usr/local --sysconfdir=/etc --localstatedir=/var --runstatedir=/run
make -s -j"$(nproc)"

if [ "$mode" = check ]; then
  say "Running every test suite"
  status=0
  make -s -j"$(nproc)" check || status=$?
  say "make distcheck (the release tarball builds and passes its tests)"
  make -s distcheck >/tmp/mgr-distcheck.log 2>&1 && echo "distcheck: ok" \
    || { echo "distcheck FAILED; see /tmp/mgr-distcheck.log:"; tail -40 /tmp/mgr-distcheck.log; status=1
         # distcheck leaves its build folder behind when a suite fails: show
         # each failed suite's own log, as for make check below.
         for trs in $(find mgr-*/_build -name '*.trs' 2>/dev/null); do
           grep -qE '^:test-result: (FAIL|ERROR)' "$trs" && { echo "--- distcheck: ${trs%.trs}.log"; grep -E '^not ok|^#' "${trs%.trs}.log" | tail -40; }
         done; }

  # One summary over every suite: Check's "Checks: N, Failures: F, Errors: E"
  # lines and the shell suites' "N passed, N failed".
  # A log may hold several suites' lines (the v2 lab runs four inside its
  # VM): each counts. A failed suite's log is shown last, shortened to what
  # names the failure, so that the end of this output says what failed.
  passed=0; failed=0; skipped=(); failures=()
  for log in $(find tests -name '*.log' ! -name 'test-suite.log'); do
    if line=$(grep -E '^[0-9]+%: Checks: ' "$log" | tail -1) && [ -n "$line" ]; then
      n=$(sed -E 's/.*Checks: ([0-9]+).*/\1/' <<<"$line")
      f=$(sed -E 's/.*Failures: ([0-9]+), Errors: ([0-9]+).*/\1+\2/' <<<"$line")
      passed=$((passed + n - (f))); failed=$((failed + (f)))
    else
      while read -r p _ f _; do
        passed=$((passed + p)); failed=$((failed + f))
      done < <(grep -E '^[0-9]+ passed, [0-9]+ failed' "$log")
    fi
    grep -qE '^:test-result: (FAIL|ERROR)' "${log%.log}.trs" 2>/dev/null && failures+=("$log")
    grep -q '^:test-result: SKIP' "${log%.log}.trs" 2>/dev/null && skipped+=("${log%.log}: $(grep -m1 -i skip "$log")")
  done
  [ $status -eq 0 ] || [ $failed -gt 0 ] || failed=1
  for log in "${failures[@]}"; do
    echo; echo "--- FAILED: $log (its failing lines, then its last lines)"
    grep -E '^not ok|^FAIL|^VM: suite|^VM-RESULT|^[0-9]+ passed, [0-9]+ failed|[0-9]+%: Checks: |:[EF]:' "$log" | tail -25
    echo "..."; tail -8 "$log"
  done
  echo
  if [ ${#skipped[@]} -gt 0 ]; then
    echo "!!! ${#skipped[@]} suite(s) SKIPPED, their checks are counted neither as passed nor as failed:"
    printf '!!!   %s\n' "${skipped[@]}"
  fi
  echo "total: $passed passed, $failed failed"
  exit $status
fi

say "Installing"
make -s install

say "Demo: a busybox container, made, started, entered, stopped"
demo=mgr-demo
if [ -d /var/lib/mgr/$demo ]; then
  mgr-stop -k -n $demo >/dev/null 2>&1 || true
  mgr-destroy -n $demo
fi
show() { echo "\$ $*"; "$@"; }
show mgr-create -n $demo -t busybox
show cat /var/lib/mgr/$demo/config
show mgr-config -n $demo validate
show mgr-config -n $demo set container.environment LANG=C.UTF-8
show mgr-start -n $demo
show mgr-attach -n $demo -- ps
show mgr-attach -n $demo -- sh -c 'echo "inside: $(hostname), uid_map: $(cat /proc/self/uid_map)"'
show mgr-info -n $demo
show mgr-ls -f
if [ -t 0 ] && [ -t 1 ]; then
  say "Entering the container: a shell inside it. Type exit to leave."
  mgr-attach -n $demo || true
fi
show mgr-stop -n $demo

# mgr-net on the host would change this machine's network (a bridge, IPv4
# forwarding, NAT rules, dnsmasq): that is the administrator's decision
# (mgr-net up, or systemctl enable --now mgr-net), not a demo's. So the demo
# runs it in a network namespace of its own, with its own state folder, and
# removes all of it afterwards; the host's interfaces, routes, firewall and
# sysctls are not touched.
say "Networking: mgr-net in a private network namespace (the host's network is left alone)"
netns=mgr-demo-net
netdemo=mgr-demo-net
export MGR_NET_STATE=/run/mgr/demo-net
ip netns del $netns 2>/dev/null || true
mgr-destroy -f -n $netdemo >/dev/null 2>&1 || true
ip netns add $netns
ip -n $netns link set lo up
inns() { echo "\$ $*"; nsenter --net=/run/netns/$netns "$@"; }
if inns mgr-net up && inns mgr-net status; then
  inns mgr-create -n $netdemo -t busybox
  echo "(mgr-net is up, so the new container got a veth on mgrbr0 with ipv4 = auto:)"
  show grep -A4 '^\[network' /var/lib/mgr/$netdemo/config
  inns mgr-start -n $netdemo
  inns mgr-attach -n $netdemo -- ip -4 addr show eth0
  inns mgr-attach -n $netdemo -- ping -c1 -W3 10.0.3.1 || true
  echo "(mgr wrote its resolver: dnsmasq on the bridge, which knows every container as NAME.mgr:)"
  inns mgr-attach -n $netdemo -- cat /etc/resolv.conf
  inns mgr-attach -n $netdemo -- ping -c1 -W3 $netdemo.mgr || true
  inns mgr-ls -f
  inns mgr-stop -k -n $netdemo
  mgr-destroy -n $netdemo
fi
inns mgr-net down || true
ip netns del $netns
unset MGR_NET_STATE
echo
echo "A config mistake is named with its file, line, section and key:"
show mgr-config -n $demo set cgroup.memory.limit 128M || true
say "Done. The container $demo stays for you: mgr-start -n $demo, then mgr-attach -n $demo"
say "(mgr-destroy -n $demo removes it). man mgr.container.conf describes every key."
