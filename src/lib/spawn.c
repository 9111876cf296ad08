#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <linux/sched.h>
#include <sched.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include "caps.h"
#include "cgroup.h"
#include "child.h"
#include "execinit.h"
#include "hooks.h"
#include "network.h"
#include "keys.h"
#include "mgr-error.h"
#include "runtime.h"
#include "spawn.h"
#include "trace.h"
#include "util.h"

/* What an ordinary user's container may not ask for. */
static gboolean
mgr_spawn_check_user (const MgrPlan *plan, GError **error)
{
  if (!plan->user_namespace)
    return g_set_error (error, MGR_ERROR, MGR_ERROR_PERMISSION,
                        "%s: an ordinary user's container needs an [id_map] of the user's subordinate ids "
                        "(mgr-create writes one; mgr-checkconfig --user shows the ranges)", plan->name), FALSE;
  for (guint i = 0; i < plan->n_net; i++)
    {
      const struct mgr_net *n = &plan->net[i];
      if (n->type == MGR_NET_MACVLAN || n->type == MGR_NET_PHYS)
        return g_set_error (error, MGR_ERROR, MGR_ERROR_PERMISSION,
                            "[network %s] type = %s: not available to an ordinary user (it takes a host device, "
                            "which needs root); use type = veth (within /etc/mgr/usernet) or type = empty",
                            n->name, n->type == MGR_NET_MACVLAN ? "macvlan" : "phys"), FALSE;
      if (n->type == MGR_NET_VETH && n->veth_host)
        return g_set_error (error, MGR_ERROR, MGR_ERROR_PERMISSION,
                            "[network %s] veth.host: an ordinary user's host end is named by mgr-user-nic; "
                            "remove the key", n->name), FALSE;
    }
  /* A limit that cannot be had fails here, before a monitor exists. */
  g_autoptr (MgrCgroup) cg = mgr_cgroup_new (plan->name, error);
  return cg && mgr_cgroup_check (cg, plan, error);
}

char *
mgr_spawn_user_notice (const MgrPlan *plan)
{
  const char *why = NULL;
  g_autoptr (MgrCgroup) cg = geteuid () != 0 ? mgr_cgroup_new (plan->name, NULL) : NULL;
  if (!cg || mgr_cgroup_available (cg, &why))
    return NULL;
  return g_strdup_printf ("%s runs without limits, usage figures or freeze (%s); %s", plan->name, why,
                          mgr_cgroup_delegation_hint ());
}

