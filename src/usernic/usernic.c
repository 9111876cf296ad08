/* mgr-user-nic: the one setuid-root program of mgr.
 *
 * An ordinary user's container needs a veth whose host end sits on a bridge,
 * and only root may do that. This helper does exactly that much, within
 * /etc/mgr/usernet (lines "USER|@GROUP veth BRIDGE COUNT", as LXC's
 * lxc-usernet), and nothing else.
 *
 * It runs with the privileges of root on behalf of a hostile caller, so:
 *  - it links libc and libnl-route only (no GLib: no threads, no environment
 *    parsing, no lazy plugins);
 *  - before anything else it closes every fd but 0-2 and the namespace fd,
 *    reopens 0-2 on /dev/null if the caller closed them (so that no file we
 *    open becomes "stderr"), clears the environment, blocks signals (the caller
 *    may signal us: its real uid is ours) and lifts RLIMIT_FSIZE (a tiny limit
 *    would truncate the database);
 *  - it never opens a path the caller chose: the container's network
 *    namespace arrives as an open fd (a pidfd or an nsfd), every path it opens
 *    is compiled in or under /proc/self, and its errors say the same whatever
 *    exists on the host (CVE-2018-6556, CVE-2022-47952);
 *  - the namespace must belong to a user namespace owned by the caller's real
 *    uid (CVE-2017-5985);
 *  - its database of interfaces lives in a root-only folder, is rewritten
 *    atomically under a lock, tolerates corrupt and duplicated lines, and is
 *    checked against the kernel (name and ifindex) before it is believed.
 *
 * It acts on its own current network namespace: the bridge is looked up
 * there and the host end is made there. A caller cannot choose that
 * namespace (entering another one takes privileges the caller lacks, and a
 * setuid bit does not work inside a user namespace), so the quota is counted
 * per network namespace, and an entry made in another one is kept untouched.
 */
#include "config.h"

#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <limits.h>
#include <linux/nsfs.h>
#include <net/if.h>
#include <netlink/netlink.h>
#include <netlink/route/link.h>
#include <netlink/route/link/veth.h>
#include <pwd.h>
#include <sched.h>
#include <signal.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/ioctl.h>
#include <sys/prctl.h>
#include <sys/random.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#ifndef USERNIC_CONF
#define USERNIC_CONF MGR_SYSCONFDIR "/mgr/usernet"
#endif
#ifndef USERNIC_DB_DIR
#define USERNIC_DB_DIR MGR_RUNSTATEDIR "/mgr/usernic"
#endif
#ifndef PIDFD_GET_NET_NAMESPACE
#define PIDFD_GET_NET_NAMESPACE _IO (0xFF, 4)
#endif

#define MAX_ENTRIES 4096
#define MAX_FILE    (256 * 1024)

static const char *prog = "mgr-user-nic";

static void __attribute__ ((format (printf, 1, 2)))
say (const char *fmt, ...)
{
  char buf[1024];
  va_list ap;
  va_start (ap, fmt);
  vsnprintf (buf, sizeof buf, fmt, ap);
  va_end (ap);
  dprintf (2, "%s: %s\n", prog, buf);
}

/* ---- the process, before anything else -------------------------------------- */

static void
sanitize_process (int keep)
{
  /* 0-2 first: if the caller closed one, the next open() would take its
   * number and our messages would be written into that file. */
  for (int fd = 0; fd <= 2; fd++)
    if (fcntl (fd, F_GETFD) < 0 && errno == EBADF)
      {
        int n = open ("/dev/null", O_RDWR);
        if (n != fd)
          _exit (126);
      }
  if (keep > 3)
    syscall (SYS_close_range, 3U, (unsigned) keep - 1, 0U);
  if (keep >= 3)
    syscall (SYS_close_range, (unsigned) keep + 1, ~0U, 0U);
  else
    syscall (SYS_close_range, 3U, ~0U, 0U);
  if (keep >= 3)
    fcntl (keep, F_SETFD, FD_CLOEXEC);

  clearenv ();
  umask (022);
  sigset_t all;
  sigfillset (&all);
  sigprocmask (SIG_BLOCK, &all, NULL);
  struct rlimit inf = { RLIM_INFINITY, RLIM_INFINITY };
  setrlimit (RLIMIT_FSIZE, &inf);
  struct rlimit files = { 1024, 1024 };
  setrlimit (RLIMIT_NOFILE, &files);
  prctl (PR_SET_DUMPABLE, 0, 0, 0, 0);
}

