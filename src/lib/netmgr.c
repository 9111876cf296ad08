/* mgr-net: one managed bridge, like LXC's lxcbr0, plus what LXC lacks:
 * addresses mgr assigns itself and port forwards.
 *
 * Everything mgr-net makes is its own and removable as a whole: the bridge
 * (or, if the administrator made it, only the addresses mgr put on it), the
 * nftables table inet mgr (nothing of the host's firewall is touched), and
 * dnsmasq bound to the bridge alone, whose files live in the state folder.
 * The state folder also holds one file per running container that has an
 * automatic address or forwards: the registry from which dnsmasq's fixed
 * leases and names and the table's forwards are regenerated. An entry whose
 * monitor is gone (killed) is stale and is dropped by the next mgr-net up or
 * container start.
 */
#include "config.h"

#include <arpa/inet.h>
#include <dlfcn.h>
#include <errno.h>
#include <fcntl.h>
#include <net/if.h>
#include <netinet/in.h>
#include <netlink/netlink.h>
#include <netlink/route/addr.h>
#include <netlink/route/link.h>
#include <netlink/route/route.h>
#include <nftables/libnftables.h>
#include <signal.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "mgr-error.h"
#include "netmgr.h"
#include "network.h"
#include "runtime.h"
#include "util.h"

#define NFT_TABLE "inet mgr"

#define fail(error, ...) mgr_fail (error, MGR_ERROR_FAILED, __VA_ARGS__)

void
mgr_net_config_free (MgrNetConfig *c)
{
  if (!c)
    return;
  g_free (c->state);
  g_free (c->bridge);
  g_free (c->domain);
  g_free (c);
}

char *
mgr_net_state_dir (void)
{
  const char *e = g_getenv ("MGR_NET_STATE");
  return e && *e ? g_strdup (e) : g_build_filename (MGR_RUNSTATEDIR, "mgr", "net", NULL);
}

static char *
state_path (const char *state, const char *name)
{
  return g_build_filename (state, name, NULL);
}

/* ---- addresses ------------------------------------------------------------------ */

static char *
ip4_text (guint32 host_order)
{
  struct in_addr a = { htonl (host_order) };
  char buf[INET_ADDRSTRLEN];
  return g_strdup (inet_ntop (AF_INET, &a, buf, sizeof buf));
}

static char *
ip6_text (const guint8 net[16], guint32 host)
{
  guint8 a[16];
  memcpy (a, net, 16);
  a[12] = host >> 24, a[13] = host >> 16, a[14] = host >> 8, a[15] = host;
  char buf[INET6_ADDRSTRLEN];
  return g_strdup (inet_ntop (AF_INET6, a, buf, sizeof buf));
}

/* A ULA /64 that is the same on every boot of this machine: fd00::/8 with
 * 56 bits from a hash of /etc/machine-id (RFC 4193 asks for pseudo-random
 * bits; this keeps them stable without storing them). */
static void
ula_from_machine_id (guint8 net[16])
{
  g_autofree char *id = NULL;
  if (!g_file_get_contents ("/etc/machine-id", &id, NULL, NULL))
    id = g_strdup (g_get_host_name ());
  g_autoptr (GChecksum) ck = g_checksum_new (G_CHECKSUM_SHA256);
  g_checksum_update (ck, (const guchar *) "mgr-net ula ", -1);
  g_checksum_update (ck, (const guchar *) id, -1);
  guint8 d[32];
  gsize n = sizeof d;
  g_checksum_get_digest (ck, d, &n);
  memset (net, 0, 16);
  net[0] = 0xfd;
  memcpy (net + 1, d, 7);
}

MgrNetConfig *
mgr_net_config_from_settings (const MgrSettings *s, GError **error)
{
  g_autoptr (MgrNetConfig) c = g_new0 (MgrNetConfig, 1);
  c->state = mgr_net_state_dir ();
  c->bridge = g_strdup (s->default_bridge);
  c->nat = s->net_nat, c->dhcp = s->net_dhcp, c->dns = s->net_dns;
  c->domain = g_strdup (s->net_domain);
  if (!c->bridge || !*c->bridge || strlen (c->bridge) >= IFNAMSIZ || strchr (c->bridge, '/'))
    return fail (error, "mgr.conf: default_bridge \"%s\": not an interface name", c->bridge ? c->bridge : ""), NULL;
  g_auto (GStrv) p = g_strsplit (s->net_ipv4, "/", 2);
  struct in_addr a;
  guint64 prefix = 0;
  if (g_strv_length (p) != 2 || inet_pton (AF_INET, p[0], &a) != 1 || !g_ascii_string_to_unsigned (p[1], 10, 8, 28, &prefix, NULL))
    return fail (error, "mgr.conf: net_ipv4 \"%s\": expected an IPv4 subnet from /8 to /28, such as 10.0.3.0/24", s->net_ipv4), NULL;
  c->prefix4 = (guint) prefix;
  c->net4 = ntohl (a.s_addr) & (0xffffffffu << (32 - c->prefix4));
  if (strcmp (s->net_ipv6, "none") == 0)
    c->has6 = false;
  else if (strcmp (s->net_ipv6, "auto") == 0)
    c->has6 = true, ula_from_machine_id (c->net6);
  else
    {
      g_auto (GStrv) q = g_strsplit (s->net_ipv6, "/", 2);
      if (g_strv_length (q) != 2 || strcmp (q[1], "64") != 0 || inet_pton (AF_INET6, q[0], c->net6) != 1)
        return fail (error, "mgr.conf: net_ipv6 \"%s\": expected auto, none, or a /64 such as fd42:1:2:3::/64", s->net_ipv6), NULL;
      memset (c->net6 + 8, 0, 8);
      c->has6 = true;
    }
  if (!c->domain || !*c->domain || strpbrk (c->domain, " /\n,"))
    return fail (error, "mgr.conf: net_domain \"%s\": expected a DNS domain such as mgr", c->domain ? c->domain : ""), NULL;
  return g_steal_pointer (&c);
}

/* ---- the state folder --------------------------------------------------------- */

static int
state_lock (const char *state, GError **error)
{
  g_autofree char *path = state_path (state, "lock");
  int fd = open (path, O_RDWR | O_CREAT | O_CLOEXEC | O_NOFOLLOW, 0600);
  if (fd < 0 || flock (fd, LOCK_EX) < 0)
    {
      fail (error, "locking %s: %s", path, g_strerror (errno));
      if (fd >= 0)
        close (fd);
      return -1;
    }
  return fd;
}

static gboolean
write_state_file (const char *state, const char *name, const char *text, GError **error)
{
  g_autofree char *path = state_path (state, name);
  return mgr_write_file_atomic (path, text, -1, 0644, error);
}

/* The settings up applied, read back by containers and status. */
static MgrNetConfig *
config_load_applied (const char *state)
{
  g_autofree char *path = state_path (state, "up");
  g_autoptr (GKeyFile) kf = g_key_file_new ();
  if (!g_key_file_load_from_file (kf, path, G_KEY_FILE_NONE, NULL))
    return NULL;
  g_autoptr (MgrNetConfig) c = g_new0 (MgrNetConfig, 1);
  c->state = g_strdup (state);
  c->bridge = g_key_file_get_string (kf, "net", "bridge", NULL);
  c->domain = g_key_file_get_string (kf, "net", "domain", NULL);
  g_autofree char *v4 = g_key_file_get_string (kf, "net", "ipv4", NULL);
  g_autofree char *v6 = g_key_file_get_string (kf, "net", "ipv6", NULL);
  c->nat = g_key_file_get_boolean (kf, "net", "nat", NULL);
  c->dhcp = g_key_file_get_boolean (kf, "net", "dhcp", NULL);
  c->dns = g_key_file_get_boolean (kf, "net", "dns", NULL);
  if (!c->bridge || !c->domain || !v4)
    return NULL;
  g_auto (GStrv) p = g_strsplit (v4, "/", 2);
  struct in_addr a;
  if (g_strv_length (p) != 2 || inet_pton (AF_INET, p[0], &a) != 1)
    return NULL;
  c->net4 = ntohl (a.s_addr);
  c->prefix4 = (guint) g_ascii_strtoull (p[1], NULL, 10);
  if (v6 && *v6)
    c->has6 = inet_pton (AF_INET6, v6, c->net6) == 1;
  return g_steal_pointer (&c);
}

gboolean
mgr_net_is_up (char **bridge)
{
  g_autofree char *state = mgr_net_state_dir ();
  g_autoptr (MgrNetConfig) c = config_load_applied (state);
  if (c && bridge)
    *bridge = g_strdup (c->bridge);
  return c != NULL;
}

char *
mgr_net_managed_bridge (void)
{
  char *bridge = NULL;
  if (mgr_net_is_up (&bridge))
    return bridge;
  g_autoptr (MgrPaths) paths = mgr_paths_new ();
  g_autoptr (MgrSettings) s = paths ? mgr_settings_load (paths, NULL) : NULL;
  return s && s->default_bridge ? g_strdup (s->default_bridge) : NULL;
}

