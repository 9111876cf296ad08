/* mgr-checkconfig's probes. Each looks at the running kernel and host as
 * they are (sysctls, setuid bits, the caller's cgroup), so that its answer
 * is what mgr-start would meet. */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <linux/openat2.h>
#include <sched.h>
#include <stdio.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/utsname.h>
#include <sys/wait.h>
#include <sys/xattr.h>
#include <unistd.h>

#include "cgroup.h"
#include "hostcheck.h"
#include "idblock.h"
#include "util.h"

static void
check_free (MgrCheck *c)
{
  g_free (c->name);
  g_free (c->detail);
  g_free (c->fix);
  g_free (c);
}

static void
add (GPtrArray *out, const char *name, MgrCheckStatus status, bool required, char *detail, char *fix)
{
  MgrCheck *c = g_new0 (MgrCheck, 1);
  c->name = g_strdup (name);
  c->status = status;
  c->required = required;
  c->detail = detail;
  c->fix = fix;
  g_ptr_array_add (out, c);
}

static bool
read_sysctl (const char *path, gint64 *v)
{
  g_autofree char *text = NULL;
  if (!g_file_get_contents (path, &text, NULL, NULL))
    return false;
  *v = g_ascii_strtoll (g_strstrip (text), NULL, 10);
  return true;
}

static void
kernel_checks (GPtrArray *out)
{
  static const char *const ns[] = { "user", "mnt", "pid", "uts", "ipc", "net", "cgroup" };
  struct utsname u;
  uname (&u);
  GString *missing = g_string_new (NULL);
  for (size_t i = 0; i < G_N_ELEMENTS (ns); i++)
    {
      g_autofree char *p = g_strdup_printf ("/proc/self/ns/%s", ns[i]);
      if (access (p, F_OK) < 0)
        g_string_append_printf (missing, "%s%s", missing->len ? ", " : "", ns[i]);
    }
  if (missing->len)
    add (out, "namespaces", MGR_CHECK_MISSING, true,
         g_strdup_printf ("Linux %s lacks the %s namespace(s)", u.release, missing->str),
         g_strdup ("a kernel built with CONFIG_NAMESPACES, CONFIG_USER_NS, CONFIG_PID_NS, CONFIG_NET_NS, CONFIG_CGROUPS"));
  else
    add (out, "namespaces", MGR_CHECK_OK, true,
         g_strdup_printf ("Linux %s with user, mnt, pid, uts, ipc, net and cgroup namespaces", u.release), NULL);
  g_string_free (missing, TRUE);

  /* The system calls mgr depends on, each tried harmlessly. */
  errno = 0;
  long r = syscall (SYS_clone3, NULL, 0);
  bool clone3 = !(r < 0 && errno == ENOSYS);
  _cleanup_close_ int pfd = syscall (SYS_pidfd_open, getpid (), 0);
  bool pidfd = pfd >= 0;
  struct open_how how = { .flags = O_PATH | O_CLOEXEC, .resolve = RESOLVE_NO_SYMLINKS };
  _cleanup_close_ int ofd = syscall (SYS_openat2, AT_FDCWD, "/", &how, sizeof how);
  bool openat2 = ofd >= 0;
  bool seccomp = prctl (PR_GET_SECCOMP, 0, 0, 0, 0) >= 0;
  if (clone3 && pidfd && openat2 && seccomp)
    add (out, "system calls", MGR_CHECK_OK, true, g_strdup ("clone3, pidfd_open, openat2 and seccomp are there"), NULL);
  else
    add (out, "system calls", MGR_CHECK_MISSING, true,
         g_strdup_printf ("missing:%s%s%s%s", clone3 ? "" : " clone3", pidfd ? "" : " pidfd_open",
                          openat2 ? "" : " openat2", seccomp ? "" : " seccomp"),
         g_strdup ("Linux 5.6 or newer, built with CONFIG_SECCOMP_FILTER"));
  unsigned maj = 0, min = 0;
  sscanf (u.release, "%u.%u", &maj, &min);
  if (maj > 5 || (maj == 5 && min >= 7))
    add (out, "CLONE_INTO_CGROUP", MGR_CHECK_OK, false, g_strdup ("a container's init starts in its cgroup"), NULL);
  else
    add (out, "CLONE_INTO_CGROUP", MGR_CHECK_WARN, false,
         g_strdup_printf ("Linux %s is older than 5.7: init is moved into its cgroup after clone", u.release), NULL);
}

