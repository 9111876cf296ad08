/* [network NAME]: interfaces made on the host with libnl-route and moved
 * into the container's network namespace before it is released, then named,
 * addressed and routed from inside that namespace. Nothing needs removing
 * afterwards: when the namespace dies its veth ends and macvlans go with it,
 * and a moved physical device returns to the host. */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <net/if.h>
#include <netlink/netlink.h>
#include <netlink/route/addr.h>
#include <netlink/route/link.h>
#include <netlink/route/link/macvlan.h>
#include <netlink/route/link/veth.h>
#include <netlink/route/route.h>
#include <sched.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <string.h>
#include <unistd.h>

#include "mgr-error.h"
#include "netmgr.h"
#include "network.h"
#include "util.h"

static gboolean G_GNUC_PRINTF (3, 4)
fail (GError **error, int nlerr, const char *fmt, ...)
{
  va_list ap;
  va_start (ap, fmt);
  g_autofree char *what = g_strdup_vprintf (fmt, ap);
  va_end (ap);
  g_set_error (error, MGR_ERROR, MGR_ERROR_FAILED, "%s: %s", what, nl_geterror (nlerr));
  return FALSE;
}

static char *
temp_name (pid_t pid, guint i)
{
  return g_strdup_printf ("mgr%dp%u", pid % 1000000, i);
}

/* The host side of one interface; the container's end arrives in its
 * namespace under a temporary name. */
static gboolean
host_side (struct nl_sock *sk, const struct mgr_net *n, guint i, pid_t pid, GError **error)
{
  g_autofree char *tmp = temp_name (pid, i);
  int parent = 0, r;
  if (n->link && n->type != MGR_NET_PHYS)
    {
      struct rtnl_link *l = NULL;
      g_autofree char *managed = NULL;
      if (rtnl_link_get_kernel (sk, 0, n->link, &l) < 0 && n->type == MGR_NET_VETH
          && (managed = mgr_net_managed_bridge ()) && strcmp (managed, n->link) == 0)
        {
          g_set_error (error, MGR_ERROR, MGR_ERROR_FAILED,
                       "[network %s] link = %s: mgr-net's managed bridge is not there: run mgr-net up (as root), or "
                       "set link to another bridge",
                       n->name, n->link);
          return FALSE;
        }
      if (!l)
        {
          g_set_error (error, MGR_ERROR, MGR_ERROR_FAILED,
                       "[network %s] link = %s: no such %s on the host%s", n->name, n->link,
                       n->type == MGR_NET_VETH ? "bridge" : "device",
                       n->type == MGR_NET_VETH ? " (make one: ip link add NAME type bridge && ip link set NAME up)" : "");
          return FALSE;
        }
      parent = rtnl_link_get_ifindex (l);
      rtnl_link_put (l);
    }
  if (n->type == MGR_NET_VETH)
    {
      g_autofree char *host = n->veth_host ? g_strdup (n->veth_host) : g_strdup_printf ("mgr%dv%u", pid % 1000000, i);
      struct rtnl_link *veth = rtnl_link_veth_alloc ();
      struct rtnl_link *peer = rtnl_link_veth_get_peer (veth);
      rtnl_link_set_name (veth, host);
      rtnl_link_set_name (peer, tmp);
      rtnl_link_set_ns_pid (peer, pid);
      if (n->mtu.set)
        rtnl_link_set_mtu (veth, n->mtu.v), rtnl_link_set_mtu (peer, n->mtu.v);
      r = rtnl_link_add (sk, veth, NLM_F_CREATE | NLM_F_EXCL);
      rtnl_link_put (peer);
      rtnl_link_veth_release (veth);
      if (r < 0)
        return fail (error, r, "[network %s] creating the veth pair %s", n->name, host);
      struct rtnl_link *h = NULL, *change = rtnl_link_alloc ();
      if ((r = rtnl_link_get_kernel (sk, 0, host, &h)) >= 0)
        {
          rtnl_link_set_master (change, parent);
          rtnl_link_set_flags (change, IFF_UP);
          r = rtnl_link_change (sk, h, change, 0);
        }
      if (h)
        rtnl_link_put (h);
      rtnl_link_put (change);
      if (r < 0)
        return fail (error, r, "[network %s] attaching %s to the bridge %s", n->name, host, n->link);
      return TRUE;
    }
  if (n->type == MGR_NET_MACVLAN)
    {
      static const char *const modes[] = { "bridge", "private", "vepa", "passthru" };
      struct rtnl_link *mv = rtnl_link_macvlan_alloc ();
      rtnl_link_set_name (mv, tmp);
      rtnl_link_set_link (mv, parent);
      rtnl_link_set_ns_pid (mv, pid);
      rtnl_link_macvlan_set_mode (mv, rtnl_link_macvlan_str2mode (modes[n->macvlan_mode]));
      if (n->mtu.set)
        rtnl_link_set_mtu (mv, n->mtu.v);
      r = rtnl_link_add (sk, mv, NLM_F_CREATE | NLM_F_EXCL);
      rtnl_link_put (mv);
      return r < 0 ? fail (error, r, "[network %s] creating a macvlan on %s", n->name, n->link) : TRUE;
    }
  /* phys: the device itself moves in. */
  struct rtnl_link *dev = NULL, *change = rtnl_link_alloc ();
  if ((r = rtnl_link_get_kernel (sk, 0, n->link, &dev)) < 0)
    {
      rtnl_link_put (change);
      return fail (error, r, "[network %s] link = %s: no such device on the host", n->name, n->link);
    }
  rtnl_link_set_name (change, tmp);
  rtnl_link_set_ns_pid (change, pid);
  r = rtnl_link_change (sk, dev, change, 0);
  rtnl_link_put (dev);
  rtnl_link_put (change);
  return r < 0 ? fail (error, r, "[network %s] moving %s into the container", n->name, n->link) : TRUE;
}