gboolean
mgr_spawn_check (const MgrPlan *plan, GError **error)
{
  struct stat st;
  if (geteuid () != 0 && !mgr_spawn_check_user (plan, error))
    return FALSE;
  if (stat (plan->container.rootfs, &st) < 0 || !S_ISDIR (st.st_mode))
    {
      g_set_error (error, MGR_ERROR, MGR_ERROR_NOT_FOUND, "rootfs %s: %s (set [container] rootfs, or create the container with mgr-create)",
                   plan->container.rootfs, stat (plan->container.rootfs, &st) < 0 ? g_strerror (errno) : "not a folder");
      return FALSE;
    }
  if (plan->user_namespace)
    {
      uid_t ru;
      gid_t rg;
      mgr_plan_root_ids (plan, &ru, &rg);
      /* The container's root looks the rootfs up in the folder above it
       * (which mgr_spawn opens as the caller): it needs search permission
       * there only. */
      g_autofree char *dir = g_path_get_dirname (plan->container.rootfs);
      for (bool first = true; first && strcmp (dir, "/") != 0; first = false)
        {
          struct stat ds;
          if (stat (dir, &ds) == 0 && !(ds.st_mode & S_IXOTH) && ds.st_uid != ru
              && !(ds.st_gid == rg && (ds.st_mode & S_IXGRP)))
            {
              g_set_error (error, MGR_ERROR, MGR_ERROR_PERMISSION,
                           "%s (mode %03o) cannot be entered by the container's root (host uid %u), so it cannot reach "
                           "its rootfs %s; allow it with: chmod o+x %s",
                           dir, ds.st_mode & 0777, ru, plan->container.rootfs, dir);
              return FALSE;
            }
          char *up = g_path_get_dirname (dir);
          g_free (dir);
          dir = up;
        }
      /* An OCI engine prepares its rootfs itself (an id-mapped or
       * read-only one may belong to anyone): only mgr's own are checked. */
      if (st.st_uid != ru && !plan->oci.set)
        {
          g_set_error (error, MGR_ERROR, MGR_ERROR_PERMISSION,
                       "rootfs %s is owned by %u but [id_map] maps container root to %u: its files must be owned by "
                       "the mapped ids (mgr-create does that; by hand: chown -R with the ids shifted by %u)",
                       plan->container.rootfs, st.st_uid, ru, ru);
          return FALSE;
        }
    }
  guint64 bound = mgr_caps_host_bounding ();
  if (plan->oci.set)
    {
      const struct { const char *name; guint64 mask; } sets[] = {
        { "bounding", plan->oci.cap_bounding }, { "effective", plan->oci.cap_effective },
        { "permitted", plan->oci.cap_permitted }, { "inheritable", plan->oci.cap_inheritable },
        { "ambient", plan->oci.cap_ambient },
      };
      for (size_t i = 0; i < G_N_ELEMENTS (sets); i++)
        if (sets[i].mask & ~bound)
          {
            g_autofree char *missing = mgr_caps_format (sets[i].mask & ~bound);
            g_set_error (error, MGR_ERROR, MGR_ERROR_PERMISSION,
                         "config.json: process.capabilities.%s: %s: not in this host's bounding set, so no container "
                         "here can have it; remove it", sets[i].name, missing);
            return FALSE;
          }
    }
  if (plan->caps.keep.set && (plan->caps.keep.mask & ~bound))
    {
      g_autofree char *missing = mgr_caps_format (plan->caps.keep.mask & ~bound);
      g_set_error (error, MGR_ERROR, MGR_ERROR_PERMISSION,
                   "[capabilities] keep: %s: not in this host's bounding set, so no container here can have it; remove it",
                   missing);
      return FALSE;
    }
  return TRUE;
}

static char **
build_env (const MgrPlan *plan, bool console, bool notify)
{
  g_autoptr (GStrvBuilder) b = g_strv_builder_new ();
  g_auto (GStrv) env = NULL;
  env = g_environ_setenv (env, "PATH", "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin", TRUE);
  env = g_environ_setenv (env, "HOME", "/", TRUE);
  if (console)
    env = g_environ_setenv (env, "TERM", "linux", TRUE);
  for (char **e = plan->container.environment; e && *e; e++)
    {
      g_autofree char *name = g_strndup (*e, strchr (*e, '=') - *e);
      env = g_environ_setenv (env, name, strchr (*e, '=') + 1, TRUE);
    }
  env = g_environ_setenv (env, "container", "mgr", TRUE);
  if (notify)
    env = g_environ_setenv (env, "NOTIFY_SOCKET", MGR_NOTIFY_SOCKET, TRUE);
  return g_steal_pointer (&env);
}

static gid_t
tty_gid (const MgrPlan *plan)
{
  if (!plan->user_namespace)
    return 5;
  return mgr_idmap_to_host (&plan->id_map.gid, 5, NULL) ? 5 : (gid_t) -1;
}

/* Whether the child has replaced mgr's image with its program. */
static bool
child_has_exec (pid_t pid)
{
  char path[64];
  struct stat self, child;
  snprintf (path, sizeof path, "/proc/%d/exe", (int) pid);
  if (stat (path, &child) < 0 || stat ("/proc/self/exe", &self) < 0)
    return false;
  return child.st_dev != self.st_dev || child.st_ino != self.st_ino;
}

/* How an exiting child ended, without reaping it (the monitor reaps it as
 * any init that exits); false if it is still running after a while, which
 * only a child that did exec can be. */
static bool
child_exit_peek (int pidfd, pid_t pid, siginfo_t *si)
{
  struct pollfd p = { pidfd, POLLIN, 0 };
  int r;
  while ((r = poll (&p, 1, 5000)) < 0 && errno == EINTR)
    ;
  if (r <= 0)
    return false;
  while (waitid (P_PID, pid, si, WEXITED | WNOWAIT | WNOHANG) < 0)
    if (errno != EINTR)
      return false;
  return si->si_pid == pid;
}