/* ---- the registry of containers ----------------------------------------------- */

typedef struct {
  char *id, *name;
  guint32 host; /* index in the subnet; 0 when none */
  bool has4, has6;
  guint8 mac[6];
  struct mgr_forward_list fwd;
} Entry;

static void
entry_free (Entry *e)
{
  if (!e)
    return;
  g_free (e->id);
  g_free (e->name);
  g_free (e->fwd.v);
  g_free (e);
}
G_DEFINE_AUTOPTR_CLEANUP_FUNC (Entry, entry_free)

static char *
mac_text (const guint8 m[6])
{
  return g_strdup_printf ("%02x:%02x:%02x:%02x:%02x:%02x", m[0], m[1], m[2], m[3], m[4], m[5]);
}

static char *
forwards_text (const struct mgr_forward_list *l)
{
  GString *s = g_string_new (NULL);
  for (guint i = 0; i < l->n; i++)
    g_string_append_printf (s, "%s%s:%u:%u", i ? ", " : "", l->v[i].proto == IPPROTO_TCP ? "tcp" : "udp",
                            l->v[i].host_port, l->v[i].port);
  return g_string_free (s, FALSE);
}

/* Entries whose monitor still lives; stale ones are removed from disk and
 * returned in *stale (for their forwards to be taken out of the table). */
static GPtrArray *
registry_read (const char *state, GPtrArray **stale)
{
  GPtrArray *live = g_ptr_array_new_with_free_func ((GDestroyNotify) entry_free);
  if (stale)
    *stale = g_ptr_array_new_with_free_func ((GDestroyNotify) entry_free);
  g_autofree char *dir = state_path (state, "containers");
  g_autoptr (GDir) d = g_dir_open (dir, 0, NULL);
  const char *f;
  while (d && (f = g_dir_read_name (d)))
    {
      g_autofree char *path = g_build_filename (dir, f, NULL);
      g_autoptr (GKeyFile) kf = g_key_file_new ();
      if (!g_key_file_load_from_file (kf, path, G_KEY_FILE_NONE, NULL))
        {
          unlink (path);
          continue;
        }
      g_autoptr (Entry) e = g_new0 (Entry, 1);
      e->id = g_strdup (f);
      e->name = g_key_file_get_string (kf, "container", "name", NULL);
      e->host = (guint32) g_key_file_get_uint64 (kf, "container", "host", NULL);
      e->has4 = g_key_file_get_boolean (kf, "container", "ipv4", NULL);
      e->has6 = g_key_file_get_boolean (kf, "container", "ipv6", NULL);
      g_autofree char *mac = g_key_file_get_string (kf, "container", "mac", NULL);
      unsigned m[6] = { 0 };
      if (mac && sscanf (mac, "%x:%x:%x:%x:%x:%x", &m[0], &m[1], &m[2], &m[3], &m[4], &m[5]) == 6)
        for (int i = 0; i < 6; i++)
          e->mac[i] = (guint8) m[i];
      g_auto (GStrv) fw = g_key_file_get_string_list (kf, "container", "forward", NULL, NULL);
      e->fwd.n = fw ? g_strv_length (fw) : 0;
      e->fwd.v = g_new0 (struct mgr_forward, e->fwd.n + 1);
      for (guint i = 0; i < e->fwd.n; i++)
        {
          char proto[4];
          unsigned hp, cp;
          if (sscanf (fw[i], "%3[a-z]:%u:%u", proto, &hp, &cp) == 3)
            e->fwd.v[i] = (struct mgr_forward){ strcmp (proto, "tcp") == 0 ? IPPROTO_TCP : IPPROTO_UDP, (guint16) hp, (guint16) cp };
        }
      pid_t pid = (pid_t) g_key_file_get_int64 (kf, "container", "monitor_pid", NULL);
      guint64 start = g_key_file_get_uint64 (kf, "container", "monitor_start", NULL);
      if (pid > 0 && start && mgr_proc_start_time (pid) == start)
        g_ptr_array_add (live, g_steal_pointer (&e));
      else
        {
          unlink (path);
          if (stale)
            g_ptr_array_add (*stale, g_steal_pointer (&e));
        }
    }
  return live;
}

/* Addresses in dnsmasq's lease file: "EXPIRY MAC IP NAME CLIENTID", but
 * those of the MAC mine (the container's own lease, from its DHCP client:
 * it must not push the container off its address at the next start). */
static GHashTable *
leased_addresses (const char *state, const char *mine)
{
  GHashTable *h = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
  g_autofree char *path = state_path (state, "dnsmasq.leases");
  g_autofree char *text = NULL;
  if (!g_file_get_contents (path, &text, NULL, NULL))
    return h;
  g_auto (GStrv) lines = g_strsplit (text, "\n", -1);
  for (guint i = 0; lines[i]; i++)
    {
      g_auto (GStrv) f = g_strsplit (lines[i], " ", 5);
      if (g_strv_length (f) >= 3 && g_ascii_strcasecmp (f[1], mine) != 0)
        g_hash_table_add (h, g_strdup (f[2]));
    }
  return h;
}

/* dnsmasq reads these again on SIGHUP: the fixed leases (MAC,IP,NAME) and
 * the names (IP NAME NAME.DOMAIN). */
static void
registry_publish (const MgrNetConfig *c, GPtrArray *live)
{
  GString *dhcp = g_string_new ("# generated by mgr: the fixed leases of containers with ipv4 = auto\n");
  GString *hosts = g_string_new ("# generated by mgr: the names of containers with automatic addresses\n");
  for (guint i = 0; i < live->len; i++)
    {
      Entry *e = live->pdata[i];
      if (!e->host || !e->name)
        continue;
      g_autofree char *mac = mac_text (e->mac);
      g_autofree char *v4 = ip4_text (c->net4 + e->host);
      g_autofree char *v6 = c->has6 ? ip6_text (c->net6, e->host) : NULL;
      if (e->has4)
        {
          g_string_append_printf (dhcp, "%s,%s,%s\n", mac, v4, e->name);
          g_string_append_printf (hosts, "%s %s %s.%s\n", v4, e->name, e->name, c->domain);
        }
      if (e->has6 && v6)
        g_string_append_printf (hosts, "%s %s %s.%s\n", v6, e->name, e->name, c->domain);
    }
  write_state_file (c->state, "dhcp-hosts", dhcp->str, NULL);
  write_state_file (c->state, "hosts", hosts->str, NULL);
  g_string_free (dhcp, TRUE);
  g_string_free (hosts, TRUE);
  g_autofree char *pidfile = state_path (c->state, "dnsmasq.pid");
  g_autofree char *pidtext = NULL;
  if (g_file_get_contents (pidfile, &pidtext, NULL, NULL))
    {
      pid_t pid = (pid_t) g_ascii_strtoll (pidtext, NULL, 10);
      if (pid > 1)
        kill (pid, SIGHUP);
    }
}

/* ---- nftables ------------------------------------------------------------------- */

/* libnftables is opened when a rule is to be written, not linked: it and
 * the five libraries it pulls in (libnftnl, libmnl, libxtables, libjansson,
 * libgmp) made two thirds of the instructions of every mgr command's
 * start-up (symbol lookups in the dynamic loader), a container's start and
 * attach included, which never write a rule. The header still types each
 * function. */
#define NFT_SONAME "libnftables.so.1"
static struct {
  __typeof__ (&nft_ctx_new) ctx_new;
  __typeof__ (&nft_ctx_buffer_output) buffer_output;
  __typeof__ (&nft_ctx_buffer_error) buffer_error;
  __typeof__ (&nft_run_cmd_from_buffer) run_cmd;
  __typeof__ (&nft_ctx_get_error_buffer) error_buffer;
  __typeof__ (&nft_ctx_free) ctx_free;
} nft_lib;

static gboolean
nft_load (GError **error)
{
  if (nft_lib.ctx_free)
    return TRUE;
  void *lib = dlopen (NFT_SONAME, RTLD_NOW | RTLD_LOCAL);
  if (!lib)
    return fail (error, "nftables: loading %s: %s (install Debian's libnftables1)", NFT_SONAME, dlerror ());
  const char *const names[] = { "nft_ctx_new", "nft_ctx_buffer_output", "nft_ctx_buffer_error",
                                "nft_run_cmd_from_buffer", "nft_ctx_get_error_buffer", "nft_ctx_free" };
  void *syms[G_N_ELEMENTS (names)];
  for (size_t i = 0; i < G_N_ELEMENTS (names); i++)
    if (!(syms[i] = dlsym (lib, names[i])))
      {
        fail (error, "nftables: %s has no %s: %s", NFT_SONAME, names[i], dlerror ());
        dlclose (lib);
        return FALSE;
      }
  memcpy (&nft_lib.ctx_new, &syms[0], sizeof (void *));
  memcpy (&nft_lib.buffer_output, &syms[1], sizeof (void *));
  memcpy (&nft_lib.buffer_error, &syms[2], sizeof (void *));
  memcpy (&nft_lib.run_cmd, &syms[3], sizeof (void *));
  memcpy (&nft_lib.error_buffer, &syms[4], sizeof (void *));
  memcpy (&nft_lib.ctx_free, &syms[5], sizeof (void *));
  return TRUE;
}