static void
random_hwaddr (const char *tmpl, guint8 out[6])
{
  for (int i = 0; i < 6; i++)
    {
      char hi = g_ascii_tolower (tmpl[i * 3]), lo = g_ascii_tolower (tmpl[i * 3 + 1]);
      int h = hi == 'x' ? g_random_int_range (0, 16) : g_ascii_xdigit_value (hi);
      int l = lo == 'x' ? g_random_int_range (0, 16) : g_ascii_xdigit_value (lo);
      out[i] = h << 4 | l;
    }
  out[0] &= 0xfe; /* unicast */
  if (tmpl[1] == 'x' || tmpl[1] == 'X')
    out[0] |= 0x02; /* a random first octet is locally administered */
}

static gboolean
add_addr (struct nl_sock *sk, int ifindex, const struct mgr_addr *a, const char *ifname, GError **error)
{
  struct rtnl_addr *ra = rtnl_addr_alloc ();
  struct nl_addr *local = nl_addr_build (a->family, a->addr, a->family == AF_INET ? 4 : 16);
  nl_addr_set_prefixlen (local, a->prefix);
  rtnl_addr_set_ifindex (ra, ifindex);
  rtnl_addr_set_local (ra, local);
  int r = rtnl_addr_add (sk, ra, 0);
  nl_addr_put (local);
  rtnl_addr_put (ra);
  return r < 0 ? fail (error, r, "[network %s] adding an address", ifname) : TRUE;
}

static gboolean
add_default_route (struct nl_sock *sk, int ifindex, const struct mgr_addr *gw, const char *ifname, GError **error)
{
  struct rtnl_route *rt = rtnl_route_alloc ();
  struct nl_addr *dst = nl_addr_build (gw->family, (guint8[16]){ 0 }, gw->family == AF_INET ? 4 : 16);
  struct nl_addr *via = nl_addr_build (gw->family, gw->addr, gw->family == AF_INET ? 4 : 16);
  struct rtnl_nexthop *nh = rtnl_route_nh_alloc ();
  nl_addr_set_prefixlen (dst, 0);
  rtnl_route_set_family (rt, gw->family);
  rtnl_route_set_dst (rt, dst);
  rtnl_route_nh_set_gateway (nh, via);
  rtnl_route_nh_set_ifindex (nh, ifindex);
  rtnl_route_add_nexthop (rt, nh);
  int r = rtnl_route_add (sk, rt, 0);
  nl_addr_put (dst);
  nl_addr_put (via);
  rtnl_route_put (rt);
  return r < 0 ? fail (error, r, "[network %s] adding the default route", ifname) : TRUE;
}