/* Whether a bind source lies inside the container's folder or its rootfs,
 * where the container may have replaced any component with a symlink; if
 * so, which root to open it beneath and the path below it. The comparison
 * is lexical (".." collapsed) against each root as written and as
 * resolved, since both are the administrator's. */
static void
mount_source_split (const MgrPlan *plan, const char *source, struct mgr_child_mount *cm, GPtrArray *strings)
{
  g_autofree char *src = g_canonicalize_filename (source, "/");
  const char *roots[] = { plan->dir, plan->container.rootfs };
  for (size_t i = 0; i < G_N_ELEMENTS (roots); i++)
    {
      if (!roots[i])
        continue;
      g_autofree char *real = realpath (roots[i], NULL);
      const char *forms[] = { roots[i], real };
      for (size_t j = 0; j < G_N_ELEMENTS (forms); j++)
        {
          if (!forms[j])
            continue;
          g_autofree char *root = g_canonicalize_filename (forms[j], "/");
          size_t n = strlen (root);
          if (strncmp (src, root, n) != 0 || (src[n] != '/' && src[n] != '\0' && strcmp (root, "/") != 0))
            continue;
          const char *rel = src + n;
          while (*rel == '/')
            rel++;
          cm->source_root = g_strdup (root);
          cm->source_rel = g_strdup (rel);
          g_ptr_array_add (strings, (char *) cm->source_root);
          g_ptr_array_add (strings, (char *) cm->source_rel);
          return;
        }
    }
}

/* The namespaces an OCI bundle joins by path: the caller enters them
 * before clone, so that the child is born inside (a pid namespace can only
 * be entered that way), and leaves them right after (restore_namespaces):
 * saved gets the caller's own. */
static const int ns_types[MGR_NS_COUNT] = {
  [MGR_NS_NET] = CLONE_NEWNET, [MGR_NS_IPC] = CLONE_NEWIPC, [MGR_NS_UTS] = CLONE_NEWUTS,
  [MGR_NS_PID] = CLONE_NEWPID, [MGR_NS_CGROUP] = CLONE_NEWCGROUP, [MGR_NS_MNT] = CLONE_NEWNS,
};
static const char *const ns_self[MGR_NS_COUNT] = {
  [MGR_NS_NET] = "/proc/self/ns/net", [MGR_NS_IPC] = "/proc/self/ns/ipc", [MGR_NS_UTS] = "/proc/self/ns/uts",
  [MGR_NS_PID] = "/proc/self/ns/pid_for_children", [MGR_NS_CGROUP] = "/proc/self/ns/cgroup",
  [MGR_NS_MNT] = "/proc/self/ns/mnt",
};

static void
restore_namespaces (int saved[MGR_NS_COUNT])
{
  for (int i = 0; i < MGR_NS_COUNT; i++)
    if (saved[i] >= 0)
      {
        /* Back where we were: the caller's files and cgroups are there.
         * This cannot fail for a namespace we were in a moment ago. */
        (void) !setns (saved[i], ns_types[i]);
        close (saved[i]);
        saved[i] = -1;
      }
}

static gboolean
join_namespaces (const MgrPlan *plan, int saved[MGR_NS_COUNT], GError **error)
{
  /* All opened first: the paths are the caller's, and joining the mount
   * namespace (last) changes what they name. */
  int fds[MGR_NS_COUNT];
  gboolean ok = TRUE;
  for (int i = 0; i < MGR_NS_COUNT; i++)
    fds[i] = saved[i] = -1;
  for (int i = 0; i < MGR_NS_COUNT && ok; i++)
    if (plan->oci.ns_join[i])
      {
        if ((fds[i] = open (plan->oci.ns_join[i], O_RDONLY | O_CLOEXEC)) < 0)
          ok = (g_set_error (error, MGR_ERROR, MGR_ERROR_FAILED, "opening the namespace %s: %s", plan->oci.ns_join[i],
                             g_strerror (errno)), FALSE);
        else if ((saved[i] = open (ns_self[i], O_RDONLY | O_CLOEXEC)) < 0)
          ok = (g_set_error (error, MGR_ERROR, MGR_ERROR_FAILED, "opening %s: %s", ns_self[i], g_strerror (errno)), FALSE);
      }
  for (int i = 0; i < MGR_NS_COUNT && ok; i++)
    if (fds[i] >= 0 && setns (fds[i], ns_types[i]) < 0)
      ok = (g_set_error (error, MGR_ERROR, MGR_ERROR_FAILED, "joining the namespace %s: %s", plan->oci.ns_join[i],
                         g_strerror (errno)), FALSE);
  for (int i = 0; i < MGR_NS_COUNT; i++)
    if (fds[i] >= 0)
      close (fds[i]);
  if (!ok)
    restore_namespaces (saved);
  return ok;
}