static gboolean
nft_run (const char *cmd, GError **error)
{
  if (!nft_load (error))
    return FALSE;
  struct nft_ctx *ctx = nft_lib.ctx_new (NFT_CTX_DEFAULT);
  if (!ctx)
    return fail (error, "nftables: cannot make a context");
  nft_lib.buffer_output (ctx);
  nft_lib.buffer_error (ctx);
  int r = nft_lib.run_cmd (ctx, cmd);
  gboolean ok = r == 0;
  if (!ok)
    {
      g_autofree char *msg = g_strstrip (g_strdup (nft_lib.error_buffer (ctx)));
      fail (error, "nftables (table %s): %s", NFT_TABLE, *msg ? msg : "failed");
    }
  nft_lib.ctx_free (ctx);
  return ok;
}

static void
nft_forward_elements (GString *s, const char *verb, const MgrNetConfig *c, const Entry *e, bool with_target)
{
  g_autofree char *v4 = ip4_text (c->net4 + e->host);
  g_autofree char *v6 = ip6_text (c->net6, e->host);
  for (int fam = 4; fam <= 6; fam += 2)
    {
      if (fam == 4 ? !e->has4 : !(e->has6 && c->has6))
        continue;
      for (guint i = 0; i < e->fwd.n; i++)
        {
          const struct mgr_forward *f = &e->fwd.v[i];
          const char *proto = f->proto == IPPROTO_TCP ? "tcp" : "udp";
          if (with_target)
            g_string_append_printf (s, "%s element %s fwd%d_%s { %u : %s . %u }\n", verb, NFT_TABLE, fam, proto,
                                    f->host_port, fam == 4 ? v4 : v6, f->port);
          else
            g_string_append_printf (s, "%s element %s fwd%d_%s { %u }\n", verb, NFT_TABLE, fam, proto, f->host_port);
        }
    }
}

/* The whole table, replaced in one transaction: whatever was in it before
 * (stale forwards of killed monitors included) is gone, the live ones are
 * back. */
static gboolean
nft_build (const MgrNetConfig *c, GPtrArray *live, GError **error)
{
  g_autofree char *net = ip4_text (c->net4);
  GString *s = g_string_new (NULL);
  g_string_append_printf (s,
                          "table %s\n"
                          "delete table %s\n"
                          "table %s {\n"
                          "  map fwd4_tcp { type inet_service : ipv4_addr . inet_service; }\n"
                          "  map fwd4_udp { type inet_service : ipv4_addr . inet_service; }\n"
                          "  map fwd6_tcp { type inet_service : ipv6_addr . inet_service; }\n"
                          "  map fwd6_udp { type inet_service : ipv6_addr . inet_service; }\n"
                          "  chain prerouting { type nat hook prerouting priority dstnat; policy accept;\n"
                          "    fib daddr type local dnat ip to tcp dport map @fwd4_tcp\n"
                          "    fib daddr type local dnat ip to udp dport map @fwd4_udp\n"
                          "    fib daddr type local dnat ip6 to tcp dport map @fwd6_tcp\n"
                          "    fib daddr type local dnat ip6 to udp dport map @fwd6_udp\n"
                          "  }\n"
                          "  chain output { type nat hook output priority -100; policy accept;\n"
                          "    fib daddr type local dnat ip to tcp dport map @fwd4_tcp\n"
                          "    fib daddr type local dnat ip to udp dport map @fwd4_udp\n"
                          "    fib daddr type local dnat ip6 to tcp dport map @fwd6_tcp\n"
                          "    fib daddr type local dnat ip6 to udp dport map @fwd6_udp\n"
                          "  }\n"
                          "  chain forward { type filter hook forward priority filter; policy accept;\n"
                          "    iifname \"%s\" accept\n"
                          "    oifname \"%s\" accept\n"
                          "  }\n",
                          NFT_TABLE, NFT_TABLE, NFT_TABLE, c->bridge, c->bridge);
  if (c->nat)
    g_string_append_printf (s,
                            "  chain postrouting { type nat hook postrouting priority srcnat; policy accept;\n"
                            "    ip saddr %s/%u ip daddr != %s/%u masquerade\n"
                            "  }\n",
                            net, c->prefix4, net, c->prefix4);
  g_string_append (s, "}\n");
  for (guint i = 0; i < live->len; i++)
    nft_forward_elements (s, "add", c, live->pdata[i], true);
  gboolean ok = nft_run (s->str, error);
  g_string_free (s, TRUE);
  return ok;
}

/* ---- netlink -------------------------------------------------------------------- */

struct overlap_ctx {
  const MgrNetConfig *c;
  int bridge_index;
  char *found;
};

static void
check_route (struct nl_object *obj, void *arg)
{
  struct overlap_ctx *o = arg;
  struct rtnl_route *rt = (struct rtnl_route *) obj;
  if (o->found || rtnl_route_get_table (rt) != RT_TABLE_MAIN || rtnl_route_get_family (rt) != AF_INET)
    return;
  struct nl_addr *dst = rtnl_route_get_dst (rt);
  guint plen = dst ? nl_addr_get_prefixlen (dst) : 0;
  if (!dst || plen == 0 || nl_addr_get_len (dst) != 4)
    return;
  if (rtnl_route_get_nnexthops (rt) == 1 && o->bridge_index
      && rtnl_route_nh_get_ifindex (rtnl_route_nexthop_n (rt, 0)) == o->bridge_index)
    return;
  guint32 d;
  memcpy (&d, nl_addr_get_binary_addr (dst), 4);
  d = ntohl (d);
  guint p = MIN (plen, o->c->prefix4);
  guint32 mask = p ? 0xffffffffu << (32 - p) : 0;
  if ((d & mask) == (o->c->net4 & mask))
    {
      char buf[64];
      o->found = g_strdup (nl_addr2str (dst, buf, sizeof buf));
    }
}

static gboolean
add_address (struct nl_sock *sk, int ifindex, int family, const void *addr, guint prefix, GError **error)
{
  struct rtnl_addr *ra = rtnl_addr_alloc ();
  struct nl_addr *local = nl_addr_build (family, addr, family == AF_INET ? 4 : 16);
  nl_addr_set_prefixlen (local, prefix);
  rtnl_addr_set_ifindex (ra, ifindex);
  rtnl_addr_set_local (ra, local);
  if (family == AF_INET6)
    rtnl_addr_set_flags (ra, IFA_F_NODAD);
  int r = rtnl_addr_add (sk, ra, NLM_F_CREATE | NLM_F_EXCL);
  char buf[64];
  nl_addr2str (local, buf, sizeof buf);
  nl_addr_put (local);
  rtnl_addr_put (ra);
  if (r < 0 && r != -NLE_EXIST)
    return fail (error, "adding %s to the bridge: %s", buf, nl_geterror (r));
  return TRUE;
}

static void
del_address (struct nl_sock *sk, int ifindex, int family, const void *addr, guint prefix)
{
  struct rtnl_addr *ra = rtnl_addr_alloc ();
  struct nl_addr *local = nl_addr_build (family, addr, family == AF_INET ? 4 : 16);
  nl_addr_set_prefixlen (local, prefix);
  rtnl_addr_set_ifindex (ra, ifindex);
  rtnl_addr_set_local (ra, local);
  rtnl_addr_delete (sk, ra, 0);
  nl_addr_put (local);
  rtnl_addr_put (ra);
}

/* ---- dnsmasq and its supervisor --------------------------------------------------- */

static char *
dnsmasq_conf (const MgrNetConfig *c)
{
  GString *s = g_string_new ("# generated by mgr-net up: every change here is lost at the next up\n");
  g_string_append_printf (s,
                          "interface=%s\nbind-interfaces\nexcept-interface=lo\nno-hosts\n"
                          "pid-file=%s/dnsmasq.pid\nlog-facility=%s/dnsmasq.log\n",
                          c->bridge, c->state, c->state);
  if (c->dns)
    g_string_append_printf (s, "domain=%s\nlocal=/%s/\nexpand-hosts\naddn-hosts=%s/hosts\n", c->domain, c->domain, c->state);
  else
    g_string_append (s, "port=0\n");
  if (c->dhcp)
    {
      guint32 size = 1u << (32 - c->prefix4);
      g_autofree char *lo = ip4_text (c->net4 + size / 2);
      g_autofree char *hi = ip4_text (c->net4 + size - 2);
      g_autofree char *gw = ip4_text (c->net4 + 1);
      /* The lower half is mgr's (ipv4 = auto), the upper half dnsmasq's:
       * the two never hand out the same address. */
      g_string_append_printf (s,
                              "dhcp-range=%s,%s,1h\ndhcp-hostsfile=%s/dhcp-hosts\ndhcp-leasefile=%s/dnsmasq.leases\n"
                              "dhcp-authoritative\ndhcp-option=option:router,%s\n",
                              lo, hi, c->state, c->state, gw);
      if (c->has6)
        {
          g_autofree char *p6 = ip6_text (c->net6, 0);
          g_string_append_printf (s, "enable-ra\ndhcp-range=%s,ra-only,64\n", p6);
        }
    }
  return g_string_free (s, FALSE);
}

