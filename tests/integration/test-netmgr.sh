#!/bin/bash
# mgr-net: the managed bridge, NAT, port forwards, dnsmasq, automatic
# addresses. Everything happens in network namespaces this test makes: "NS",
# where mgr-net and the containers run (under nsenter --net), and "UP", the
# outside world, joined to NS by a veth (198.18.0.1 in UP, 198.18.0.2 in NS:
# a benchmarking range no real network uses). mgr's settings and state
# folders are the test's own (MGR_SYSCONFDIR, MGR_NET_STATE).
. "${MGR_SRCDIR:-.}/tests/cli/lib.sh"
[ "$(id -u)" -eq 0 ] || { echo "SKIP: mgr-net needs root"; exit 77; }
for t in ip nsenter nft python3; do
  command -v $t >/dev/null || { echo "FAIL: $t missing (./quickstart.sh check installs it)"; echo "0 passed, 1 failed"; exit 1; }
done
DNSMASQ=$(command -v dnsmasq || echo /usr/sbin/dnsmasq)
[ -x "$DNSMASQ" ] || { echo "FAIL: dnsmasq missing (apt-get install dnsmasq-base)"; echo "0 passed, 1 failed"; exit 1; }
export MGR_TEMPLATES_DIR="$MGR_SRCDIR/templates"
chmod 755 "$WORK"   # dnsmasq drops to its own user and reads its files here
P="$WORK/containers"
export MGR_NET_STATE="$WORK/net"
export MGR_SYSCONFDIR="$WORK/etc"
mkdir -p "$WORK/etc/mgr"
: > "$WORK/etc/mgr/default.conf"
T=40
NS="itm$$"
UP="itm$$u"
m() { local verb=$1; shift; timeout "$T" nsenter --net="/run/netns/$NS" "$MGR" "$verb" -P "$P" "$@"; }
net() { timeout "$T" nsenter --net="/run/netns/$NS" "$MGR" net "$@"; }
inns() { nsenter --net="/run/netns/$NS" "$@"; }
inup() { nsenter --net="/run/netns/$UP" "$@"; }
cleanup() {
  for c in "$P"/*/; do [ -d "$c" ] && timeout 10 nsenter --net="/run/netns/$NS" "$MGR" destroy -f -P "$P" -n "$(basename "$c")" >/dev/null 2>&1; done
  timeout 20 nsenter --net="/run/netns/$NS" "$MGR" net down >/dev/null 2>&1
  [ -n "${LISTENER:-}" ] && kill "$LISTENER" 2>/dev/null
  ip netns del "$NS" 2>/dev/null
  ip netns del "$UP" 2>/dev/null
  rm -rf "$WORK"
}
trap cleanup EXIT
conf() { printf '%s\n' "$@" > "$WORK/etc/mgr/mgr.conf"; }
conf 'net_ipv4 = "10.0.3.0/24";'

ip netns add "$NS"
ip netns add "$UP"
ip -n "$NS" link set lo up
ip -n "$UP" link set lo up
ip -n "$NS" link add up0 type veth peer name up1 netns "$UP"
ip -n "$NS" addr add 198.18.0.2/24 dev up0
ip -n "$UP" addr add 198.18.0.1/24 dev up1
ip -n "$NS" link set up0 up
ip -n "$UP" link set up1 up
ip -n "$NS" route add default via 198.18.0.1
# IPv6 on the uplink too (a ULA of the test's own), for the IPv6 forward.
ip -n "$NS" addr add fd99:18::2/64 dev up0 nodad
ip -n "$UP" addr add fd99:18::1/64 dev up1 nodad
sysctl_ns() { nsenter --net="/run/netns/$NS" cat "/proc/sys/net/ipv6/conf/$1"; }
inns sh -c 'echo 1 > /proc/sys/net/ipv6/conf/up0/accept_ra'

# ---- bad settings change nothing ------------------------------------------------
conf 'net_ipv4 = "198.18.0.0/16";'
run net up
expect_rc 1 "a subnet that overlaps a route of the host is refused"
expect_in "$ERR" 'net_ipv4 = "198.18.0.0/16" in mgr.conf overlaps the host' "and the error names the key"
conf 'default_bridge = "up0";'
run net up
expect_rc 1 "a bridge name that is a physical (non-bridge) interface is refused"
expect_in "$ERR" 'default_bridge = "up0" in mgr.conf names an existing veth device that is not a bridge' "and says what it is"
[ -z "$(inns nft list tables 2>/dev/null)" ] && pass "neither made a table" || fail "tables: $(inns nft list tables)"
[ "$(ip -n "$NS" -o link | grep -c mgrbr0)" -eq 0 ] && pass "nor a bridge" || fail "a bridge was made"
conf 'net_ipv4 = "10.0.3.0/24";'

# ---- a container that wants the bridge while it is down ------------------------
m create -n c0 -t busybox >/dev/null
grep -q '^\[network' "$P/c0/config" && fail "a container made while mgr-net is down got a network" \
  || pass "while mgr-net is down, new containers get no network by default"
printf '\n[network eth0]\ntype = veth\nlink = mgrbr0\nipv4 = auto\n' >> "$P/c0/config"
run m start -n c0
expect_rc 1 "ipv4 = auto without mgr-net up fails"
expect_in "$ERR" "the managed bridge is not up: run mgr-net up" "naming mgr-net up"
expect_in "$ERR" "unset network.eth0.ipv4" "or the key to remove"
expect_in "$(m info -n c0)" "STOPPED" "and the container is not running"
# A veth on mgrbr0 without automatic addresses (a DHCP client inside) too.
m create -n c0b -t busybox >/dev/null
printf '\n[network eth0]\ntype = veth\nlink = mgrbr0\n' >> "$P/c0b/config"
run m start -n c0b
expect_rc 1 "a plain veth on mgrbr0 without mgr-net up fails"
expect_in "$ERR" "link = mgrbr0: mgr-net's managed bridge is not there: run mgr-net up" "naming mgr-net up, not a netlink error"
m destroy -f -n c0b >/dev/null 2>&1

# ---- up ---------------------------------------------------------------------
run net up
expect_rc 0 "mgr-net up"
[ "$(sysctl_ns all/forwarding)" = 1 ] && pass "IPv6 forwarding is on (for IPv6 forwards)" || fail "ipv6 forwarding: $(sysctl_ns all/forwarding)"
[ "$(sysctl_ns up0/accept_ra)" = 2 ] && pass "and the uplink keeps taking router advertisements (accept_ra 1 -> 2)" \
  || fail "up0 accept_ra: $(sysctl_ns up0/accept_ra)"
run net status
expect_rc 0 "status: everything is there"
expect_in "$OUT" "bridge:   mgrbr0 up, 10.0.3.1/24" "status shows the bridge and its address"
expect_in "$OUT" "dnsmasq:  running" "status shows dnsmasq running"
echo "$OUT" | sed 's/^/    /'
pid1=$(cat "$MGR_NET_STATE/dnsmasq.pid")
run net up
expect_rc 0 "up again (idempotent)"
[ "$(cat "$MGR_NET_STATE/dnsmasq.pid")" = "$pid1" ] && pass "and dnsmasq kept running" || fail "dnsmasq restarted"
expect_in "$(inns nft list table inet mgr)" "masquerade" "table inet mgr masquerades the subnet"
# up repairs what is missing: the table, the bridge's state and address.
inns nft delete table inet mgr
ip -n "$NS" addr flush dev mgrbr0
ip -n "$NS" link set mgrbr0 down
run net status
expect_rc 1 "status fails with the table gone and the bridge down"
expect_in "$OUT" "table inet mgr MISSING (mgr-net up restores it)" "naming the missing table"
expect_in "$OUT" "DOWN (mgr-net up)" "and the bridge down"
run net up
expect_rc 0 "up repairs"
run net status
expect_rc 0 "status: everything is back"
expect_in "$(ip -n "$NS" -o addr show dev mgrbr0)" "10.0.3.1/24" "the bridge has its address again"
expect_in "$(inns nft list table inet mgr)" "masquerade" "and the table is back"
ip -n "$NS" link del mgrbr0
run m start -n c0
expect_rc 1 "with the bridge deleted under mgr-net, a start fails"
expect_in "$ERR" "link = mgrbr0: mgr-net's managed bridge is not there: run mgr-net up" "naming mgr-net up"
expect_in "$(m info -n c0)" "STOPPED" "(c0 is not running)"
expect_not_in "$(ls "$MGR_NET_STATE/containers")" "c0-" "and nothing of c0 stays registered"
run net up
expect_rc 0 "up makes the bridge again"
run net status
expect_rc 0 "status: everything is there"
expect_in "$(cat /proc/$pid1/cmdline | tr '\0' ' ')" "--conf-file=$MGR_NET_STATE/dnsmasq.conf" "dnsmasq runs our generated config"
expect_in "$(cat "$MGR_NET_STATE/dnsmasq.conf")" "bind-interfaces" "bound to the bridge alone"
run net status --format json
python3 -c 'import json,sys; d=json.loads(sys.argv[1]); assert d["up"] and d["dnsmasq"]["running"] and d["bridge"]=="mgrbr0"' "$OUT" \
  && pass "status --format json" || fail "json: $OUT"

# ---- automatic addresses ------------------------------------------------------
m create -n c1 -t busybox >/dev/null
m create -n c2 -t busybox >/dev/null
expect_in "$(cat "$P/c1/config")" "ipv4 = auto" "while mgr-net is up, a new container gets a veth with ipv4 = auto"
sed -i 's/^ipv4 = auto$/ipv4 = auto\nipv6 = auto\nforward = tcp:8080:80/' "$P/c1/config"
sed -i 's/^ipv4 = auto$/ipv4 = auto\nipv6 = auto/' "$P/c2/config"
run m start -n c1
expect_rc 0 "start c1"
run m start -n c2
expect_rc 0 "start c2"
a1=$(m attach -n c1 -- ip -4 -o addr show eth0 | awk '{print $4}')
a2=$(m attach -n c2 -- ip -4 -o addr show eth0 | awk '{print $4}')
case "$a1" in 10.0.3.*/24) pass "c1 has $a1" ;; *) fail "c1 address: '$a1'" ;; esac
[ -n "$a2" ] && [ "$a1" != "$a2" ] && pass "c2 has another: $a2" || fail "c2 address: '$a2'"
prefix=$(python3 -c 'import json,sys; print(json.loads(sys.argv[1])["gateway6"])' "$(net status --format json)")
rc1=$(m attach -n c1 -- cat /etc/resolv.conf)
expect_in "$rc1" "nameserver 10.0.3.1" "mgr wrote c1's resolv.conf: dnsmasq's address as resolver"
expect_in "$rc1" "nameserver $prefix" "and its IPv6 address (c1 has ipv6 = auto)"
expect_in "$rc1" "search mgr" "and the domain as search"
[ "$(stat -c %F "$P/c1/rootfs/etc/resolv.conf")" = "regular file" ] && pass "(a regular file)" || fail "resolv.conf: $(stat -c %F "$P/c1/rootfs/etc/resolv.conf")"
# -4: c2.mgr has an AAAA record too, and which family ping takes depends
# on whether c1's SLAAC address is there yet (dnsmasq's router adverts).
run m attach -n c1 -- ping -4 -c1 -W3 c2.mgr
expect_rc 0 "c1 pings c2 by name (c2.mgr)"
expect_in "$OUT" "${a2%/*}" "c2.mgr is c2's address"
run m attach -n c2 -- ping -c1 -W3 10.0.3.1
expect_rc 0 "c2 pings the bridge"
expect_in "$(m info -n c1)" "${a1%/*}" "mgr-info shows the automatic address"
expect_in "$(m ls -f)" "${a2%/*}" "mgr-ls -f shows it"
expect_in "$(cat "$MGR_NET_STATE/dhcp-hosts")" ",${a1%/*},c1" "dnsmasq has c1's fixed lease"
m stop -n c1 -k >/dev/null
run m start -n c1
b1=$(m attach -n c1 -- ip -4 -o addr show eth0 | awk '{print $4}')
[ "$b1" = "$a1" ] && pass "c1 restarted keeps $a1" || fail "c1 now has '$b1', had $a1"