/* Waits for mgr-start's word on the v1 cgroups it made meanwhile (a line:
 * "ok", or "error MESSAGE"), then sends the child their tasks files. */
static gboolean
send_deferred_cgroups (const MgrSpawnOptions *o, int sync_fd, int expected, GError **error)
{
  char line[1024];
  size_t n = 0;
  while (n < sizeof line - 1)
    {
      ssize_t r = read (o->cgroup_ready_fd, line + n, sizeof line - 1 - n);
      if (r < 0 && errno == EINTR)
        continue;
      if (r <= 0)
        break;
      n += r;
      if (memchr (line, '\n', n))
        break;
    }
  line[n] = '\0';
  line[strcspn (line, "\n")] = '\0';
  if (strcmp (line, "ok") != 0)
    return g_set_error (error, MGR_ERROR, MGR_ERROR_FAILED, "%s",
                        g_str_has_prefix (line, "error ") ? line + 6 : "mgr-start ended before the cgroups were made"),
           FALSE;
  mgr_trace ("spawn: v1 cgroups made by mgr-start");
  int fds[32];
  const char *paths[G_N_ELEMENTS (fds)];
  int got = mgr_cgroup_v1_tasks_open (o->cgroup, fds, paths, G_N_ELEMENTS (fds), error);
  if (got < 0)
    return FALSE;
  if (got != expected)
    {
      for (int i = 0; i < got; i++)
        close (fds[i]);
      return g_set_error (error, MGR_ERROR, MGR_ERROR_FAILED, "the host's cgroup hierarchies changed during the start"),
             FALSE;
    }
  int r = mgr_child_send_fds (sync_fd, MGR_SYNC_CGROUPS, fds, got);
  for (int i = 0; i < got; i++)
    close (fds[i]);
  if (r < 0)
    return g_set_error (error, MGR_ERROR, MGR_ERROR_FAILED, "sending the container its cgroups: %s", g_strerror (-r)),
           FALSE;
  return TRUE;
}