/* "PID START" of the supervisor, when it is alive. */
static pid_t
supervisor_alive (const char *state)
{
  g_autofree char *path = state_path (state, "supervisor.pid");
  g_autofree char *text = NULL;
  if (!g_file_get_contents (path, &text, NULL, NULL))
    return 0;
  long long pid = 0;
  unsigned long long start = 0;
  if (sscanf (text, "%lld %llu", &pid, &start) != 2 || pid <= 1)
    return 0;
  return mgr_proc_start_time ((pid_t) pid) == start ? (pid_t) pid : 0;
}

static volatile sig_atomic_t supervised_pid;

static void
forward_term (int sig)
{
  if (supervised_pid > 0)
    kill (supervised_pid, SIGTERM);
}

/* The supervisor: a small process of its own that runs dnsmasq in the
 * foreground and writes when and how it ended, so that status can say
 * "died at" and up can restart it. mgr-net down ends it with SIGTERM. */
static void G_GNUC_NORETURN
supervise (const char *state, const char *dnsmasq, int ready_fd)
{
  setsid ();
  if (fork () != 0)
    _exit (0);
  /* A forked copy of mgr-net: without this it would hold the state lock
   * (flock belongs to the open file) and whatever else up had open. */
  if (ready_fd > 3)
    syscall (SYS_close_range, 3U, (unsigned) ready_fd - 1, 0U);
  syscall (SYS_close_range, (unsigned) ready_fd + 1, ~0U, 0U);
  int null = open ("/dev/null", O_RDWR);
  dup2 (null, 0), dup2 (null, 1), dup2 (null, 2);
  if (null > 2)
    close (null);
  if (chdir ("/") < 0)
    _exit (1);
  g_autofree char *conf = state_path (state, "dnsmasq.conf");
  g_autofree char *exitp = state_path (state, "dnsmasq.exit");
  g_autofree char *pidp = state_path (state, "supervisor.pid");
  g_autofree char *me = g_strdup_printf ("%d %" G_GUINT64_FORMAT "\n", getpid (), mgr_proc_start_time (getpid ()));
  g_file_set_contents (pidp, me, -1, NULL);
  unlink (exitp);
  struct sigaction sa = { .sa_handler = forward_term };
  sigaction (SIGTERM, &sa, NULL);
  pid_t child = fork ();
  if (child == 0)
    {
      g_autofree char *arg = g_strdup_printf ("--conf-file=%s", conf);
      execl (dnsmasq, "dnsmasq", "--keep-in-foreground", arg, (char *) NULL);
      _exit (127);
    }
  supervised_pid = child;
  if (write (ready_fd, "x", 1) < 0)
    {
    }
  close (ready_fd);
  int status = 0;
  while (waitpid (child, &status, 0) < 0 && errno == EINTR)
    ;
  g_autofree char *how = WIFEXITED (status) ? g_strdup_printf ("exit status %d", WEXITSTATUS (status))
                                            : g_strdup_printf ("killed by signal %d", WTERMSIG (status));
  g_autofree char *rec = g_strdup_printf ("%" G_GINT64_FORMAT " %s\n", (gint64) time (NULL), how);
  g_file_set_contents (exitp, rec, -1, NULL);
  _exit (0);
}

static gboolean
dnsmasq_start (const MgrNetConfig *c, GError **error)
{
  g_autofree char *dnsmasq = g_find_program_in_path ("dnsmasq");
  if (!dnsmasq && access ("/usr/sbin/dnsmasq", X_OK) == 0)
    dnsmasq = g_strdup ("/usr/sbin/dnsmasq");
  if (!dnsmasq)
    return fail (error, "dnsmasq is not installed (apt-get install dnsmasq-base), or set net_dhcp = false and "
                        "net_dns = false in mgr.conf");
  g_autofree char *pidp = state_path (c->state, "dnsmasq.pid");
  unlink (pidp);
  int p[2];
  if (pipe2 (p, O_CLOEXEC) < 0)
    return fail (error, "pipe: %s", g_strerror (errno));
  pid_t pid = fork ();
  if (pid < 0)
    return fail (error, "fork: %s", g_strerror (errno));
  if (pid == 0)
    {
      close (p[0]);
      supervise (c->state, dnsmasq, p[1]);
    }
  close (p[1]);
  waitpid (pid, NULL, 0);
  char x;
  gboolean started = read (p[0], &x, 1) == 1;
  close (p[0]);
  /* dnsmasq writes its pid file once it has bound its sockets; an early exit
   * (the port taken, a bad option) is recorded by the supervisor. */
  g_autofree char *exitp = state_path (c->state, "dnsmasq.exit");
  for (int i = 0; started && i < 100; i++)
    {
      if (g_file_test (pidp, G_FILE_TEST_EXISTS))
        return TRUE;
      if (g_file_test (exitp, G_FILE_TEST_EXISTS))
        break;
      g_usleep (50000);
    }
  g_autofree char *logp = state_path (c->state, "dnsmasq.log");
  g_autofree char *log = NULL;
  g_file_get_contents (logp, &log, NULL, NULL);
  return fail (error, "dnsmasq did not start on %s%s%s", c->bridge, log ? ": " : "", log ? g_strstrip (log) : "");
}

static void
dnsmasq_stop (const char *state)
{
  pid_t sup = supervisor_alive (state);
  if (sup <= 0)
    return;
  kill (sup, SIGTERM);
  for (int i = 0; i < 100 && mgr_proc_start_time (sup); i++)
    g_usleep (50000);
}

/* ---- up / down / status ------------------------------------------------------------ */

static gboolean
write_sysctl (const char *path, const char *value)
{
  _cleanup_close_ int fd = open (path, O_WRONLY | O_CLOEXEC);
  return fd >= 0 && write (fd, value, strlen (value)) == (ssize_t) strlen (value);
}

#define IP6_FORWARD "/proc/sys/net/ipv6/conf/all/forwarding"

static char *
accept_ra_path (const char *ifname)
{
  if (!*ifname || strchr (ifname, '/') || strcmp (ifname, ".") == 0 || strcmp (ifname, "..") == 0)
    return NULL;
  return g_build_filename ("/proc/sys/net/ipv6/conf", ifname, "accept_ra", NULL);
}

/* The interfaces whose accept_ra went from 1 to 2, comma-separated. */
static char *
raise_accept_ra (const char *bridge)
{
  GString *s = g_string_new (NULL);
  g_autoptr (GDir) d = g_dir_open ("/proc/sys/net/ipv6/conf", 0, NULL);
  const char *f;
  while (d && (f = g_dir_read_name (d)))
    {
      if (strcmp (f, "all") == 0 || strcmp (f, "default") == 0 || strcmp (f, "lo") == 0 || strcmp (f, bridge) == 0)
        continue;
      g_autofree char *p = accept_ra_path (f);
      g_autofree char *v = NULL;
      if (p && g_file_get_contents (p, &v, NULL, NULL) && strcmp (g_strstrip (v), "1") == 0 && write_sysctl (p, "2"))
        g_string_append_printf (s, "%s%s", s->len ? "," : "", f);
    }
  return g_string_free (s, FALSE);
}