static void
userns_checks (GPtrArray *out, bool for_user)
{
  gint64 v;
  if (read_sysctl ("/proc/sys/user/max_user_namespaces", &v) && v == 0)
    add (out, "user namespaces", MGR_CHECK_MISSING, true, g_strdup ("user.max_user_namespaces is 0"),
         g_strdup ("sysctl -w user.max_user_namespaces=15000 (and the same line in /etc/sysctl.d/90-mgr.conf)"));
  else
    add (out, "user namespaces", MGR_CHECK_OK, true,
         g_strdup_printf ("user.max_user_namespaces = %" G_GINT64_FORMAT, v), NULL);
  if (!for_user)
    return;
  if (read_sysctl ("/proc/sys/kernel/unprivileged_userns_clone", &v) && v == 0)
    add (out, "unprivileged user namespaces", MGR_CHECK_MISSING, true,
         g_strdup ("kernel.unprivileged_userns_clone is 0: ordinary users may not create user namespaces"),
         g_strdup ("sysctl -w kernel.unprivileged_userns_clone=1 (and in /etc/sysctl.d/90-mgr.conf)"));
  if (read_sysctl ("/proc/sys/kernel/apparmor_restrict_unprivileged_userns", &v) && v != 0)
    add (out, "AppArmor", MGR_CHECK_MISSING, true,
         g_strdup ("kernel.apparmor_restrict_unprivileged_userns is 1: AppArmor takes the capabilities of an "
                   "unprivileged user namespace"),
         g_strdup ("sysctl -w kernel.apparmor_restrict_unprivileged_userns=0, or an AppArmor profile for mgr "
                   "with the userns rule"));
  /* The proof: make one. */
  pid_t pid = fork ();
  if (pid == 0)
    _exit (unshare (CLONE_NEWUSER) < 0 ? (errno & 0x7f) : 0);
  int status = 0;
  while (pid > 0 && waitpid (pid, &status, 0) < 0 && errno == EINTR)
    ;
  if (pid > 0 && WIFEXITED (status) && WEXITSTATUS (status) == 0)
    add (out, "unprivileged user namespaces", MGR_CHECK_OK, true, g_strdup ("this user can create one"), NULL);
  else
    add (out, "unprivileged user namespaces", MGR_CHECK_MISSING, true,
         g_strdup_printf ("creating one failed: %s", pid > 0 && WIFEXITED (status) ? g_strerror (WEXITSTATUS (status)) : "fork failed"),
         g_strdup ("see the sysctls above; on a hardened kernel, user namespaces may be compiled out"));
}

static void
helper_check (GPtrArray *out, const char *prog)
{
  g_autofree char *path = g_find_program_in_path (prog);
  struct stat st;
  if (!path)
    {
      add (out, prog, MGR_CHECK_MISSING, true, g_strdup ("not installed"), g_strdup ("apt-get install uidmap"));
      return;
    }
  bool caps = getxattr (path, "security.capability", NULL, 0) > 0;
  if (stat (path, &st) == 0 && ((st.st_uid == 0 && (st.st_mode & S_ISUID)) || caps))
    add (out, prog, MGR_CHECK_OK, true, g_strdup_printf ("%s, %s", path, caps ? "with file capabilities" : "setuid root"), NULL);
  else
    add (out, prog, MGR_CHECK_MISSING, true, g_strdup_printf ("%s is neither setuid root nor has file capabilities", path),
         g_strdup_printf ("chmod u+s %s (as root), or reinstall: apt-get install --reinstall uidmap", path));
}