/* Inside the container's namespace: the final name, MAC, addresses, up, route. */
static gboolean
inside (struct nl_sock *sk, const struct mgr_net *n, guint i, pid_t pid, const struct mgr_net_auto *au, GError **error)
{
  g_autofree char *tmp = temp_name (pid, i);
  struct rtnl_link *l = NULL, *change = rtnl_link_alloc ();
  int r = rtnl_link_get_kernel (sk, 0, tmp, &l);
  if (r < 0)
    {
      rtnl_link_put (change);
      return fail (error, r, "[network %s] finding %s in the container", n->name, tmp);
    }
  int ifindex = rtnl_link_get_ifindex (l);
  rtnl_link_set_name (change, n->name);
  if (au && au->has_mac)
    {
      /* mgr-net's fixed lease is for this MAC. */
      struct nl_addr *a = nl_addr_build (AF_LLC, au->mac, 6);
      rtnl_link_set_addr (change, a);
      nl_addr_put (a);
    }
  else if (n->hwaddr)
    {
      guint8 mac[6];
      random_hwaddr (n->hwaddr, mac);
      struct nl_addr *a = nl_addr_build (AF_LLC, mac, 6);
      rtnl_link_set_addr (change, a);
      nl_addr_put (a);
    }
  if (n->mtu.set)
    rtnl_link_set_mtu (change, n->mtu.v);
  if (n->up)
    rtnl_link_set_flags (change, IFF_UP);
  r = rtnl_link_change (sk, l, change, 0);
  rtnl_link_put (l);
  rtnl_link_put (change);
  if (r < 0)
    return fail (error, r, "[network %s] configuring the interface", n->name);
  for (guint j = 0; j < n->ipv4.n; j++)
    if (!add_addr (sk, ifindex, &n->ipv4.v[j], n->name, error))
      return FALSE;
  for (guint j = 0; j < n->ipv6.n; j++)
    if (!add_addr (sk, ifindex, &n->ipv6.v[j], n->name, error))
      return FALSE;
  if (au && au->has4 && !add_addr (sk, ifindex, &au->v4, n->name, error))
    return FALSE;
  if (au && au->has6 && !add_addr (sk, ifindex, &au->v6, n->name, error))
    return FALSE;
  if (n->up && n->ipv4_gateway.n && !add_default_route (sk, ifindex, &n->ipv4_gateway.v[0], n->name, error))
    return FALSE;
  if (n->up && n->ipv6_gateway.n && !add_default_route (sk, ifindex, &n->ipv6_gateway.v[0], n->name, error))
    return FALSE;
  /* An automatic address routes through the managed bridge unless the
   * section names its own gateway. */
  if (n->up && au && au->has4 && !n->ipv4_gateway.n && !add_default_route (sk, ifindex, &au->gw4, n->name, error))
    return FALSE;
  if (n->up && au && au->has6 && !n->ipv6_gateway.n && !add_default_route (sk, ifindex, &au->gw6, n->name, error))
    return FALSE;
  return TRUE;
}

void
mgr_nl_sock_freep (struct nl_sock **sk)
{
  if (*sk)
    nl_socket_free (*sk);
}

struct nl_sock *
mgr_nl_route_socket (GError **error)
{
  struct nl_sock *sk = nl_socket_alloc ();
  int r = sk ? nl_connect (sk, NETLINK_ROUTE) : -NLE_NOMEM;
  if (r < 0)
    {
      if (sk)
        nl_socket_free (sk);
      fail (error, r, "opening a netlink socket");
      return NULL;
    }
  return sk;
}

/* The setuid helper: beside this binary when installed, else on PATH;
 * MGR_USER_NIC names another (tests). It is only ever run as the user. */
static char *
user_nic_path (void)
{
  const char *e = g_getenv ("MGR_USER_NIC");
  if (e && *e)
    return g_strdup (e);
  g_autofree char *self = g_file_read_link ("/proc/self/exe", NULL);
  g_autofree char *dir = self ? g_path_get_dirname (self) : NULL;
  g_autofree char *here = dir ? g_build_filename (dir, "mgr-user-nic", NULL) : NULL;
  if (here && g_file_test (here, G_FILE_TEST_IS_EXECUTABLE))
    return g_steal_pointer (&here);
  return g_find_program_in_path ("mgr-user-nic");
}