gboolean
mgr_net_up (const MgrNetConfig *c, GError **error)
{
  if (g_mkdir_with_parents (c->state, 0755) < 0)
    return fail (error, "creating %s: %s", c->state, g_strerror (errno));
  g_autofree char *cdir = state_path (c->state, "containers");
  g_mkdir_with_parents (cdir, 0755);
  _cleanup_close_ int lock = state_lock (c->state, error);
  if (lock < 0)
    return FALSE;
  g_autoptr (MgrNetConfig) before = config_load_applied (c->state);

  __attribute__ ((cleanup (mgr_nl_sock_freep))) struct nl_sock *sk = mgr_nl_route_socket (error);
  if (!sk)
    return FALSE;
  struct rtnl_link *l = NULL;
  bool made_bridge = before ? FALSE : TRUE;
  if (before)
    {
      g_autofree char *p = state_path (c->state, "up");
      g_autoptr (GKeyFile) kf = g_key_file_new ();
      if (g_key_file_load_from_file (kf, p, G_KEY_FILE_NONE, NULL))
        made_bridge = g_key_file_get_boolean (kf, "net", "made_bridge", NULL);
      if (strcmp (before->bridge, c->bridge) != 0 || before->net4 != c->net4 || before->prefix4 != c->prefix4)
        return fail (error, "mgr-net is up with %s and other addresses than mgr.conf now says: run mgr-net down first",
                     before->bridge);
    }
  int ifindex = 0;
  if (rtnl_link_get_kernel (sk, 0, c->bridge, &l) >= 0 && l)
    {
      g_autofree char *type = g_strdup (rtnl_link_get_type (l));
      ifindex = rtnl_link_get_ifindex (l);
      rtnl_link_put (l);
      if (!type || strcmp (type, "bridge") != 0)
        {
          return fail (error, "default_bridge = \"%s\" in mgr.conf names an existing %s device that is not a bridge: "
                              "set default_bridge to another name",
                       c->bridge, type ? type : "physical");
        }
      l = NULL;
    }
  else
    made_bridge = true;

  struct overlap_ctx o = { c, ifindex, NULL };
  struct nl_cache *routes = NULL;
  if (rtnl_route_alloc_cache (sk, AF_INET, 0, &routes) >= 0)
    {
      nl_cache_foreach (routes, check_route, &o);
      nl_cache_free (routes);
    }
  if (o.found)
    {
      g_autofree char *net = ip4_text (c->net4);
      g_autofree char *f = o.found;
      return fail (error, "net_ipv4 = \"%s/%u\" in mgr.conf overlaps the host's route to %s: set net_ipv4 to a "
                          "free subnet (such as \"10.0.%d.0/24\")",
                   net, c->prefix4, f, (int) ((c->net4 >> 8) & 0xff) + 1);
    }

  if (!ifindex)
    {
      struct rtnl_link *br = rtnl_link_alloc ();
      rtnl_link_set_type (br, "bridge");
      rtnl_link_set_name (br, c->bridge);
      int r = rtnl_link_add (sk, br, NLM_F_CREATE | NLM_F_EXCL);
      rtnl_link_put (br);
      if (r < 0)
        return fail (error, "creating the bridge %s: %s", c->bridge, nl_geterror (r));
      if (rtnl_link_get_kernel (sk, 0, c->bridge, &l) < 0)
        return fail (error, "the bridge %s vanished after it was made", c->bridge);
      ifindex = rtnl_link_get_ifindex (l);
      rtnl_link_put (l);
      l = NULL;
    }
  if (rtnl_link_get_kernel (sk, ifindex, NULL, &l) >= 0 && l)
    {
      struct rtnl_link *ch = rtnl_link_alloc ();
      rtnl_link_set_flags (ch, IFF_UP);
      int r = rtnl_link_change (sk, l, ch, 0);
      rtnl_link_put (ch);
      rtnl_link_put (l);
      if (r < 0)
        return fail (error, "bringing %s up: %s", c->bridge, nl_geterror (r));
    }
  guint32 gw = htonl (c->net4 + 1);
  if (!add_address (sk, ifindex, AF_INET, &gw, c->prefix4, error))
    return FALSE;
  if (c->has6)
    {
      guint8 a6[16];
      memcpy (a6, c->net6, 16);
      a6[15] = 1;
      if (!add_address (sk, ifindex, AF_INET6, a6, 64, error))
        return FALSE;
    }

  /* Routing between the bridge and the uplink, as lxc-net does; the old
   * value comes back at down. */
  g_autofree char *fwd_before = NULL;
  if (before)
    {
      g_autofree char *p = state_path (c->state, "up");
      g_autoptr (GKeyFile) kf = g_key_file_new ();
      if (g_key_file_load_from_file (kf, p, G_KEY_FILE_NONE, NULL))
        fwd_before = g_key_file_get_string (kf, "net", "ip_forward_before", NULL);
    }
  if (!fwd_before && !g_file_get_contents ("/proc/sys/net/ipv4/ip_forward", &fwd_before, NULL, NULL))
    fwd_before = g_strdup ("0");
  g_strstrip (fwd_before);
  if (c->nat && !write_sysctl ("/proc/sys/net/ipv4/ip_forward", "1"))
    return fail (error, "enabling IPv4 forwarding (/proc/sys/net/ipv4/ip_forward): %s", g_strerror (errno));

  /* IPv6 forwards from the uplink need IPv6 forwarding, and with it on the
   * kernel ignores router advertisements on every interface whose
   * accept_ra is 1: a host configured by SLAAC would lose its address and
   * default route when they expire (lxc-net's pitfall). Those interfaces
   * are raised to 2 (accept them while forwarding); down puts back both. */
  g_autofree char *fwd6_before = NULL;
  g_autofree char *ra_raised = NULL;
  if (before)
    {
      g_autofree char *p = state_path (c->state, "up");
      g_autoptr (GKeyFile) kf = g_key_file_new ();
      if (g_key_file_load_from_file (kf, p, G_KEY_FILE_NONE, NULL))
        {
          fwd6_before = g_key_file_get_string (kf, "net", "ip6_forward_before", NULL);
          ra_raised = g_key_file_get_string (kf, "net", "accept_ra_raised", NULL);
        }
    }
  if (!fwd6_before && !g_file_get_contents (IP6_FORWARD, &fwd6_before, NULL, NULL))
    fwd6_before = g_strdup ("");
  g_strstrip (fwd6_before);
  if (c->nat && c->has6 && *fwd6_before)
    {
      if (!ra_raised && strcmp (fwd6_before, "0") == 0)
        ra_raised = raise_accept_ra (c->bridge);
      if (!write_sysctl (IP6_FORWARD, "1"))
        return fail (error, "enabling IPv6 forwarding (%s): %s", IP6_FORWARD, g_strerror (errno));
    }

  g_autoptr (GPtrArray) stale = NULL;
  g_autoptr (GPtrArray) live = registry_read (c->state, &stale);
  if (!nft_build (c, live, error))
    return FALSE;

  /* Written before dnsmasq starts: a container starting meanwhile sees a
   * complete record. */
  g_autofree char *net4 = ip4_text (c->net4);
  g_autofree char *net6 = c->has6 ? ip6_text (c->net6, 0) : g_strdup ("");
  g_autofree char *up = g_strdup_printf ("[net]\nbridge=%s\nipv4=%s/%u\nipv6=%s\nnat=%s\ndhcp=%s\ndns=%s\ndomain=%s\n"
                                         "made_bridge=%s\nip_forward_before=%s\nip6_forward_before=%s\n"
                                         "accept_ra_raised=%s\n",
                                         c->bridge, net4, c->prefix4, net6, c->nat ? "true" : "false",
                                         c->dhcp ? "true" : "false", c->dns ? "true" : "false", c->domain,
                                         made_bridge ? "true" : "false", fwd_before, fwd6_before,
                                         ra_raised ? ra_raised : "");
  if (!write_state_file (c->state, "up", up, error))
    return FALSE;
  registry_publish (c, live);

  if (c->dhcp || c->dns)
    {
      g_autofree char *conf = dnsmasq_conf (c);
      g_autofree char *confp = state_path (c->state, "dnsmasq.conf");
      g_autofree char *old = NULL;
      g_file_get_contents (confp, &old, NULL, NULL);
      bool changed = !old || strcmp (old, conf) != 0;
      if (changed && !write_state_file (c->state, "dnsmasq.conf", conf, error))
        return FALSE;
      g_autofree char *pidp = state_path (c->state, "dnsmasq.pid");
      if (changed || !supervisor_alive (c->state) || !g_file_test (pidp, G_FILE_TEST_EXISTS))
        {
          dnsmasq_stop (c->state);
          if (!dnsmasq_start (c, error))
            return FALSE;
        }
    }
  else
    dnsmasq_stop (c->state);
  return TRUE;
}