/* ---- names ------------------------------------------------------------------- */

static bool
valid_ifname (const char *s)
{
  size_t n = strlen (s);
  if (n == 0 || n >= IFNAMSIZ || strcmp (s, ".") == 0 || strcmp (s, "..") == 0)
    return false;
  for (const char *p = s; *p; p++)
    if (!isalnum ((unsigned char) *p) && *p != '-' && *p != '_' && *p != '.')
      return false;
  return true;
}

static bool
parse_uint (const char *s, unsigned long max, unsigned long *out)
{
  if (!*s || !isdigit ((unsigned char) *s))
    return false;
  errno = 0;
  char *end;
  unsigned long v = strtoul (s, &end, 10);
  if (errno || *end || v > max)
    return false;
  *out = v;
  return true;
}

/* ---- the caller ------------------------------------------------------------------ */

struct caller
{
  uid_t uid;
  char name[256];
  gid_t groups[256];
  int ngroups;
};

static bool
caller_identify (struct caller *c)
{
  c->uid = getuid ();
  struct passwd pw, *res = NULL;
  char buf[4096];
  if (getpwuid_r (c->uid, &pw, buf, sizeof buf, &res) != 0 || !res)
    {
      say ("uid %u has no entry in the user database", (unsigned) c->uid);
      return false;
    }
  snprintf (c->name, sizeof c->name, "%s", pw.pw_name);
  /* Groups from the database, as the administrator set them, not the
   * process's: a group the admin removed the user from no longer counts. */
  c->ngroups = 256;
  if (getgrouplist (pw.pw_name, pw.pw_gid, c->groups, &c->ngroups) < 0)
    c->ngroups = 256;
  return true;
}

static bool
caller_in_group (const struct caller *c, const char *group)
{
  struct group gr, *res = NULL;
  char buf[8192];
  if (getgrnam_r (group, &gr, buf, sizeof buf, &res) != 0 || !res)
    return false;
  for (int i = 0; i < c->ngroups; i++)
    if (c->groups[i] == gr.gr_gid)
      return true;
  return false;
}

/* ---- reading a root-owned file that we opened by a fixed path --------------- */

static char *
read_fd (int fd, const char *what)
{
  struct stat st;
  if (fstat (fd, &st) < 0 || !S_ISREG (st.st_mode))
    {
      say ("%s is not a regular file", what);
      return NULL;
    }
  if (st.st_size > MAX_FILE)
    {
      say ("%s is larger than %d bytes", what, MAX_FILE);
      return NULL;
    }
  char *buf = malloc ((size_t) st.st_size + 1);
  if (!buf)
    return NULL;
  size_t got = 0;
  while (got < (size_t) st.st_size)
    {
      ssize_t n = read (fd, buf + got, (size_t) st.st_size - got);
      if (n < 0 && errno == EINTR)
        continue;
      if (n <= 0)
        break;
      got += (size_t) n;
    }
  buf[got] = '\0';
  return buf;
}

/* usernet: the largest COUNT of the lines that name the caller or one of its
 * groups, type veth and this bridge; -1 when none does. */
static long
usernet_quota (const struct caller *c, const char *bridge)
{
  int fd = open (USERNIC_CONF, O_RDONLY | O_CLOEXEC | O_NOFOLLOW | O_NOCTTY | O_NONBLOCK);
  if (fd < 0)
    {
      if (errno == ENOENT)
        say ("%s does not exist: the administrator allows users bridges there, one line each: "
             "\"USER veth BRIDGE COUNT\" or \"@GROUP veth BRIDGE COUNT\"", USERNIC_CONF);
      else
        say ("cannot open %s: %s", USERNIC_CONF, strerror (errno));
      return -2;
    }
  struct stat st;
  if (fstat (fd, &st) < 0 || st.st_uid != 0 || (st.st_mode & 022))
    {
      close (fd);
      say ("%s must be owned by root and writable by root alone (chown root: %s && chmod 644 %s)", USERNIC_CONF,
           USERNIC_CONF, USERNIC_CONF);
      return -2;
    }
  char *text = read_fd (fd, USERNIC_CONF);
  close (fd);
  if (!text)
    return -2;
  long best = -1;
  char *save = NULL;
  for (char *line = strtok_r (text, "\n", &save); line; line = strtok_r (NULL, "\n", &save))
    {
      char *hash = strchr (line, '#');
      if (hash)
        *hash = '\0';
      char who[256], type[32], br[64], count[32], extra[2];
      if (sscanf (line, "%255s %31s %63s %31s %1s", who, type, br, count, extra) != 4)
        continue;
      unsigned long n;
      if (strcmp (type, "veth") != 0 || strcmp (br, bridge) != 0 || !parse_uint (count, 100000, &n))
        continue;
      bool match = who[0] == '@' ? caller_in_group (c, who + 1) : strcmp (who, c->name) == 0;
      if (match && (long) n > best)
        best = (long) n;
    }
  free (text);
  return best;
}