/* An ordinary user's veth: mgr-user-nic makes it within /etc/mgr/usernet,
 * given the container's network namespace as fd 3, and names the peer with
 * the temporary name that inside() then renames. */
static gboolean
user_veth (const struct mgr_net *n, guint i, pid_t pid, GError **error)
{
  g_autofree char *helper = user_nic_path ();
  g_autofree char *tmp = temp_name (pid, i);
  g_autofree char *nspath = g_strdup_printf ("/proc/%d/ns/net", pid);
  g_autofree char *mtu = n->mtu.set ? g_strdup_printf ("%u", (unsigned) n->mtu.v) : NULL;
  if (!helper)
    return g_set_error (error, MGR_ERROR, MGR_ERROR_NOT_FOUND,
                        "[network %s] type = veth: an ordinary user's veth is made by mgr-user-nic, which is not "
                        "installed (mgr-checkconfig --user)", n->name), FALSE;
  _cleanup_close_ int nsfd = open (nspath, O_RDONLY | O_CLOEXEC);
  int out[2];
  if (nsfd < 0 || pipe2 (out, O_CLOEXEC) < 0)
    return g_set_error (error, MGR_ERROR, MGR_ERROR_FAILED, "[network %s] %s: %s", n->name, nspath,
                        g_strerror (errno)), FALSE;
  const char *argv[] = { helper, "create", "--netns-fd", "3", "--peer", tmp, mtu ? "--mtu" : n->link,
                         mtu ? mtu : NULL, mtu ? n->link : NULL, NULL };
  char *const envp[] = { NULL };
  pid_t child = fork ();
  if (child == 0)
    {
      /* stdout and stderr to the pipe, the namespace on fd 3, nothing else open. */
      if (dup2 (out[1], 1) < 0 || dup2 (out[1], 2) < 0 || dup2 (nsfd, 3) < 0)
        _exit (127);
      syscall (SYS_close_range, 4, ~0U, 0);
      execve (helper, (char *const *) argv, envp);
      _exit (127);
    }
  close (out[1]);
  char buf[256] = "";
  size_t len = 0;
  ssize_t r;
  while (len < sizeof buf - 1 && ((r = read (out[0], buf + len, sizeof buf - 1 - len)) > 0 || (r < 0 && errno == EINTR)))
    len += r > 0 ? r : 0;
  close (out[0]);
  int status = 0;
  while (child > 0 && waitpid (child, &status, 0) < 0 && errno == EINTR)
    ;
  if (child < 0 || !WIFEXITED (status) || WEXITSTATUS (status) != 0)
    return g_set_error (error, MGR_ERROR, MGR_ERROR_PERMISSION,
                        "[network %s] mgr-user-nic could not put a veth on %s for you: %s (the bridge and a "
                        "count must be yours in /etc/mgr/usernet: mgr-checkconfig --user)",
                        n->name, n->link, len ? g_strstrip (buf) : "it failed"), FALSE;
  return TRUE;
}

/* Configuring the interfaces inside needs the container's network
 * namespace, which only a member of its user namespace may enter: a child
 * joins both, so that the monitor stays where it is. */