gboolean
mgr_net_down (GError **error)
{
  g_autofree char *state = mgr_net_state_dir ();
  if (!g_file_test (state, G_FILE_TEST_IS_DIR))
    return TRUE;
  _cleanup_close_ int lock = state_lock (state, error);
  if (lock < 0)
    return FALSE;
  g_autoptr (MgrNetConfig) c = config_load_applied (state);
  dnsmasq_stop (state);
  g_autoptr (GError) nft_err = NULL;
  nft_run ("table " NFT_TABLE "\ndelete table " NFT_TABLE "\n", &nft_err);
  if (c)
    {
      g_autofree char *p = state_path (state, "up");
      g_autoptr (GKeyFile) kf = g_key_file_new ();
      g_key_file_load_from_file (kf, p, G_KEY_FILE_NONE, NULL);
      bool made = g_key_file_get_boolean (kf, "net", "made_bridge", NULL);
      g_autofree char *fwd = g_key_file_get_string (kf, "net", "ip_forward_before", NULL);
      __attribute__ ((cleanup (mgr_nl_sock_freep))) struct nl_sock *sk = mgr_nl_route_socket (error);
      if (!sk)
        return FALSE;
      struct rtnl_link *l = NULL;
      if (rtnl_link_get_kernel (sk, 0, c->bridge, &l) >= 0 && l)
        {
          int ifindex = rtnl_link_get_ifindex (l);
          if (made)
            {
              int r = rtnl_link_delete (sk, l);
              if (r < 0)
                {
                  rtnl_link_put (l);
                  return fail (error, "removing the bridge %s: %s", c->bridge, nl_geterror (r));
                }
            }
          else
            {
              guint32 gw = htonl (c->net4 + 1);
              del_address (sk, ifindex, AF_INET, &gw, c->prefix4);
              if (c->has6)
                {
                  guint8 a6[16];
                  memcpy (a6, c->net6, 16);
                  a6[15] = 1;
                  del_address (sk, ifindex, AF_INET6, a6, 64);
                }
            }
          rtnl_link_put (l);
        }
      if (fwd && (strcmp (fwd, "0") == 0 || strcmp (fwd, "1") == 0))
        write_sysctl ("/proc/sys/net/ipv4/ip_forward", fwd);
      g_autofree char *fwd6 = g_key_file_get_string (kf, "net", "ip6_forward_before", NULL);
      if (fwd6 && (strcmp (fwd6, "0") == 0 || strcmp (fwd6, "1") == 0))
        write_sysctl (IP6_FORWARD, fwd6);
      g_autofree char *raised = g_key_file_get_string (kf, "net", "accept_ra_raised", NULL);
      g_auto (GStrv) names = g_strsplit (raised ? raised : "", ",", -1);
      for (guint i = 0; names[i]; i++)
        {
          g_autofree char *rp = accept_ra_path (names[i]);
          g_autofree char *now = NULL;
          if (rp && g_file_get_contents (rp, &now, NULL, NULL) && strcmp (g_strstrip (now), "2") == 0)
            write_sysctl (rp, "1");
        }
    }
  /* The lock file goes last, with the folder. */
  g_autoptr (GError) rm_err = NULL;
  if (!mgr_rm_tree (state, &rm_err))
    return g_propagate_error (error, g_steal_pointer (&rm_err)), FALSE;
  return TRUE;
}

gboolean
mgr_net_status (bool json, char **out, GError **error)
{
  g_autofree char *state = mgr_net_state_dir ();
  g_autoptr (MgrNetConfig) c = config_load_applied (state);
  GString *s = g_string_new (NULL);
  if (!c)
    {
      if (json)
        g_string_append (s, "{\"up\": false}\n");
      else
        g_string_append (s, "mgr-net is down (mgr-net up makes the managed bridge)\n");
      *out = g_string_free (s, FALSE);
      return FALSE;
    }
  __attribute__ ((cleanup (mgr_nl_sock_freep))) struct nl_sock *sk = mgr_nl_route_socket (error);
  if (!sk)
    return FALSE;
  struct rtnl_link *l = NULL;
  bool bridge_ok = rtnl_link_get_kernel (sk, 0, c->bridge, &l) >= 0 && l;
  bool bridge_up = bridge_ok && (rtnl_link_get_flags (l) & IFF_UP);
  if (l)
    rtnl_link_put (l);
  g_autoptr (GError) nerr = NULL;
  bool table = nft_run ("list table " NFT_TABLE "\n", &nerr);
  pid_t sup = supervisor_alive (state);
  g_autofree char *pidp = state_path (state, "dnsmasq.pid");
  g_autofree char *pidtext = NULL;
  pid_t dpid = 0;
  if (g_file_get_contents (pidp, &pidtext, NULL, NULL))
    dpid = (pid_t) g_ascii_strtoll (pidtext, NULL, 10);
  bool dns_alive = sup > 0 && dpid > 0 && kill (dpid, 0) == 0;
  g_autofree char *exitp = state_path (state, "dnsmasq.exit");
  g_autofree char *exittext = NULL;
  g_autofree char *died = NULL;
  if (!dns_alive && g_file_get_contents (exitp, &exittext, NULL, NULL))
    {
      gint64 when = g_ascii_strtoll (exittext, NULL, 10);
      const char *how = strchr (exittext, ' ');
      g_autoptr (GDateTime) dt = g_date_time_new_from_unix_utc (when);
      g_autofree char *ts = dt ? g_date_time_format (dt, "%Y-%m-%d %H:%M:%S UTC") : g_strdup ("?");
      died = g_strdup_printf ("%s, %s", ts, how ? g_strstrip (g_strdup (how + 1)) : "");
    }
  bool want_dnsmasq = c->dhcp || c->dns;
  g_autoptr (GPtrArray) live = registry_read (state, NULL);
  g_autofree char *net4 = ip4_text (c->net4);
  g_autofree char *gw4 = ip4_text (c->net4 + 1);
  g_autofree char *gw6 = c->has6 ? ip6_text (c->net6, 1) : NULL;
  if (json)
    {
      g_string_append (s, "{\"up\": true, \"bridge\": ");
      mgr_json_string (s, c->bridge);
      g_string_append_printf (s, ", \"bridge_present\": %s, \"bridge_up\": %s, \"ipv4\": \"%s/%u\", \"gateway4\": \"%s\"",
                              bridge_ok ? "true" : "false", bridge_up ? "true" : "false", net4, c->prefix4, gw4);
      if (gw6)
        g_string_append_printf (s, ", \"gateway6\": \"%s\"", gw6);
      g_string_append_printf (s, ", \"nat\": %s, \"table\": %s, \"dnsmasq\": {\"wanted\": %s, \"running\": %s",
                              c->nat ? "true" : "false", table ? "true" : "false", want_dnsmasq ? "true" : "false",
                              dns_alive ? "true" : "false");
      if (dns_alive)
        g_string_append_printf (s, ", \"pid\": %d", dpid);
      if (died)
        {
          g_string_append (s, ", \"died\": ");
          mgr_json_string (s, died);
        }
      g_string_append (s, "}, \"containers\": [");
      for (guint i = 0; i < live->len; i++)
        {
          Entry *e = live->pdata[i];
          g_autofree char *mac = mac_text (e->mac);
          g_autofree char *fw = forwards_text (&e->fwd);
          g_string_append (s, i ? ", {\"name\": " : "{\"name\": ");
          mgr_json_string (s, e->name ? e->name : "");
          if (e->has4)
            {
              g_autofree char *a = ip4_text (c->net4 + e->host);
              g_string_append_printf (s, ", \"ipv4\": \"%s\"", a);
            }
          if (e->has6 && c->has6)
            {
              g_autofree char *a = ip6_text (c->net6, e->host);
              g_string_append_printf (s, ", \"ipv6\": \"%s\"", a);
            }
          g_string_append_printf (s, ", \"mac\": \"%s\", \"forward\": ", mac);
          mgr_json_string (s, fw);
          g_string_append_c (s, '}');
        }
      g_string_append (s, "]}\n");
    }
  else
    {
      g_string_append_printf (s, "bridge:   %s %s, %s/%u%s%s%s\n", c->bridge,
                              !bridge_ok ? "MISSING (mgr-net up makes it again)" : bridge_up ? "up" : "DOWN (mgr-net up)",
                              gw4, c->prefix4, gw6 ? ", " : "", gw6 ? gw6 : "", gw6 ? "/64" : "");
      g_autofree char *nat = c->nat ? g_strdup_printf ("masquerading %s/%u", net4, c->prefix4) : g_strdup ("off");
      g_string_append_printf (s, "nat:      %s; table %s %s\n", nat, NFT_TABLE,
                              table ? "present" : "MISSING (mgr-net up restores it)");
      if (!want_dnsmasq)
        g_string_append (s, "dnsmasq:  not wanted (net_dhcp and net_dns are false)\n");
      else if (dns_alive)
        g_string_append_printf (s, "dnsmasq:  running, pid %d (DHCP %s, DNS %s as *.%s)\n", dpid, c->dhcp ? "on" : "off",
                                c->dns ? "on" : "off", c->domain);
      else
        g_string_append_printf (s, "dnsmasq:  NOT RUNNING%s%s (mgr-net up restarts it; its log: %s/dnsmasq.log)\n",
                                died ? ": died " : "", died ? died : "", state);
      g_string_append_printf (s, "containers with automatic addresses or forwards: %u\n", live->len);
      for (guint i = 0; i < live->len; i++)
        {
          Entry *e = live->pdata[i];
          g_autofree char *mac = mac_text (e->mac);
          g_autofree char *fw = forwards_text (&e->fwd);
          g_autofree char *a4 = e->has4 ? ip4_text (c->net4 + e->host) : g_strdup ("-");
          g_autofree char *a6 = e->has6 && c->has6 ? ip6_text (c->net6, e->host) : g_strdup ("-");
          g_string_append_printf (s, "  %-16s %-15s %-24s %s%s%s\n", e->name ? e->name : "?", a4, a6, mac,
                                  *fw ? "  forward " : "", fw);
        }
    }
  *out = g_string_free (s, FALSE);
  return bridge_ok && bridge_up && table && (!want_dnsmasq || dns_alive);
}

/* ---- containers ------------------------------------------------------------------ */