static guint64
blocks (const GArray *r, GString *text)
{
  guint64 n = 0;
  for (guint i = 0; i < r->len; i++)
    {
      const struct mgr_idmap_range *x = &g_array_index (r, struct mgr_idmap_range, i);
      n += x->count / MGR_ID_BLOCK;
      g_string_append_printf (text, "%s%u-%u", text->len ? ", " : "", x->outside, x->outside + x->count - 1);
    }
  return n;
}

/* A range no user has yet, for the usermod line. */
static guint64
free_start (const MgrCheckOptions *o)
{
  guint64 end = 100000;
  const char *files[] = { o->subuid, o->subgid };
  for (size_t i = 0; i < 2; i++)
    {
      g_autofree char *text = NULL;
      if (!g_file_get_contents (files[i], &text, NULL, NULL))
        continue;
      g_auto (GStrv) lines = g_strsplit (text, "\n", -1);
      for (char **l = lines; *l; l++)
        {
          g_auto (GStrv) f = g_strsplit (*l, ":", 3);
          if (g_strv_length (f) == 3)
            end = MAX (end, g_ascii_strtoull (f[1], NULL, 10) + g_ascii_strtoull (f[2], NULL, 10));
        }
    }
  return (end + MGR_ID_BLOCK - 1) / MGR_ID_BLOCK * MGR_ID_BLOCK;
}

static void
range_check (GPtrArray *out, const MgrCheckOptions *o)
{
  g_autoptr (GArray) u = mgr_subid_ranges (o->subuid, o->user, o->uid);
  g_autoptr (GArray) g = mgr_subid_ranges (o->subgid, o->user, o->uid);
  g_autoptr (GString) ut = g_string_new (NULL);
  g_autoptr (GString) gt = g_string_new (NULL);
  guint64 nu = blocks (u, ut), ng = blocks (g, gt);
  if (!nu || !ng)
    {
      guint64 s = free_start (o);
      add (out, "subordinate ids", MGR_CHECK_MISSING, true,
           g_strdup_printf ("%s has no range of %d ids in %s", o->user, MGR_ID_BLOCK, !nu ? o->subuid : o->subgid),
           g_strdup_printf ("usermod --add-subuids %" G_GUINT64_FORMAT "-%" G_GUINT64_FORMAT " --add-subgids %" G_GUINT64_FORMAT
                            "-%" G_GUINT64_FORMAT " %s (as root; 65536 ids per container)",
                            s, s + 2 * MGR_ID_BLOCK - 1, s, s + 2 * MGR_ID_BLOCK - 1, o->user));
      return;
    }
  guint64 n = MIN (nu, ng);
  add (out, "subordinate ids", MGR_CHECK_OK, true,
       g_strdup_printf ("%" G_GUINT64_FORMAT " block%s of %d ids: room for %" G_GUINT64_FORMAT " container%s "
                        "(uids %s; gids %s)", n, n == 1 ? "" : "s", MGR_ID_BLOCK, n, n == 1 ? "" : "s", ut->str, gt->str),
       NULL);
}

static void
cgroup_check (GPtrArray *out, bool for_user)
{
  g_autoptr (GError) e = NULL;
  g_autoptr (MgrCgroup) cg = mgr_cgroup_new ("mgr-checkconfig", &e);
  if (!cg)
    {
      add (out, "cgroups", MGR_CHECK_MISSING, !for_user, g_strdup (e->message),
           g_strdup ("mount cgroup2 on /sys/fs/cgroup (mount -t cgroup2 none /sys/fs/cgroup)"));
      return;
    }
  const char *why = NULL;
  g_autofree char *desc = mgr_cgroup_describe (cg);
  if (!for_user || mgr_cgroup_available (cg, &why))
    add (out, "cgroups", MGR_CHECK_OK, false, g_steal_pointer (&desc), NULL);
  else
    add (out, "cgroups", MGR_CHECK_WARN, false,
         g_strdup_printf ("%s; %s: containers start without limits, usage figures or freeze", desc, why),
         g_strdup (mgr_cgroup_delegation_hint ()));
}