static gboolean
user_inside (const MgrPlan *plan, pid_t pid, GError **error)
{
  int errp[2];
  if (pipe2 (errp, O_CLOEXEC) < 0)
    return g_set_error (error, MGR_ERROR, MGR_ERROR_FAILED, "pipe: %s", g_strerror (errno)), FALSE;
  g_autofree char *userns = g_strdup_printf ("/proc/%d/ns/user", pid);
  g_autofree char *netns = g_strdup_printf ("/proc/%d/ns/net", pid);
  pid_t child = fork ();
  if (child == 0)
    {
      g_autoptr (GError) e = NULL;
      int u = open (userns, O_RDONLY | O_CLOEXEC), nt = open (netns, O_RDONLY | O_CLOEXEC);
      if (u < 0 || nt < 0 || setns (u, CLONE_NEWUSER) < 0 || setns (nt, CLONE_NEWNET) < 0)
        g_set_error (&e, MGR_ERROR, MGR_ERROR_FAILED, "entering the container's network namespace: %s",
                     g_strerror (errno));
      else
        {
          __attribute__ ((cleanup (mgr_nl_sock_freep))) struct nl_sock *in = mgr_nl_route_socket (&e);
          for (guint i = 0; in && i < plan->n_net; i++)
            if (plan->net[i].type == MGR_NET_VETH && !inside (in, &plan->net[i], i, pid, NULL, &e))
              break;
        }
      if (e)
        (void) !write (errp[1], e->message, strlen (e->message));
      _exit (e ? 1 : 0);
    }
  close (errp[1]);
  char buf[1024] = "";
  ssize_t r = child > 0 ? read (errp[0], buf, sizeof buf - 1) : -1;
  close (errp[0]);
  int status = 0;
  while (child > 0 && waitpid (child, &status, 0) < 0 && errno == EINTR)
    ;
  if (child > 0 && WIFEXITED (status) && WEXITSTATUS (status) == 0)
    return TRUE;
  g_set_error (error, MGR_ERROR, MGR_ERROR_FAILED, "%s", r > 0 ? buf : "configuring the network inside failed");
  return FALSE;
}

struct ns_socket {
  int nsfd;
  struct nl_sock *sk;
  GError *error;
};

static gpointer
ns_socket_thread (gpointer p)
{
  struct ns_socket *a = p;
  if (setns (a->nsfd, CLONE_NEWNET) < 0)
    g_set_error (&a->error, MGR_ERROR, MGR_ERROR_FAILED, "entering the container's network namespace: %s",
                 g_strerror (errno));
  else
    a->sk = mgr_nl_route_socket (&a->error);
  return NULL;
}

gboolean
mgr_network_setup (const MgrPlan *plan, pid_t pid, const struct mgr_net_auto *au, GError **error)
{
  guint todo = 0;
  if (geteuid () != 0)
    {
      for (guint i = 0; i < plan->n_net; i++)
        if (plan->net[i].type == MGR_NET_VETH && !user_veth (&plan->net[i], i, pid, error))
          return FALSE;
        else
          todo += plan->net[i].type == MGR_NET_VETH;
      return !todo || user_inside (plan, pid, error);
    }
  for (guint i = 0; i < plan->n_net; i++)
    todo += plan->net[i].type <= MGR_NET_PHYS;
  if (!todo)
    return TRUE;
  __attribute__ ((cleanup (mgr_nl_sock_freep))) struct nl_sock *host = mgr_nl_route_socket (error);
  if (!host)
    return FALSE;
  for (guint i = 0; i < plan->n_net; i++)
    if (plan->net[i].type <= MGR_NET_PHYS && !host_side (host, &plan->net[i], i, pid, error))
      return FALSE;

  /* A netlink socket keeps the namespace it was opened in. It is opened by
   * a thread that enters the container's namespace and then ends: the
   * monitor itself never leaves its own, so there is no way back to fail
   * (setns changes the network namespace of the calling thread only). */
  g_autofree char *nspath = g_strdup_printf ("/proc/%d/ns/net", pid);
  struct ns_socket a = { .nsfd = open (nspath, O_RDONLY | O_CLOEXEC) };
  if (a.nsfd < 0)
    {
      g_set_error (error, MGR_ERROR, MGR_ERROR_FAILED, "opening the container's network namespace %s: %s", nspath,
                   g_strerror (errno));
      return FALSE;
    }
  g_thread_join (g_thread_new ("mgr-netns", ns_socket_thread, &a));
  close (a.nsfd);
  if (!a.sk)
    {
      g_propagate_error (error, a.error);
      return FALSE;
    }
  __attribute__ ((cleanup (mgr_nl_sock_freep))) struct nl_sock *in = a.sk;
  for (guint i = 0; i < plan->n_net; i++)
    if (plan->net[i].type <= MGR_NET_PHYS && !inside (in, &plan->net[i], i, pid, au ? &au[i] : NULL, error))
      return FALSE;
  return TRUE;
}