static guint32
hash32 (const char *id, guint offset)
{
  g_autoptr (GChecksum) ck = g_checksum_new (G_CHECKSUM_SHA256);
  g_checksum_update (ck, (const guchar *) id, -1);
  guint8 d[32];
  gsize n = sizeof d;
  g_checksum_get_digest (ck, d, &n);
  return (guint32) d[offset] << 24 | (guint32) d[offset + 1] << 16 | (guint32) d[offset + 2] << 8 | d[offset + 3];
}

static gboolean
fixed_hwaddr (const char *tmpl, guint8 mac[6])
{
  unsigned m[6];
  if (!tmpl || strpbrk (tmpl, "xX") || sscanf (tmpl, "%x:%x:%x:%x:%x:%x", &m[0], &m[1], &m[2], &m[3], &m[4], &m[5]) != 6)
    return FALSE;
  for (int i = 0; i < 6; i++)
    mac[i] = (guint8) m[i];
  return TRUE;
}

static void
release (const MgrNetConfig *c, const char *id, GPtrArray *extra_stale)
{
  g_autofree char *path = g_build_filename (c->state, "containers", id, NULL);
  unlink (path);
  g_autoptr (GPtrArray) stale = NULL;
  g_autoptr (GPtrArray) live = registry_read (c->state, &stale);
  GString *s = g_string_new (NULL);
  for (guint i = 0; i < stale->len; i++)
    nft_forward_elements (s, "delete", c, stale->pdata[i], false);
  for (guint i = 0; extra_stale && i < extra_stale->len; i++)
    nft_forward_elements (s, "delete", c, extra_stale->pdata[i], false);
  /* One element per transaction: a missing one (already gone) must not
   * keep the others. */
  g_auto (GStrv) cmds = g_strsplit (s->str, "\n", -1);
  for (guint i = 0; cmds[i]; i++)
    if (*cmds[i])
      nft_run (cmds[i], NULL);
  g_string_free (s, TRUE);
  registry_publish (c, live);
}

gboolean
mgr_net_attach (const MgrPlan *plan, const char *id, struct mgr_net_auto **out, GError **error)
{
  *out = NULL;
  int wanted = -1;
  for (guint i = 0; i < plan->n_net; i++)
    {
      const struct mgr_net *n = &plan->net[i];
      if (!n->ipv4.automatic && !n->ipv6.automatic && !n->forward.n)
        continue;
      const char *what = n->ipv4.automatic ? "ipv4 = auto" : n->ipv6.automatic ? "ipv6 = auto" : "forward";
      if (n->type != MGR_NET_VETH)
        return fail (error, "[network %s] %s: only a veth on mgr-net's managed bridge can have it", n->name, what);
      if (wanted >= 0)
        return fail (error, "[network %s] %s: only one [network] section per container can be on the managed bridge "
                            "with automatic addresses or forwards ([network %s] is already)",
                     n->name, what, plan->net[wanted].name);
      if (n->forward.n && !n->ipv4.automatic && !n->ipv6.automatic)
        return fail (error, "[network %s] forward: needs ipv4 = auto or ipv6 = auto (the forwards go to those "
                            "addresses)", n->name);
      wanted = (int) i;
    }
  if (wanted < 0)
    return TRUE;
  const struct mgr_net *n = &plan->net[wanted];
  if (geteuid () != 0)
    return fail (error, "[network %s] %s: automatic addresses and forwards are root's (they change mgr-net's "
                        "dnsmasq and table); an ordinary user's veth gets its address by DHCP from dnsmasq: "
                        "leave ipv4 and ipv6 unset and run a DHCP client in the container",
                 n->name, n->ipv4.automatic ? "ipv4 = auto" : n->ipv6.automatic ? "ipv6 = auto" : "forward");
  g_autofree char *state = mgr_net_state_dir ();
  g_autoptr (MgrNetConfig) c = config_load_applied (state);
  const char *key = n->ipv4.automatic ? "ipv4" : n->ipv6.automatic ? "ipv6" : "forward";
  if (!c)
    return fail (error, "[network %s] %s: the managed bridge is not up: run mgr-net up (as root), or remove the key "
                        "(mgr-config -n %s unset network.%s.%s)",
                 n->name, key, plan->name, n->name, key);
  if (!n->link || strcmp (n->link, c->bridge) != 0)
    return fail (error, "[network %s] %s: link = %s is not mgr-net's managed bridge %s: set link = %s", n->name, key,
                 n->link ? n->link : "(unset)", c->bridge, c->bridge);
  if (n->ipv6.automatic && !c->has6)
    return fail (error, "[network %s] ipv6 = auto: mgr-net runs without IPv6 (net_ipv6 = \"none\" in mgr.conf)", n->name);
  _cleanup_close_ int lock = state_lock (state, error);
  if (lock < 0)
    return FALSE;

  g_autofree char *path = g_build_filename (state, "containers", id, NULL);
  unlink (path); /* an entry of this container's previous, killed, monitor */
  g_autoptr (GPtrArray) stale = NULL;
  g_autoptr (GPtrArray) live = registry_read (state, &stale);
  for (guint f = 0; f < n->forward.n; f++)
    for (guint i = 0; i < live->len; i++)
      {
        Entry *e = live->pdata[i];
        for (guint j = 0; j < e->fwd.n; j++)
          if (e->fwd.v[j].proto == n->forward.v[f].proto && e->fwd.v[j].host_port == n->forward.v[f].host_port)
            return fail (error, "[network %s] forward: the host port %s:%u is already forwarded to the container %s; "
                                "%s cannot have it too (choose another host port)",
                         n->name, n->forward.v[f].proto == IPPROTO_TCP ? "tcp" : "udp", n->forward.v[f].host_port,
                         e->name, plan->name);
      }

  /* The address: a start from the container's identity, so that it keeps
   * the same one across restarts, then the next one that no running
   * container and no DHCP lease holds. Hosts 2 .. size/2-1 are mgr's; the
   * upper half is dnsmasq's dynamic range. */
  guint32 size = 1u << (32 - c->prefix4);
  guint32 span = size / 2 - 2;
  guint8 my_mac[6];
  if (!fixed_hwaddr (n->hwaddr, my_mac))
    {
      guint32 h = hash32 (id, 4);
      guint8 mac[6] = { 0x00, 0x16, 0x3e, (h >> 16) & 0x7f, h >> 8, h };
      memcpy (my_mac, mac, 6);
    }
  g_autofree char *my_mac_text = mac_text (my_mac);
  g_autoptr (GHashTable) leased = leased_addresses (state, my_mac_text);
  guint32 first = 2 + hash32 (id, 0) % span, host = 0;
  for (guint32 k = 0; k < span && !host; k++)
    {
      guint32 h = 2 + (first - 2 + k) % span;
      bool taken = false;
      for (guint i = 0; i < live->len && !taken; i++)
        taken = ((Entry *) live->pdata[i])->host == h;
      g_autofree char *a = ip4_text (c->net4 + h);
      if (!taken && !g_hash_table_contains (leased, a))
        host = h;
    }
  if (!host)
    return fail (error, "[network %s] %s: no free address left in %s's automatic range (%u addresses): set a larger "
                        "net_ipv4 in mgr.conf",
                 n->name, key, c->bridge, span);

  g_autoptr (Entry) e = g_new0 (Entry, 1);
  e->id = g_strdup (id);
  e->name = g_strdup (plan->name);
  e->host = host;
  e->has4 = n->ipv4.automatic;
  e->has6 = n->ipv6.automatic;
  memcpy (e->mac, my_mac, 6);
  e->fwd.n = n->forward.n;
  e->fwd.v = g_memdup2 (n->forward.v, sizeof *n->forward.v * (n->forward.n + 1));

  g_autofree char *mac = mac_text (e->mac);
  GString *fw = g_string_new (NULL);
  for (guint i = 0; i < e->fwd.n; i++)
    g_string_append_printf (fw, "%s:%u:%u;", e->fwd.v[i].proto == IPPROTO_TCP ? "tcp" : "udp", e->fwd.v[i].host_port,
                            e->fwd.v[i].port);
  g_autofree char *rec = g_strdup_printf ("[container]\nname=%s\nhost=%u\nipv4=%s\nipv6=%s\nmac=%s\nforward=%s\n"
                                          "monitor_pid=%d\nmonitor_start=%" G_GUINT64_FORMAT "\n",
                                          plan->name, host, e->has4 ? "true" : "false", e->has6 ? "true" : "false", mac,
                                          fw->str, getpid (), mgr_proc_start_time (getpid ()));
  g_string_free (fw, TRUE);
  if (!mgr_write_file_atomic (path, rec, -1, 0644, error))
    return FALSE;

  /* Stale forwards out, this container's in. */
  GString *nft = g_string_new (NULL);
  for (guint i = 0; i < stale->len; i++)
    nft_forward_elements (nft, "delete", c, stale->pdata[i], false);
  g_auto (GStrv) dels = g_strsplit (nft->str, "\n", -1);
  for (guint i = 0; dels[i]; i++)
    if (*dels[i])
      nft_run (dels[i], NULL);
  g_string_truncate (nft, 0);
  nft_forward_elements (nft, "add", c, e, true);
  g_autoptr (GError) nerr = NULL;
  if (nft->len && !nft_run (nft->str, &nerr))
    {
      g_string_free (nft, TRUE);
      unlink (path);
      return fail (error, "[network %s] forward: %s (mgr-net up repairs the table)", n->name, nerr->message);
    }
  g_string_free (nft, TRUE);
  g_ptr_array_add (live, g_steal_pointer (&e));
  registry_publish (c, live);

  struct mgr_net_auto *au = g_new0 (struct mgr_net_auto, plan->n_net);
  struct mgr_net_auto *a = &au[wanted];
  Entry *me = live->pdata[live->len - 1];
  a->has_mac = TRUE;
  memcpy (a->mac, me->mac, 6);
  if (me->has4)
    {
      a->has4 = TRUE;
      guint32 v = htonl (c->net4 + host), g = htonl (c->net4 + 1);
      a->v4 = (struct mgr_addr){ AF_INET, { 0 }, c->prefix4 };
      memcpy (a->v4.addr, &v, 4);
      a->gw4 = (struct mgr_addr){ AF_INET, { 0 }, 32 };
      memcpy (a->gw4.addr, &g, 4);
    }
  if (me->has6)
    {
      a->has6 = TRUE;
      a->v6 = (struct mgr_addr){ AF_INET6, { 0 }, 64 };
      memcpy (a->v6.addr, c->net6, 16);
      a->v6.addr[12] = host >> 24, a->v6.addr[13] = host >> 16, a->v6.addr[14] = host >> 8, a->v6.addr[15] = host;
      a->gw6 = (struct mgr_addr){ AF_INET6, { 0 }, 128 };
      memcpy (a->gw6.addr, c->net6, 16);
      a->gw6.addr[15] = 1;
    }
  *out = au;
  return TRUE;
}