gboolean
mgr_spawn (const MgrPlan *plan, const MgrSpawnOptions *o, MgrSpawned *out, GError **error)
{
  g_auto (GStrv) envp = plan->oci.set ? g_strdupv (plan->container.environment)
                                      : build_env (plan, o->console_fd >= 0, o->notify);
  g_autofree struct mgr_child_mount *mounts = g_new0 (struct mgr_child_mount, plan->n_mounts + 1);
  int sv[2];
  struct mgr_privileges privs;
  mgr_privileges_prepare (plan, plan->container.uid.v, plan->container.gid.v, o->seccomp, &privs);
  privs.listen = o->seccomp && o->seccomp->notify;

  g_auto (GStrv) env_pre_mount = mgr_hook_env (plan, "pre-mount", 0);
  g_auto (GStrv) env_mount = mgr_hook_env (plan, "mount", 0);
  g_auto (GStrv) env_start = mgr_hook_env (plan, "start", 0);
  g_autoptr (GPtrArray) strings = g_ptr_array_new_with_free_func (g_free);
  for (guint i = 0; i < plan->n_mounts; i++)
    {
      mounts[i] = (struct mgr_child_mount){ &plan->mounts[i], plan->mounts[i].target + 1 };
      if (plan->mounts[i].options.bind)
        mount_source_split (plan, plan->mounts[i].source, &mounts[i], strings);
    }
  g_autofree char *rootfs_dir = g_path_get_dirname (plan->container.rootfs);
  g_autofree char *rootfs_base = g_path_get_basename (plan->container.rootfs);
  g_autofree char *rootfs_via = g_malloc0 (PATH_MAX);
  int oci_console = -1; /* the child's copy gets its pty's peer */
  g_auto (GStrv) cg_dirs = o->cgroup && plan->oci.set && !(plan->oci.ns_flags & CLONE_NEWCGROUP)
                             ? mgr_cgroup_v1_dirs (o->cgroup) : NULL;
  struct mgr_child c = {
    .plan = plan,
    .console_fd = o->console_fd,
    .console_mask = o->console_mask ? o->console_mask : 7,
    .console_path = o->console_fd >= 0 ? o->console_path : NULL,
    .console_ctty = o->command != NULL || plan->oci.terminal,
    .tty_paths = o->tty_paths,
    .rootfs = plan->container.rootfs,
    .rootfs_dir = rootfs_dir,
    .rootfs_base = rootfs_base,
    .rootfs_via = rootfs_via,
    .argv = o->command ? o->command : plan->container.init,
    .envp = envp,
    .cwd = plan->container.cwd,
    .own_netns = !plan->share_host_net,
    .minimal_init = o->minimal_init,
    .legacy_mount_api = g_strcmp0 (g_getenv ("MGR_MOUNT_API"), "legacy") == 0,
    .init_fd = -1,
    .tty_gid = tty_gid (plan),
    .privs = privs,
    .mounts = mounts,
    .n_mounts = plan->n_mounts,
    .hook_env = { env_pre_mount, env_mount, env_start },
    .cgroup_v1 = o->cgroup ? mgr_cgroup_v1_options (o->cgroup) : NULL,
    .cgroup_v2 = o->cgroup ? mgr_cgroup_v2_name (o->cgroup) : NULL,
    .cgroup_v1_dirs = cg_dirs,
    .cgroup_v2_dir = cg_dirs ? mgr_cgroup_v2_dir (o->cgroup) : NULL,
    .boot_id = o->boot_id,
    .console_out = plan->oci.set && plan->oci.terminal ? &oci_console : NULL,
  };
  out->console_master = -1;

  _cleanup_close_ int init_fd = o->minimal_init ? mgr_init_memfd (error) : -1;
  if (o->minimal_init && init_fd < 0)
    {
      mgr_privileges_clear (&privs);
      return FALSE;
    }
  c.init_fd = init_fd;
  int cg_fds[32];
  const char *cg_paths[G_N_ELEMENTS (cg_fds)];
  if (o->cgroup && o->cgroup_deferred)
    c.n_cgroup_deferred = mgr_cgroup_v1_tasks_paths (o->cgroup, cg_paths, G_N_ELEMENTS (cg_fds));
  else if (o->cgroup
           && (c.n_cgroup_tasks = mgr_cgroup_v1_tasks_open (o->cgroup, cg_fds, cg_paths, G_N_ELEMENTS (cg_fds), error)) < 0)
    {
      mgr_privileges_clear (&privs);
      return FALSE;
    }
  c.cgroup_tasks = cg_fds;
  c.cgroup_tasks_paths = cg_paths;
  if (socketpair (AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, sv) < 0)
    {
      for (int i = 0; i < c.n_cgroup_tasks; i++)
        close (cg_fds[i]);
      mgr_privileges_clear (&privs);
      g_set_error (error, MGR_ERROR, MGR_ERROR_FAILED, "creating the sync socket: %s", g_strerror (errno));
      return FALSE;
    }
  mgr_trace ("spawn: prepared");
  int pidfd = -1;
  /* The cgroup namespace comes later, from the child itself, once it is in
   * its own cgroups: its root is then the container's cgroup. */
  struct clone_args args = {
    .flags = plan->oci.set ? CLONE_PIDFD | (plan->oci.ns_flags & ~CLONE_NEWCGROUP)
                           : CLONE_PIDFD | CLONE_NEWNS | CLONE_NEWPID | CLONE_NEWUTS | CLONE_NEWIPC
                               | (plan->share_host_net ? 0 : CLONE_NEWNET) | (plan->user_namespace ? CLONE_NEWUSER : 0),
    .pidfd = (guint64) (uintptr_t) &pidfd,
    .exit_signal = SIGCHLD,
  };
  /* On v2, clone3 puts the child straight into its cgroup: no migration. */
  _cleanup_close_ int cgfd = o->cgroup ? mgr_cgroup_v2_fd (o->cgroup) : -1;
  int saved_ns[MGR_NS_COUNT];
  if (plan->oci.set && !join_namespaces (plan, saved_ns, error))
    {
      close (sv[0]);
      close (sv[1]);
      for (int i = 0; i < c.n_cgroup_tasks; i++)
        close (cg_fds[i]);
      mgr_privileges_clear (&privs);
      return FALSE;
    }
  if (cgfd >= 0)
    {
      args.flags |= CLONE_INTO_CGROUP;
      args.cgroup = cgfd;
    }
  pid_t pid = syscall (SYS_clone3, &args, sizeof args);
  if (pid < 0 && cgfd >= 0 && (errno == EINVAL || errno == E2BIG))
    {
      /* Before Linux 5.7: move it afterwards instead. */
      args.flags &= ~CLONE_INTO_CGROUP;
      args.cgroup = 0;
      close (cgfd);
      cgfd = -1;
      pid = syscall (SYS_clone3, &args, sizeof args);
    }
  if (pid == 0)
    {
      close (sv[0]);
      c.sync_fd = sv[1];
      mgr_child_run (&c);
    }
  int clone_errno = errno;
  if (plan->oci.set)
    restore_namespaces (saved_ns);
  close (sv[1]);
  for (int i = 0; i < c.n_cgroup_tasks; i++)
    close (cg_fds[i]);
  mgr_privileges_clear (&privs);
  _cleanup_close_ int sync_fd = sv[0];
  if (pid < 0)
    {
      g_set_error (error, MGR_ERROR, MGR_ERROR_FAILED, "creating the container's namespaces (clone3): %s%s",
                   g_strerror (clone_errno),
                   clone_errno == ENOSYS ? " (mgr needs Linux 5.3 or newer)"
                   : clone_errno == EPERM && plan->user_namespace ? " (are user namespaces disabled? mgr-checkconfig --user says)"
                                                                    : "");
      return FALSE;
    }

  /* sync 1: cgroups, maps, then GO. */
  mgr_trace ("spawn: cloned");
  /* The v1 hierarchies the child joins itself (see there). */
  if (o->cgroup && !mgr_cgroup_enter (o->cgroup, pid, true, cgfd >= 0, error))
    goto kill_child;
  mgr_trace ("spawn: cgroups entered (v2)");
  if (plan->user_namespace && !mgr_idmap_write (pid, plan, error))
    goto kill_child;
  mgr_trace ("spawn: id maps written");
  if (!plan->oci.set && !mgr_network_setup (plan, pid, o->net_auto, error))
    goto kill_child;
  if (plan->oci.oom_score_adj_set)
    {
      char path[64], v[16];
      snprintf (path, sizeof path, "/proc/%d/oom_score_adj", pid);
      snprintf (v, sizeof v, "%d", plan->oci.oom_score_adj);
      _cleanup_close_ int fd = open (path, O_WRONLY | O_CLOEXEC);
      if (fd < 0 || write (fd, v, strlen (v)) < 0)
        {
          g_set_error (error, MGR_ERROR, MGR_ERROR_FAILED, "process.oomScoreAdj: writing %s to %s: %s", v, path,
                       g_strerror (errno));
          goto kill_child;
        }
    }
  if (o->before_go && !o->before_go (pid, o->before_go_data, error))
    goto kill_child;
  if (c.n_cgroup_deferred > 0 && !send_deferred_cgroups (o, sync_fd, c.n_cgroup_deferred, error))
    goto kill_child;
  mgr_trace ("spawn: network set up; GO");
  struct mgr_sync_msg go = { .type = MGR_SYNC_GO };
  if (send (sync_fd, &go, sizeof go, MSG_NOSIGNAL) != sizeof go)
    {
      g_set_error (error, MGR_ERROR, MGR_ERROR_FAILED, "releasing the container's init: %s", g_strerror (errno));
      goto kill_child;
    }
  /* sync 2: an error record, or end of file when exec closed the socket;
   * before it, for a privileged container, sync 2a (the mounts to keep)
   * and sync 2b (the seccomp listener). */
  union {
    struct mgr_sync_msg m;
    struct mgr_sync_protected p;
  } u;
  int listener = -1;
  ssize_t n;
  for (;;)
    {
      char cbuf[CMSG_SPACE (sizeof (int))];
      struct iovec iov = { &u, sizeof u };
      struct msghdr mh = { .msg_iov = &iov, .msg_iovlen = 1, .msg_control = cbuf, .msg_controllen = sizeof cbuf };
      n = recvmsg (sync_fd, &mh, MSG_CMSG_CLOEXEC);
      if (n < 0 && errno == EINTR)
        continue;
      struct cmsghdr *cm = n > 0 ? CMSG_FIRSTHDR (&mh) : NULL;
      if (cm && cm->cmsg_level == SOL_SOCKET && cm->cmsg_type == SCM_RIGHTS)
        {
          int fd;
          memcpy (&fd, CMSG_DATA (cm), sizeof fd);
          if (n == sizeof u.m && u.m.type == MGR_SYNC_LISTENER && listener < 0)
            {
              listener = fd;
              continue;
            }
          /* sync 1b */
          if (n == sizeof u.m && u.m.type == MGR_SYNC_CONSOLE && out->console_master < 0)
            {
              out->console_master = fd;
              continue;
            }
          close (fd);
        }
      if (n == sizeof u.p && u.p.type == MGR_SYNC_PROTECTED)
        {
          out->protected = u.p.set;
          continue;
        }
      break;
    }
  /* OCI: ready and waiting for start; it execs later, past our watch. */
  if (n == sizeof u.m && u.m.type == MGR_SYNC_READY)
    {
      out->pid = pid;
      out->pidfd = pidfd;
      out->start_time = mgr_proc_start_time (pid);
      out->notify_fd = listener;
      return TRUE;
    }
  if (n == sizeof u.m && u.m.type == MGR_SYNC_ERROR)
    {
      g_autofree char *what = mgr_step_describe (&u.m);
      g_set_error (error, MGR_ERROR, MGR_ERROR_FAILED, "%s", what);
      if (listener >= 0)
        close (listener);
      if (out->console_master >= 0)
        close (out->console_master);
      out->console_master = -1;
      waitpid (pid, NULL, 0);
      close (pidfd);
      return FALSE;
    }
  /* End of file means exec closed the socket, or that the child died
   * without a word: killed by the seccomp filter (execve itself, or a call
   * before it), or unable to send its report (it then exits 127; 126 when
   * released badly). A child that is past exec has a new executable; one
   * that is exiting has none any more (its mm goes before its fds): its
   * end says which it was, since a program that ran and exited quickly
   * (status 0, 1, ...) did start. The minimal init never execs: its
   * command's fate is its exit status. */
  siginfo_t si = { 0 };
  if (!o->minimal_init && !child_has_exec (pid) && child_exit_peek (pidfd, pid, &si)
      && (si.si_code != CLD_EXITED || si.si_status == 126 || si.si_status == 127))
    {
      if (out->console_master >= 0)
        close (out->console_master);
      out->console_master = -1;
      waitpid (pid, NULL, 0);
      close (pidfd);
      const char *prog = c.argv[0];
      if (si.si_code != CLD_EXITED)
        g_set_error (error, MGR_ERROR, MGR_ERROR_FAILED, "init was killed by %s before or as it executed %s%s",
                     mgr_signal_name (si.si_status), prog,
                     si.si_status == SIGSYS ? " (the seccomp profile forbids execve or a call made just before it: "
                                              "see [seccomp] profile)" : "");
      else
        g_set_error (error, MGR_ERROR, MGR_ERROR_FAILED, "init exited with status %d before or as it executed %s, "
                     "without saying why", si.si_status, prog);
      return FALSE;
    }
  out->pid = pid;
  out->pidfd = pidfd;
  out->start_time = mgr_proc_start_time (pid);
  out->notify_fd = listener;
  return TRUE;

kill_child:
  if (out->console_master >= 0)
    close (out->console_master);
  out->console_master = -1;
  kill (pid, SIGKILL);
  waitpid (pid, NULL, 0);
  close (pidfd);
  return FALSE;
}