static void
usernet_check (GPtrArray *out, const MgrCheckOptions *o)
{
  g_autofree char *text = NULL;
  g_autoptr (GString) mine = g_string_new (NULL);
  g_autoptr (GError) e = NULL;
  if (!g_file_get_contents (o->usernet, &text, NULL, &e))
    {
      add (out, "usernet", MGR_CHECK_WARN, false,
           g_strdup_printf ("%s: %s: no veth networks for ordinary users", o->usernet,
                            e->code == G_FILE_ERROR_NOENT ? "no such file" : "cannot be read"),
           g_strdup_printf ("echo '%s veth mgrbr0 4' >> %s (as root)", o->user, o->usernet));
      return;
    }
  gid_t groups[256];
  int ng = getgroups (G_N_ELEMENTS (groups), groups);
  g_auto (GStrv) lines = g_strsplit (text, "\n", -1);
  for (char **l = lines; *l; l++)
    {
      g_auto (GStrv) f = g_strsplit_set (g_strstrip (*l), " \t", -1);
      if (!f[0] || f[0][0] == '#' || g_strv_length (f) < 4)
        continue;
      bool match = strcmp (f[0], o->user) == 0;
      if (f[0][0] == '@')
        {
          struct group *gr = getgrnam (f[0] + 1);
          for (int i = 0; gr && i < ng && !match; i++)
            match = groups[i] == gr->gr_gid;
          match |= gr && gr->gr_gid == o->gid;
        }
      if (match)
        g_string_append_printf (mine, "%s%s %s on %s, up to %s", mine->len ? "; " : "", f[0], f[1], f[2], f[3]);
    }
  if (mine->len)
    add (out, "usernet", MGR_CHECK_OK, false, g_strdup_printf ("%s: %s", o->usernet, mine->str), NULL);
  else
    add (out, "usernet", MGR_CHECK_WARN, false,
         g_strdup_printf ("%s has no line for %s: no veth networks", o->usernet, o->user),
         g_strdup_printf ("echo '%s veth mgrbr0 4' >> %s (as root)", o->user, o->usernet));
}

static void
user_nic_check (GPtrArray *out)
{
  g_autofree char *self = g_file_read_link ("/proc/self/exe", NULL);
  g_autofree char *dir = self ? g_path_get_dirname (self) : NULL;
  g_autofree char *here = dir ? g_build_filename (dir, "mgr-user-nic", NULL) : NULL;
  g_autofree char *path = here && g_file_test (here, G_FILE_TEST_EXISTS) ? g_strdup (here)
                                                                          : g_find_program_in_path ("mgr-user-nic");
  struct stat st;
  if (!path)
    add (out, "mgr-user-nic", MGR_CHECK_WARN, false, g_strdup ("not installed: no veth networks for ordinary users"),
         g_strdup ("install mgr with make install (as root), which installs the helper setuid root"));
  else if (stat (path, &st) == 0 && st.st_uid == 0 && (st.st_mode & S_ISUID))
    add (out, "mgr-user-nic", MGR_CHECK_OK, false, g_strdup_printf ("%s, setuid root", path), NULL);
  else
    add (out, "mgr-user-nic", MGR_CHECK_WARN, false, g_strdup_printf ("%s is not setuid root", path),
         g_strdup_printf ("chown root %s && chmod u+s %s (as root)", path, path));
}

GPtrArray *
mgr_host_checks (const MgrCheckOptions *o)
{
  GPtrArray *out = g_ptr_array_new_with_free_func ((GDestroyNotify) check_free);
  kernel_checks (out);
  userns_checks (out, o->for_user);
  if (o->for_user)
    {
      helper_check (out, "newuidmap");
      helper_check (out, "newgidmap");
      range_check (out, o);
    }
  cgroup_check (out, o->for_user);
  if (o->for_user)
    {
      usernet_check (out, o);
      user_nic_check (out);
    }
  return out;
}

bool
mgr_host_ready (const GPtrArray *checks)
{
  for (guint i = 0; i < checks->len; i++)
    {
      const MgrCheck *c = checks->pdata[i];
      if (c->required && c->status == MGR_CHECK_MISSING)
        return false;
    }
  return true;
}
