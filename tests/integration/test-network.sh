#!/bin/bash
# [network NAME] of type veth, macvlan and phys. Everything happens inside a
# network namespace this test creates (a bridge and dummy devices there);
# mgr runs in it through nsenter --net (ip netns exec would remount /sys and
# hide the cgroup hierarchies). The namespace is removed at the end.
. "${MGR_SRCDIR:-.}/tests/cli/lib.sh"
[ "$(id -u)" -eq 0 ] || { echo "SKIP: the network tests start containers as root"; exit 77; }
command -v ip >/dev/null && command -v nsenter >/dev/null || { echo "SKIP: needs ip (iproute2) and nsenter"; exit 77; }
export MGR_TEMPLATES_DIR="$MGR_SRCDIR/templates"
P="$WORK/containers"
chmod 755 "$WORK"
T=30
NS="mgrnet$$"
m() { local verb=$1; shift; timeout "$T" nsenter --net="/run/netns/$NS" "$MGR" "$verb" -P "$P" "$@"; }
inns() { nsenter --net="/run/netns/$NS" "$@"; }
cleanup() {
  for c in "$P"/*/; do [ -d "$c" ] && timeout 10 "$MGR" destroy -f -P "$P" -n "$(basename "$c")" >/dev/null 2>&1; done
  ip netns del "$NS" 2>/dev/null
  rm -rf "$WORK"
}
trap cleanup EXIT
ip netns add "$NS"
ip -n "$NS" link set lo up
ip -n "$NS" link add mgrbr0 type bridge
ip -n "$NS" addr add 10.99.0.1/24 dev mgrbr0
ip -n "$NS" link set mgrbr0 up
# Stand-ins that every kernel has: a veth end as the macvlan's parent, and
# another as the "physical" device to move in.
ip -n "$NS" link add mgrdum0 type veth peer name mgrdum1
ip -n "$NS" link set mgrdum0 up
ip -n "$NS" link set mgrdum1 up
ip -n "$NS" link add mgrphys0 type veth peer name mgrphys1

for kind in p u; do
  n="net-$kind"
  if [ $kind = p ]; then m create -n "$n" -t busybox --privileged >/dev/null; else m create -n "$n" -t busybox >/dev/null; fi
  ip4=10.99.0.$([ $kind = p ] && echo 2 || echo 3)
  cat >> "$P/$n/config" <<CONF

[network eth0]
type = veth
link = mgrbr0
ipv4 = $ip4/24
ipv4.gateway = 10.99.0.1
hwaddr = 00:16:3e:xx:xx:xx
mtu = 1400

[network eth1]
type = macvlan
link = mgrdum0
ipv4 = 10.98.0.2/24
CONF
  [ $kind = p ] && printf '\n[network ph0]\ntype = phys\nlink = mgrphys0\n' >> "$P/$n/config"
  run m start -n "$n"
  expect_rc 0 "[$kind] start with a veth and a macvlan"
  run m attach -n "$n" -- ip addr show eth0
  expect_in "$OUT" "inet $ip4/24" "[$kind] eth0 has its address"
  expect_in "$OUT" "mtu 1400" "[$kind] and its MTU"
  expect_in "$OUT" "link/ether 00:16:3e:" "[$kind] and a MAC from its template"
  run m attach -n "$n" -- ip route
  expect_in "$OUT" "default via 10.99.0.1 dev eth0" "[$kind] the default route"
  run m attach -n "$n" -- ping -c1 -W3 10.99.0.1
  expect_rc 0 "[$kind] the container reaches the bridge"
  run inns /bin/busybox ping -c1 -W3 "$ip4"
  expect_rc 0 "[$kind] the bridge reaches the container"
  run m attach -n "$n" -- ip addr show eth1
  expect_in "$OUT" "inet 10.98.0.2/24" "[$kind] the macvlan eth1 has its address"
  if [ $kind = p ]; then
    run m attach -n "$n" -- ip link show ph0
    expect_rc 0 "[p] the physical device moved in, named ph0"
    [ -z "$(ip -n "$NS" -o link show mgrphys0 2>/dev/null)" ] && pass "[p] and left the namespace it came from" || fail "[p] mgrphys0 still outside"
  fi
  expect_in "$(m info -n "$n")" "$ip4" "[$kind] mgr-info shows the address"
  host_end=$(ip -n "$NS" -o link | grep -c 'mgr[0-9]*v0@')
  [ "$host_end" -ge 1 ] && pass "[$kind] the host end of the veth is on the bridge side" || fail "[$kind] no host veth"
  m stop -k -n "$n" >/dev/null
  # The kernel removes the host end once the container's network namespace
  # is torn down, which it does in a work queue after the last process has
  # gone: on a loaded host that can take well over 0.2 s.
  for _ in $(seq 300); do [ -z "$(ip -n "$NS" -o link | grep -e 'mgr[0-9]')" ] && break; sleep 0.1; done
  [ -z "$(ip -n "$NS" -o link | grep -e 'mgr[0-9]')" ] && pass "[$kind] after stop no interface of the container is left" \
    || fail "[$kind] left: $(ip -n "$NS" -o link | grep -e 'mgr[0-9]' | awk '{print $2}' | tr '\n' ' ')"
done

# ---- errors ----
sed -i 's/^link = mgrbr0$/link = nosuchbr0/' "$P/net-u/config"
run m start -n net-u
expect_rc 1 "a veth onto a missing bridge fails"
expect_in "$ERR" "[network eth0] link = nosuchbr0: no such bridge on the host" "and names the key and the fix"
[ -z "$(ip -n "$NS" -o link | grep -e 'mgr[0-9]')" ] && pass "and leaves no interface" || fail "left: $(ip -n "$NS" -o link)"
expect_in "$(m info -n net-u)" "STOPPED" "and no container running"
finish