void
mgr_net_detach (const char *id)
{
  g_autofree char *state = mgr_net_state_dir ();
  g_autoptr (MgrNetConfig) c = config_load_applied (state);
  if (!c)
    return;
  _cleanup_close_ int lock = state_lock (state, NULL);
  if (lock < 0)
    return;
  /* This container's own forwards: read before its entry goes. */
  g_autoptr (GPtrArray) mine = g_ptr_array_new_with_free_func ((GDestroyNotify) entry_free);
  g_autoptr (GPtrArray) live = registry_read (state, NULL);
  for (guint i = 0; i < live->len; i++)
    if (strcmp (((Entry *) live->pdata[i])->id, id) == 0)
      g_ptr_array_add (mine, g_ptr_array_steal_index (live, i--));
  release (c, id, mine);
}

char *
mgr_net_default_section (const MgrSettings *s)
{
  g_autofree char *bridge = NULL;
  if (!s->net_default || !mgr_net_is_up (&bridge))
    return NULL;
  return g_strdup_printf ("\n# Added by mgr-create because mgr-net is up (net_default in mgr.conf):\n"
                          "[network eth0]\ntype = veth\nlink = %s\nipv4 = auto\n",
                          bridge);
}

static const char *
file_kind (mode_t m)
{
  return S_ISDIR (m) ? "folder" : S_ISFIFO (m) ? "FIFO" : S_ISSOCK (m) ? "socket" : S_ISCHR (m) ? "character device"
         : S_ISBLK (m) ? "block device" : S_ISLNK (m) ? "symlink" : "special file";
}

/* The rootfs is the container's: a container that ran before, or its
 * image, may have made etc or resolv.conf a symlink out of it, a FIFO (the
 * monitor would block on it), a device (opening one can act) or a hard
 * link to a file elsewhere. So etc is opened beneath the rootfs without
 * following any link, resolv.conf is looked at before it is opened and
 * checked again through the fd, and only a regular file with a single
 * link is written. A symlink there is the image's own choice (the stub of
 * systemd-resolved): it is left alone, with a note. */
gboolean
mgr_net_resolv_conf (const MgrPlan *plan, const struct mgr_net_auto *au, uid_t uid, gid_t gid, char **note,
                     GError **error)
{
  *note = NULL;
  bool v4 = false, v6 = false;
  for (guint i = 0; au && i < plan->n_net; i++)
    v4 |= au[i].has4, v6 |= au[i].has6;
  g_autofree char *state = mgr_net_state_dir ();
  g_autoptr (MgrNetConfig) c = config_load_applied (state);
  if (!c || !c->dns || (!v4 && !v6))
    return TRUE;
  GString *text = g_string_new ("# written by mgr at start: dnsmasq on the managed bridge resolves NAME.");
  g_string_append_printf (text, "%s and the outside\n", c->domain);
  if (v4)
    {
      g_autofree char *gw4 = ip4_text (c->net4 + 1);
      g_string_append_printf (text, "nameserver %s\n", gw4);
    }
  if (v6 && c->has6)
    {
      g_autofree char *gw6 = ip6_text (c->net6, 1);
      g_string_append_printf (text, "nameserver %s\n", gw6);
    }
  g_string_append_printf (text, "search %s\n", c->domain);
  g_autofree char *body = g_string_free (text, FALSE);
  const char *rootfs = plan->container.rootfs;

  _cleanup_close_ int root = open (rootfs, O_PATH | O_DIRECTORY | O_CLOEXEC);
  if (root < 0)
    return fail (error, "rootfs %s: %s", rootfs, g_strerror (errno));
  _cleanup_close_ int etc = mgr_openat2_beneath (root, "etc", O_PATH | O_DIRECTORY);
  if (etc < 0 && errno == ENOENT)
    {
      *note = g_strdup_printf ("%s has no etc folder: no resolv.conf written (the resolver is %s)", rootfs,
                               c->bridge);
      return TRUE;
    }
  if (etc < 0)
    return fail (error, "%s/etc: %s: mgr writes the resolver of ipv4 = auto only into etc/resolv.conf through a real "
                        "folder, never a symlink (make %s/etc a folder)",
                 rootfs, errno == ELOOP || errno == ENOTDIR ? "a symlink or not a folder" : g_strerror (errno), rootfs);
  struct stat before;
  bool exists = fstatat (etc, "resolv.conf", &before, AT_SYMLINK_NOFOLLOW) == 0;
  if (!exists && errno != ENOENT)
    return fail (error, "%s/etc/resolv.conf: %s", rootfs, g_strerror (errno));
  if (exists && S_ISLNK (before.st_mode))
    {
      g_autofree char *gw = v4 ? ip4_text (c->net4 + 1) : ip6_text (c->net6, 1);
      *note = g_strdup_printf ("%s/etc/resolv.conf is a symlink: left alone, as the image's own (mgr would have "
                               "written nameserver %s, search %s)", rootfs, gw, c->domain);
      return TRUE;
    }
  if (exists && (!S_ISREG (before.st_mode) || before.st_nlink != 1))
    return fail (error, "%s/etc/resolv.conf is a %s%s: mgr writes the resolver of ipv4 = auto only into a regular "
                        "file of its own; remove it (mgr makes it again at start)",
                 rootfs, S_ISREG (before.st_mode) ? "regular file" : file_kind (before.st_mode),
                 S_ISREG (before.st_mode) ? " with other hard links" : "");
  /* O_EXCL: a name that appeared meanwhile, a symlink included, is not
   * followed but refused. */
  _cleanup_close_ int fd = exists ? mgr_openat2_beneath (etc, "resolv.conf", O_WRONLY | O_NONBLOCK | O_NOCTTY)
                                  : openat (etc, "resolv.conf", O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_NOCTTY | O_CLOEXEC, 0644);
  struct stat st;
  if (fd < 0 || fstat (fd, &st) < 0)
    return fail (error, "%s/etc/resolv.conf: %s (mgr writes the resolver of ipv4 = auto there)", rootfs,
                 g_strerror (errno));
  /* What was opened is what was looked at: it did not change meanwhile. */
  if (!S_ISREG (st.st_mode) || st.st_nlink != 1 || (exists && (st.st_dev != before.st_dev || st.st_ino != before.st_ino)))
    return fail (error, "%s/etc/resolv.conf changed while mgr wrote it: not written", rootfs);
  if (!exists && fchown (fd, uid, gid) < 0)
    return fail (error, "%s/etc/resolv.conf: giving it to the container's root (%u): %s", rootfs, (unsigned) uid,
                 g_strerror (errno));
  size_t len = strlen (body), done = 0;
  if (ftruncate (fd, 0) < 0)
    return fail (error, "%s/etc/resolv.conf: %s", rootfs, g_strerror (errno));
  while (done < len)
    {
      ssize_t w = write (fd, body + done, len - done);
      if (w < 0 && errno == EINTR)
        continue;
      if (w <= 0)
        return fail (error, "%s/etc/resolv.conf: writing: %s", rootfs, w < 0 ? g_strerror (errno) : "short write");
      done += (size_t) w;
    }
  return TRUE;
}