/* ---- the container's network namespace --------------------------------------- */

/* The fd is a pidfd when its fdinfo has a "Pid:" line (only pidfds print
 * one). Returns the pid, 0 when it is not a pidfd, -1 when the process is gone. */
static long
pidfd_pid (int fd)
{
  char path[64];
  snprintf (path, sizeof path, "/proc/self/fdinfo/%d", fd);
  int info = open (path, O_RDONLY | O_CLOEXEC);
  if (info < 0)
    return 0;
  char buf[2048];
  ssize_t n = read (info, buf, sizeof buf - 1);
  close (info);
  if (n <= 0)
    return 0;
  buf[n] = '\0';
  char *p = strstr (buf, "\nPid:");
  if (!p)
    return 0;
  long pid = strtol (p + 5, NULL, 10);
  return pid > 0 ? pid : -1;
}

/* Returns an nsfd of the network namespace behind fd (an nsfd or a pidfd),
 * after checking that the namespace belongs to a user namespace whose owner
 * is the caller's real uid; -1 with a message otherwise. */
static int
open_owned_netns (int fd, uid_t uid)
{
  struct stat st;
  if (fstat (fd, &st) < 0)
    {
      say ("fd %d is not open: pass the container's network namespace (an nsfd of /proc/PID/ns/net, or a pidfd "
           "of its init) as fd 3 or with --netns-fd N",
           fd);
      return -1;
    }
  int ns = -1;
  int type = ioctl (fd, NS_GET_NSTYPE);
  if (type == CLONE_NEWNET)
    ns = fcntl (fd, F_DUPFD_CLOEXEC, 3);
  else if (type < 0)
    {
      long pid = pidfd_pid (fd);
      if (pid < 0)
        {
          say ("the process of the pidfd on fd %d has exited", fd);
          return -1;
        }
      if (pid > 0)
        {
          ns = ioctl (fd, PIDFD_GET_NET_NAMESPACE, 0);
          if (ns < 0)
            {
              /* Kernels before 6.11: the namespace by its pid, then proof that
               * the pidfd's process was still alive after the open, so the pid
               * cannot have been reused in between. */
              char path[64];
              snprintf (path, sizeof path, "/proc/%ld/ns/net", pid);
              ns = open (path, O_RDONLY | O_CLOEXEC);
              if (ns >= 0 && syscall (SYS_pidfd_send_signal, fd, 0, NULL, 0) < 0)
                {
                  close (ns);
                  ns = -1;
                }
            }
          if (ns < 0)
            {
              say ("cannot reach the network namespace of the process of the pidfd on fd %d", fd);
              return -1;
            }
        }
    }
  if (ns < 0 || ioctl (ns, NS_GET_NSTYPE) != CLONE_NEWNET)
    {
      if (ns >= 0)
        close (ns);
      say ("fd %d is neither a network namespace nor a pidfd", fd);
      return -1;
    }
  int userns = ioctl (ns, NS_GET_USERNS);
  uid_t owner = (uid_t) -1;
  if (userns < 0 || ioctl (userns, NS_GET_OWNER_UID, &owner) < 0)
    owner = (uid_t) -1;
  if (userns >= 0)
    close (userns);
  /* CVE-2017-5985: without this, a user could hand us any namespace it can
   * open (the host's, another user's container's) and plant an interface
   * there. Root, owner of the initial user namespace, passes as itself. */
  if (owner != uid)
    {
      close (ns);
      say ("the network namespace on fd %d does not belong to a user namespace owned by uid %u: "
           "pass the namespace of a container you started yourself",
           fd, (unsigned) uid);
      return -1;
    }
  return ns;
}

/* ---- netlink ------------------------------------------------------------------ */