# IPv6: an address in the ULA /64 and a ping of the bridge over IPv6.
# mgr's fixed address (PREFIX::N); a SLAAC address from dnsmasq's router
# adverts may be there beside it, or not yet.
v6=$(m attach -n c2 -- ip -6 -o addr show eth0 scope global | awk '{print $4}')
fixed=; for a in $v6; do [ "${a%::*}" = "${prefix%::*}" ] && fixed=$a; done
[ -n "$fixed" ] && pass "c2 has $fixed in the ULA /64 of $prefix" || fail "c2 IPv6 '$v6', bridge $prefix"
ok=1; for _ in 1 2 3 4 5; do m attach -n c2 -- ping -6 -c1 -W2 "$prefix" >/dev/null 2>&1 && { ok=0; break; }; sleep 1; done
[ $ok -eq 0 ] && pass "c2 pings the bridge over IPv6" || fail "no IPv6 ping to $prefix"

# DHCP: busybox udhcpc in c2 gets from dnsmasq the address mgr chose for its MAC.
cat > "$P/c2/rootfs/bin/lease.sh" <<'EOF'
#!/bin/sh
[ "$1" = bound ] && echo "$ip" > /tmp/lease
exit 0
EOF
chmod 755 "$P/c2/rootfs/bin/lease.sh"
run m attach -n c2 -- udhcpc -i eth0 -n -q -t 5 -T 1 -s /bin/lease.sh
expect_rc 0 "udhcpc in c2 gets a lease"
lease=$(m attach -n c2 -- cat /tmp/lease)
[ "$lease" = "${a2%/*}" ] && pass "the lease equals the fixed address mgr chose ($lease)" || fail "lease '$lease', mgr chose $a2"

# ---- NAT ---------------------------------------------------------------------
inup python3 -c '
import socket
s = socket.socket(); s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
s.bind(("198.18.0.1", 9000)); s.listen(1); s.settimeout(30)
c, a = s.accept(); open("'"$WORK"'/peer", "w").write(a[0]); c.close()' &
LISTENER=$!
# Until the listener listens (python's start on a loaded host is not 0.5 s).
for _ in $(seq 300); do inup ss -ltnH 'sport = :9000' 2>/dev/null | grep -q . && break; sleep 0.1; done
run m attach -n c1 -- ping -c1 -W3 198.18.0.1
expect_rc 0 "c1 reaches the uplink namespace"
for _ in 1 2 3 4 5; do
  m attach -n c1 -- sh -c 'echo hi | nc -w 2 198.18.0.1 9000' >/dev/null 2>&1
  [ -s "$WORK/peer" ] && break
  sleep 0.5
done
wait "$LISTENER" 2>/dev/null; LISTENER=""
[ "$(cat "$WORK/peer" 2>/dev/null)" = 198.18.0.2 ] && pass "the uplink sees the mgr namespace's address (masquerade)" \
  || fail "peer seen: $(cat "$WORK/peer" 2>/dev/null)"

# ---- port forwards ------------------------------------------------------------
m attach -n c1 -- sh -c 'mkdir -p /www && echo forwarded-ok > /www/index.html && httpd -p 80 -h /www'
run inup python3 -c 'import urllib.request; print(urllib.request.urlopen("http://198.18.0.2:8080/", timeout=5).read().decode())'
expect_in "$OUT" "forwarded-ok" "a connection from the uplink to port 8080 reaches c1's port 80"
v6c1=$(python3 -c 'import json,sys; print([c["ipv6"] for c in json.loads(sys.argv[1])["containers"] if c["name"] == "c1"][0])' "$(net status --format json)")
expect_in "$(inns nft list map inet mgr fwd6_tcp)" "8080 : $v6c1 . 80" "c1 has ipv6 = auto: 8080 is forwarded to its ULA address too"
run inup python3 -c 'import urllib.request; print(urllib.request.urlopen("http://[fd99:18::2]:8080/", timeout=5).read().decode())'
expect_in "$OUT" "forwarded-ok" "a connection from the uplink over IPv6 to port 8080 reaches c1's port 80"
sed -i 's/^ipv6 = auto$/ipv6 = auto\nforward = tcp:8080:80/' "$P/c2/config"
m stop -n c2 -k >/dev/null
run m start -n c2
expect_rc 1 "a port another container forwards is refused"
expect_in "$ERR" "tcp:8080 is already forwarded to the container c1; c2 cannot have it" "naming both containers"
expect_in "$(m info -n c2)" "STOPPED" "and c2 did not start"
expect_in "$(inns nft list map inet mgr fwd4_tcp)" "8080 : ${a1%/*} . 80" "c1's forward is unchanged"
expect_not_in "$(ls "$MGR_NET_STATE/containers")" "c2-" "nothing of c2 stays registered"
m stop -n c1 -k >/dev/null
expect_not_in "$(inns nft list map inet mgr fwd4_tcp)" "8080" "after stop the forward is gone"
expect_not_in "$(inns nft list map inet mgr fwd6_tcp)" "8080" "(the IPv6 one too)"
m start -n c1 >/dev/null
expect_in "$(inns nft list map inet mgr fwd4_tcp)" "8080" "(c1 running again, forwarding 8080)"
mon=$(python3 -c 'import sys
for l in open(sys.argv[1]):
    if l.startswith("monitor_pid="): print(l.split("=")[1].strip())' "$MGR_NET_STATE/containers/$(ls "$MGR_NET_STATE/containers" | grep '^c1-')")
kill -9 "$mon"
sleep 0.3
expect_in "$(inns nft list map inet mgr fwd4_tcp)" "8080" "(a killed monitor leaves its forward behind)"
run net up
expect_rc 0 "mgr-net up after a killed monitor"
expect_not_in "$(inns nft list map inet mgr fwd4_tcp)" "8080" "the stale forward is gone"
expect_not_in "$(inns nft list map inet mgr fwd6_tcp)" "8080" "(the IPv6 one too)"
# A start cleans stale forwards too: c2 wants c1's port, c1's monitor is killed.
m stop -n c1 -k >/dev/null 2>&1
m start -n c1 >/dev/null
mon=$(python3 -c 'import sys
for l in open(sys.argv[1]):
    if l.startswith("monitor_pid="): print(l.split("=")[1].strip())' "$MGR_NET_STATE/containers/$(ls "$MGR_NET_STATE/containers" | grep '^c1-')")
kill -9 "$mon"
sleep 0.3
run m start -n c2
expect_rc 0 "c2 starts once c1's monitor is dead: the start dropped c1's stale forward"
expect_in "$(inns nft list map inet mgr fwd4_tcp)" "8080 : ${a2%/*} . 80" "8080 now goes to c2, at its old address (its own DHCP lease did not push it off)"
m stop -n c1 -k >/dev/null 2>&1
m stop -n c2 -k >/dev/null 2>&1

# ---- resolv.conf in a hostile rootfs -------------------------------------------
# The rootfs is the container's: what mgr writes there must not go through a
# symlink, into a FIFO (the monitor would hang), or into a hard link to a
# file outside it.
m create -n ca -t busybox >/dev/null
R="$P/ca/rootfs"
echo host-secret > "$WORK/hostfile"
m config -n ca set container.console.log "$WORK/ca-console.log" >/dev/null
rm -f "$R/etc/resolv.conf"; ln -s "$WORK/hostfile" "$R/etc/resolv.conf"
run m start -n ca
expect_rc 0 "a resolv.conf that is a symlink out of the rootfs: the container starts"
[ "$(cat "$WORK/hostfile")" = host-secret ] && pass "and the file it points at outside is untouched" || fail "hostfile now: $(cat "$WORK/hostfile")"
[ -L "$R/etc/resolv.conf" ] && pass "the symlink is left alone (the image's own)" || fail "the symlink was replaced"
expect_in "$(cat "$WORK/ca-console.log" 2>/dev/null)" "[mgr] $R/etc/resolv.conf is a symlink: left alone" "and the console log says so"
m stop -n ca -k >/dev/null 2>&1
rm -f "$R/etc/resolv.conf"; ln -s ../../../../../../../../"$WORK/hostfile" "$R/etc/resolv.conf"
m start -n ca >/dev/null 2>&1
[ "$(cat "$WORK/hostfile")" = host-secret ] && pass "a relative symlink climbing out: untouched" || fail "hostfile now: $(cat "$WORK/hostfile")"
m stop -n ca -k >/dev/null 2>&1
rm -f "$R/etc/resolv.conf"; mkfifo "$R/etc/resolv.conf"
run timeout 20 nsenter --net="/run/netns/$NS" "$MGR" start -P "$P" -n ca
expect_rc 1 "a resolv.conf that is a FIFO: the start fails, and does not hang"
expect_in "$ERR" "$R/etc/resolv.conf is a FIFO: mgr writes the resolver of ipv4 = auto only into a regular file" "naming the file and what it is"
expect_in "$(m info -n ca)" "STOPPED" "ca is not running"
expect_not_in "$(cat "$MGR_NET_STATE/dhcp-hosts")" ",ca" "and nothing of ca stays registered"
rm -f "$R/etc/resolv.conf"; ln "$WORK/hostfile" "$R/etc/resolv.conf"
run m start -n ca
expect_rc 1 "a resolv.conf that is a hard link to a file outside: refused"
expect_in "$ERR" "with other hard links" "saying so"
[ "$(cat "$WORK/hostfile")" = host-secret ] && pass "and the linked file is untouched" || fail "hostfile now: $(cat "$WORK/hostfile")"
rm -f "$R/etc/resolv.conf"; mkdir "$WORK/hostetc"; mv "$R/etc" "$R/etc.real"; ln -s "$WORK/hostetc" "$R/etc"
run m start -n ca
expect_rc 1 "an etc that is a symlink out of the rootfs: refused"
expect_in "$ERR" "$R/etc: a symlink or not a folder" "saying so"
[ -z "$(ls -A "$WORK/hostetc")" ] && pass "nothing was made in the folder it points at" || fail "made: $(ls -A "$WORK/hostetc")"
rm "$R/etc"; mv "$R/etc.real" "$R/etc"
run m start -n ca
expect_rc 0 "with no resolv.conf at all: it starts"
[ "$(stat -c '%F %u %a' "$R/etc/resolv.conf")" = "regular file $(stat -c %u "$R") 644" ] && pass "mgr made resolv.conf, the container root's, 0644" \
  || fail "made: $(stat -c '%F %u %a' "$R/etc/resolv.conf")"
m stop -n ca -k >/dev/null 2>&1

# ---- dnsmasq supervision ------------------------------------------------------
kill -9 "$(cat "$MGR_NET_STATE/dnsmasq.pid")"
sleep 0.5
run net status
expect_rc 1 "status fails when dnsmasq died"
expect_in "$OUT" "dnsmasq:  NOT RUNNING: died " "and says when it died"
run net up
expect_rc 0 "up restarts it"
run net status
expect_in "$OUT" "dnsmasq:  running" "dnsmasq runs again"

# ---- down ------------------------------------------------------------------------
m stop -n c2 -k >/dev/null 2>&1
dpid=$(cat "$MGR_NET_STATE/dnsmasq.pid")
run net down
expect_rc 0 "mgr-net down"
[ -z "$(ip -n "$NS" -o link show mgrbr0 2>/dev/null)" ] && pass "no bridge left" || fail "mgrbr0 still there"
inns nft list table inet mgr >/dev/null 2>&1 && fail "table inet mgr still there" || pass "no table inet mgr left"
kill -0 "$dpid" 2>/dev/null && fail "dnsmasq $dpid still runs" || pass "no dnsmasq left"
[ ! -e "$MGR_NET_STATE/dnsmasq.leases" ] && [ ! -e "$MGR_NET_STATE" ] && pass "no lease file, no state folder" || fail "left: $(ls "$MGR_NET_STATE")"
[ "$(sysctl_ns all/forwarding)" = 0 ] && [ "$(sysctl_ns up0/accept_ra)" = 1 ] && pass "IPv6 forwarding and accept_ra are back as they were" \
  || fail "after down: forwarding $(sysctl_ns all/forwarding), up0 accept_ra $(sysctl_ns up0/accept_ra)"
run net status
expect_rc 1 "status after down says it is down"
expect_in "$OUT" "mgr-net is down" "in words"
finish