static struct nl_sock *
nl_open (void)
{
  struct nl_sock *sk = nl_socket_alloc ();
  int r = sk ? nl_connect (sk, NETLINK_ROUTE) : -NLE_NOMEM;
  if (r < 0)
    {
      say ("opening a netlink socket: %s", nl_geterror (r));
      if (sk)
        nl_socket_free (sk);
      return NULL;
    }
  return sk;
}

/* The link's ifindex when NAME exists and is of TYPE (NULL: any); 0 if not. */
static int
link_index (struct nl_sock *sk, const char *name, const char *type)
{
  struct rtnl_link *l = NULL;
  if (rtnl_link_get_kernel (sk, 0, name, &l) < 0 || !l)
    return 0;
  const char *t = rtnl_link_get_type (l);
  int idx = (!type || (t && strcmp (t, type) == 0)) ? rtnl_link_get_ifindex (l) : 0;
  rtnl_link_put (l);
  return idx;
}

/* ---- the database: /run/mgr/usernic/nics, one line per interface --------------
 *   UID NETNS IFINDEX NAME BRIDGE
 * NETNS is the inode of the network namespace the entry was made in; IFINDEX 0
 * marks an entry written before its interface was created (so that a caller who
 * kills us between the two steps cannot get an interface the quota misses). */

struct entry
{
  unsigned long uid, netns, ifindex;
  char name[IFNAMSIZ], bridge[IFNAMSIZ];
};

struct db
{
  int dir;
  int lock;
  struct entry *e;
  size_t n;
  unsigned corrupt, duplicates;
};

static bool
db_open (struct db *db)
{
  memset (db, 0, sizeof *db);
  db->dir = db->lock = -1;
  /* The folder is root's alone: a user can neither read who has what nor
   * swap a file for a link. Parents are made as root would make /run/mgr. */
  char parent[PATH_MAX];
  snprintf (parent, sizeof parent, "%s", USERNIC_DB_DIR);
  char *slash = strrchr (parent, '/');
  if (slash && slash != parent)
    {
      *slash = '\0';
      if (mkdir (parent, 0755) < 0 && errno != EEXIST)
        {
          say ("creating %s: %s", parent, strerror (errno));
          return false;
        }
    }
  if (mkdir (USERNIC_DB_DIR, 0700) < 0 && errno != EEXIST)
    {
      say ("creating %s: %s", USERNIC_DB_DIR, strerror (errno));
      return false;
    }
  db->dir = open (USERNIC_DB_DIR, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
  struct stat st;
  if (db->dir < 0 || fstat (db->dir, &st) < 0 || st.st_uid != 0 || (st.st_mode & 077))
    {
      say ("%s must be a folder owned by root with mode 0700 (remove it: mgr-user-nic makes it again)",
           USERNIC_DB_DIR);
      return false;
    }
  db->lock = openat (db->dir, "lock", O_RDWR | O_CREAT | O_NOFOLLOW | O_CLOEXEC | O_NOCTTY, 0600);
  if (db->lock < 0 || flock (db->lock, LOCK_EX) < 0)
    {
      say ("locking %s/lock: %s", USERNIC_DB_DIR, strerror (errno));
      return false;
    }
  int fd = openat (db->dir, "nics", O_RDONLY | O_NOFOLLOW | O_CLOEXEC | O_NOCTTY | O_NONBLOCK);
  if (fd < 0 && errno == ENOENT)
    return true;
  if (fd < 0)
    {
      say ("opening %s/nics: %s (remove it: only interfaces that still exist are lost track of)",
           USERNIC_DB_DIR, strerror (errno));
      return false;
    }
  char *text = read_fd (fd, USERNIC_DB_DIR "/nics");
  close (fd);
  if (!text)
    return false;
  db->e = calloc (MAX_ENTRIES, sizeof *db->e);
  if (!db->e)
    {
      free (text);
      return false;
    }
  char *save = NULL;
  for (char *line = strtok_r (text, "\n", &save); line; line = strtok_r (NULL, "\n", &save))
    {
      char f[5][32], extra[2];
      struct entry e;
      if (sscanf (line, "%31s %31s %31s %31s %31s %1s", f[0], f[1], f[2], f[3], f[4], extra) != 5
          || !parse_uint (f[0], UINT_MAX - 1, &e.uid) || !parse_uint (f[1], ULONG_MAX - 1, &e.netns)
          || !parse_uint (f[2], INT_MAX, &e.ifindex) || !valid_ifname (f[3]) || !valid_ifname (f[4]))
        {
          db->corrupt++;
          continue;
        }
      /* valid_ifname() bounded both below IFNAMSIZ. */
      memcpy (e.name, f[3], strlen (f[3]) + 1);
      memcpy (e.bridge, f[4], strlen (f[4]) + 1);
      bool dup = false;
      for (size_t i = 0; i < db->n && !dup; i++)
        dup = db->e[i].netns == e.netns && strcmp (db->e[i].name, e.name) == 0;
      if (dup)
        db->duplicates++;
      else if (db->n < MAX_ENTRIES)
        db->e[db->n++] = e;
    }
  free (text);
  if (db->corrupt || db->duplicates)
    say ("the interface database %s/nics had %u unreadable and %u duplicated lines; they are dropped",
         USERNIC_DB_DIR, db->corrupt, db->duplicates);
  return true;
}

/* Written whole to a new file and renamed over the old one: a crash or a
 * killed helper leaves the old database or the new one, never half of one. */
static bool
db_write (struct db *db)
{
  int fd = openat (db->dir, "nics.new", O_WRONLY | O_CREAT | O_TRUNC | O_NOFOLLOW | O_CLOEXEC | O_NOCTTY, 0600);
  if (fd < 0)
    {
      say ("writing %s/nics.new: %s", USERNIC_DB_DIR, strerror (errno));
      return false;
    }
  bool ok = true;
  for (size_t i = 0; i < db->n && ok; i++)
    {
      const struct entry *e = &db->e[i];
      ok = dprintf (fd, "%lu %lu %lu %s %s\n", e->uid, e->netns, e->ifindex, e->name, e->bridge) > 0;
    }
  if (close (fd) < 0 || !ok || renameat (db->dir, "nics.new", db->dir, "nics") < 0)
    {
      say ("writing %s/nics: %s", USERNIC_DB_DIR, strerror (errno ? errno : EIO));
      unlinkat (db->dir, "nics.new", 0);
      return false;
    }
  return true;
}

static bool
db_add (struct db *db, const struct entry *e)
{
  if (!db->e && !(db->e = calloc (MAX_ENTRIES, sizeof *db->e)))
    return false;
  if (db->n >= MAX_ENTRIES)
    {
      say ("the interface database is full (%d interfaces)", MAX_ENTRIES);
      return false;
    }
  db->e[db->n++] = *e;
  return true;
}

static void
db_remove (struct db *db, size_t i)
{
  db->e[i] = db->e[--db->n];
}

/* Entries of this namespace are believed only while the kernel agrees: the
 * interface exists under that name, is a veth, and has the recorded index. */
static void
db_prune (struct db *db, struct nl_sock *sk, unsigned long netns)
{
  for (size_t i = 0; i < db->n;)
    {
      struct entry *e = &db->e[i];
      if (e->netns != netns)
        {
          i++;
          continue;
        }
      int idx = link_index (sk, e->name, "veth");
      if (idx == 0 || (e->ifindex != 0 && (unsigned long) idx != e->ifindex))
        {
          db_remove (db, i);
          continue;
        }
      e->ifindex = (unsigned long) idx;
      i++;
    }
}

/* ---- the commands --------------------------------------------------------------- */

static unsigned long
current_netns (void)
{
  struct stat st;
  int fd = open ("/proc/self/ns/net", O_RDONLY | O_CLOEXEC);
  if (fd < 0 || fstat (fd, &st) < 0)
    {
      say ("cannot identify the current network namespace: %s", strerror (errno));
      if (fd >= 0)
        close (fd);
      return 0;
    }
  close (fd);
  return (unsigned long) st.st_ino;
}

static int
cmd_create (const struct caller *c, int nsarg, const char *bridge, const char *peer, unsigned long mtu)
{
  long quota = usernet_quota (c, bridge);
  if (quota == -2)
    return 1;
  if (quota < 0)
    {
      say ("%s allows %s no veth on the bridge %s: the administrator adds a line \"%s veth %s COUNT\"", USERNIC_CONF,
           c->name, bridge, c->name, bridge);
      return 1;
    }
  int ns = open_owned_netns (nsarg, c->uid);
  if (ns < 0)
    return 1;
  struct nl_sock *sk = nl_open ();
  if (!sk)
    return 1;
  int br = link_index (sk, bridge, "bridge");
  if (br == 0)
    {
      say ("%s is allowed in %s but there is no bridge %s here (an administrator makes it, or runs mgr-net up)",
           bridge, USERNIC_CONF, bridge);
      return 1;
    }
  unsigned long netns = current_netns ();
  struct db db;
  if (!netns || !db_open (&db))
    return 1;
  db_prune (&db, sk, netns);
  long used = 0;
  for (size_t i = 0; i < db.n; i++)
    used += db.e[i].uid == c->uid && db.e[i].netns == netns && strcmp (db.e[i].bridge, bridge) == 0;
  if (used >= quota)
    {
      db_write (&db);
      say ("%s may have %ld veth(s) on %s (%s) and has %ld: remove one (mgr-user-nic delete NAME, or stop a container)",
           c->name, quota, bridge, USERNIC_CONF, used);
      return 1;
    }

  int r = -NLE_EXIST;
  struct entry e = { .uid = c->uid, .netns = netns, .ifindex = 0 };
  memcpy (e.bridge, bridge, strlen (bridge) + 1); /* valid_ifname() bounded it */
  for (int attempt = 0; attempt < 8 && r == -NLE_EXIST; attempt++)
    {
      unsigned short rnd;
      if (getrandom (&rnd, sizeof rnd, 0) != sizeof rnd)
        rnd = (unsigned short) (getpid () + attempt);
      snprintf (e.name, sizeof e.name, "u%xv%04x", (unsigned) c->uid, rnd);
      if (link_index (sk, e.name, NULL))
        continue;
      /* Recorded before it exists: see the database's comment. */
      if (!db_add (&db, &e) || !db_write (&db))
        return 1;
      struct rtnl_link *veth = rtnl_link_veth_alloc ();
      struct rtnl_link *p = rtnl_link_veth_get_peer (veth);
      rtnl_link_set_name (veth, e.name);
      rtnl_link_set_master (veth, br);
      rtnl_link_set_flags (veth, IFF_UP);
      rtnl_link_set_name (p, peer);
      rtnl_link_set_ns_fd (p, ns);
      if (mtu)
        rtnl_link_set_mtu (veth, (unsigned) mtu), rtnl_link_set_mtu (p, (unsigned) mtu);
      r = rtnl_link_add (sk, veth, NLM_F_CREATE | NLM_F_EXCL);
      rtnl_link_put (p);
      rtnl_link_veth_release (veth);
      db_remove (&db, db.n - 1);
    }
  if (r < 0)
    {
      db_write (&db);
      say ("creating the veth pair %s on %s with %s in the container's namespace: %s%s", e.name, bridge, peer,
           nl_geterror (r), r == -NLE_EXIST ? " (is there an interface of that name in the container already?)" : "");
      return 1;
    }
  e.ifindex = (unsigned long) link_index (sk, e.name, "veth");
  if (!db_add (&db, &e) || !db_write (&db))
    return 1;
  printf ("%s %s\n", e.name, peer);
  return fflush (stdout) == 0 ? 0 : 1;
}

static int
cmd_delete (const struct caller *c, const char *name)
{
  struct nl_sock *sk = nl_open ();
  unsigned long netns = current_netns ();
  struct db db;
  if (!sk || !netns || !db_open (&db))
    return 1;
  db_prune (&db, sk, netns);
  for (size_t i = 0; i < db.n; i++)
    {
      struct entry *e = &db.e[i];
      if (e->uid != c->uid || e->netns != netns || strcmp (e->name, name) != 0)
        continue;
      struct rtnl_link *l = rtnl_link_alloc ();
      rtnl_link_set_ifindex (l, (int) e->ifindex);
      int r = rtnl_link_delete (sk, l);
      rtnl_link_put (l);
      if (r < 0 && r != -NLE_OBJ_NOTFOUND && r != -NLE_NODEV)
        {
          say ("deleting %s: %s", name, nl_geterror (r));
          return 1;
        }
      db_remove (&db, i);
      return db_write (&db) ? 0 : 1;
    }
  db_write (&db);
  /* The same words whether or not such an interface exists. */
  say ("%s is not an interface that mgr-user-nic made for %s here", name, c->name);
  return 1;
}

static void
usage (FILE *f)
{
  fprintf (f,
           "Usage: mgr-user-nic create [--netns-fd N] [--peer NAME] [--mtu N] BRIDGE\n"
           "       mgr-user-nic delete HOSTIF\n"
           "\n"
           "Setuid helper that gives an ordinary user's container a veth on a bridge that\n"
           "%s allows the user (lines \"USER veth BRIDGE COUNT\" or \"@GROUP veth BRIDGE COUNT\").\n"
           "\n"
           "create   makes a veth pair: the host end, named u<uid-hex>v<4 hex>, joins BRIDGE in the\n"
           "         helper's own network namespace and is up; the other end, named NAME\n"
           "         (default eth0), is created directly in the container's network namespace.\n"
           "         That namespace is an open fd: fd 3 unless --netns-fd says another; an nsfd\n"
           "         (open /proc/PID/ns/net) or a pidfd of a process in it. Its user namespace\n"
           "         must be owned by the caller's uid. Prints \"HOSTIF PEER\" on success.\n"
           "         At most COUNT interfaces per user and bridge exist at once.\n"
           "delete   removes HOSTIF, if this helper made it for the caller.\n"
           "\n"
           "Exit status: 0 success, 1 refused or failed, 2 bad usage.\n",
           USERNIC_CONF);
}

/* The namespace fd must be known before every other fd is closed, so it is
 * found in argv first, allocating nothing. */
static int
early_netns_fd (int argc, char **argv)
{
  if (argc < 2 || strcmp (argv[1], "create") != 0)
    return -1;
  for (int i = 2; i + 1 < argc; i++)
    if (strcmp (argv[i], "--netns-fd") == 0)
      {
        unsigned long v;
        return parse_uint (argv[i + 1], 1023, &v) && v >= 3 ? (int) v : -1;
      }
  return 3;
}

int
main (int argc, char **argv)
{
  sanitize_process (early_netns_fd (argc, argv));
  if (argc < 2)
    {
      usage (stderr);
      return 2;
    }
  if (strcmp (argv[1], "--help") == 0 || strcmp (argv[1], "-h") == 0)
    {
      usage (stdout);
      return 0;
    }
  if (strcmp (argv[1], "--version") == 0)
    {
      printf ("mgr-user-nic %s\n", PACKAGE_VERSION);
      return 0;
    }
  struct caller c;
  if (strcmp (argv[1], "create") == 0)
    {
      unsigned long nsfd = 3, mtu = 0;
      const char *peer = "eth0", *bridge = NULL;
      for (int i = 2; i < argc; i++)
        {
          const char *a = argv[i];
          if (strcmp (a, "--netns-fd") == 0 && i + 1 < argc)
            {
              if (!parse_uint (argv[++i], 1023, &nsfd) || nsfd < 3)
                {
                  say ("--netns-fd: a number from 3 to 1023");
                  return 2;
                }
            }
          else if (strcmp (a, "--peer") == 0 && i + 1 < argc)
            {
              peer = argv[++i];
              if (!valid_ifname (peer))
                {
                  say ("--peer: not a valid interface name (1 to 15 of A-Z a-z 0-9 - _ .)");
                  return 2;
                }
            }
          else if (strcmp (a, "--mtu") == 0 && i + 1 < argc)
            {
              if (!parse_uint (argv[++i], 65535, &mtu) || mtu < 68)
                {
                  say ("--mtu: a number from 68 to 65535");
                  return 2;
                }
            }
          else if (a[0] == '-' || bridge)
            {
              usage (stderr);
              return 2;
            }
          else
            bridge = a;
        }
      if (!bridge)
        {
          usage (stderr);
          return 2;
        }
      if (!valid_ifname (bridge))
        {
          say ("BRIDGE: not a valid interface name (1 to 15 of A-Z a-z 0-9 - _ .)");
          return 2;
        }
      if (!caller_identify (&c))
        return 1;
      return cmd_create (&c, (int) nsfd, bridge, peer, mtu);
    }
  if (strcmp (argv[1], "delete") == 0)
    {
      if (argc != 3)
        {
          usage (stderr);
          return 2;
        }
      if (!valid_ifname (argv[2]))
        {
          say ("HOSTIF: not a valid interface name (1 to 15 of A-Z a-z 0-9 - _ .)");
          return 2;
        }
      if (!caller_identify (&c))
        return 1;
      return cmd_delete (&c, argv[2]);
    }
  usage (stderr);
  return 2;
}
