#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "cgroup.h"
#include "mgr-error.h"
#include "runtime.h"
#include "util.h"

static const char *const state_names[] = { "STOPPED", "STARTING", "RUNNING", "STOPPING", "FROZEN", "ABORTING" };

const char *
mgr_state_name (MgrState s)
{
  return state_names[s];
}

char *
mgr_container_id (const char *container_dir)
{
  g_autofree char *canon = g_canonicalize_filename (container_dir, NULL);
  g_autofree char *parent = g_path_get_dirname (canon), *name = g_path_get_basename (canon);
  /* The folder of containers may be reached through symlinks (-P /srv/c
   * and -P /data/c the same folder): its real path decides. The container's
   * own folder is not resolved, so that a planted NAME symlink cannot take
   * another container's identity. */
  char *real = realpath (parent, NULL);
  g_autofree char *path = g_build_filename (real ? real : parent, name, NULL);
  free (real);
  g_autofree char *sum = g_compute_checksum_for_string (G_CHECKSUM_SHA256, path, -1);
  return g_strdup_printf ("%s-%.8s", name, sum);
}

void
mgr_runtime_paths_init (MgrRuntimePaths *p, const char *runtime_root, const char *container_dir)
{
  p->id = mgr_container_id (container_dir);
  p->dir = g_build_filename (runtime_root, p->id, NULL);
  p->lock = g_build_filename (p->dir, "lock", NULL);
  p->socket = g_build_filename (p->dir, "monitor.sock", NULL);
  p->state = g_build_filename (p->dir, "state", NULL);
}

void
mgr_runtime_paths_clear (MgrRuntimePaths *p)
{
  g_clear_pointer (&p->id, g_free);
  g_clear_pointer (&p->dir, g_free);
  g_clear_pointer (&p->lock, g_free);
  g_clear_pointer (&p->socket, g_free);
  g_clear_pointer (&p->state, g_free);
}

guint64
mgr_proc_start_time (pid_t pid)
{
  char path[64], buf[1024];
  snprintf (path, sizeof path, "/proc/%d/stat", pid);
  int fd = open (path, O_RDONLY | O_CLOEXEC);
  if (fd < 0)
    return 0;
  ssize_t n = read (fd, buf, sizeof buf - 1);
  close (fd);
  if (n <= 0)
    return 0;
  buf[n] = '\0';
  /* The command name may hold spaces and parentheses: count from the last ')'. */
  char *p = strrchr (buf, ')');
  if (!p)
    return 0;
  /* A zombie is dead: only its parent's wait keeps the entry. */
  if (p[1] == ' ' && (p[2] == 'Z' || p[2] == 'X'))
    return 0;
  int field = 2;
  for (p++; *p && field < 22; p++)
    if (*p == ' ')
      field++;
  return g_ascii_strtoull (p, NULL, 10);
}

int
mgr_pidfd_open_checked (pid_t pid, guint64 start_time)
{
  if (pid <= 0)
    return -1;
  int fd = syscall (SYS_pidfd_open, pid, 0);
  if (fd < 0)
    return -1;
  /* The pidfd pins the process: if its start time still matches now, it is
   * the process we recorded, not a reuse of its pid. */
  if (start_time && mgr_proc_start_time (pid) != start_time)
    {
      close (fd);
      errno = ESRCH;
      return -1;
    }
  return fd;
}

bool
mgr_runtime_locked (const MgrRuntimePaths *p)
{
  _cleanup_close_ int fd = open (p->lock, O_RDONLY | O_CLOEXEC);
  if (fd < 0)
    return false;
  struct flock l = { .l_type = F_WRLCK, .l_whence = SEEK_SET };
  if (fcntl (fd, F_OFD_GETLK, &l) < 0)
    return false;
  return l.l_type != F_UNLCK;
}

int
mgr_runtime_lock (const MgrRuntimePaths *p, GError **error)
{
  g_autofree char *parent = g_path_get_dirname (p->dir);
  if (g_mkdir_with_parents (parent, geteuid () ? 0700 : 0755) < 0 || (mkdir (p->dir, 0700) < 0 && errno != EEXIST))
    {
      int e = errno;
      g_set_error (error, MGR_ERROR, MGR_ERROR_IO, "creating the runtime folder %s: %s", p->dir, g_strerror (e));
      errno = e;
      return -1;
    }
  _cleanup_close_ int fd = open (p->lock, O_RDWR | O_CREAT | O_CLOEXEC | O_NOFOLLOW, 0600);
  if (fd < 0)
    {
      int e = errno;
      g_set_error (error, MGR_ERROR, MGR_ERROR_IO, "opening the lock %s: %s", p->lock, g_strerror (e));
      errno = e;
      return -1;
    }
  struct flock l = { .l_type = F_WRLCK, .l_whence = SEEK_SET };
  if (fcntl (fd, F_OFD_SETLK, &l) < 0)
    {
      int e = errno == EACCES ? EWOULDBLOCK : errno;
      g_set_error (error, MGR_ERROR, MGR_ERROR_FAILED, "locking %s: %s", p->lock, g_strerror (e));
      errno = e;
      return -1;
    }
  return mgr_steal_fd (&fd);
}

/* Whether pid is pid 1 of a pid namespace one level below ours: its
 * NSpid line reads "NSpid: PID 1". */
static bool
container_init (pid_t pid)
{
  char path[64];
  g_autofree char *text = NULL;
  snprintf (path, sizeof path, "/proc/%d/status", pid);
  if (!g_file_get_contents (path, &text, NULL, NULL))
    return false;
  const char *l = strstr (text, "\nNSpid:");
  if (!l)
    return false;
  int outer, inner;
  char end = 0;
  /* The character after the second pid tells a third level apart: a
   * process of a container nested inside. */
  return sscanf (l + 7, " %d %d%c", &outer, &inner, &end) == 3 && inner == 1 && end == '\n';
}

/* The state file as one version of it. A save writes into the file that
 * the one before it swapped out (mgr_runtime_write_status), which a reader
 * that opened it before that swap may still be reading: it reads again
 * until two reads agree. NULL if there is no state file. */
static char *
read_state (const char *path)
{
  _cleanup_close_ int fd = open (path, O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC);
  if (fd < 0)
    return NULL;
  char a[1024], b[sizeof a];
  ssize_t na = pread (fd, a, sizeof a - 1, 0), nb = -1;
  for (int i = 0; na >= 0 && i < 100; i++)
    {
      nb = pread (fd, b, sizeof b - 1, 0);
      if (nb == na && memcmp (a, b, na) == 0)
        break;
      memcpy (a, b, MAX (nb, 0));
      na = nb;
    }
  return na < 0 ? NULL : g_strndup (a, na);
}

static void
parse_status (const char *text, MgrStatus *out)
{
  *out = (MgrStatus){ .state = MGR_STATE_STOPPED, .exit_status = -1 };
  g_auto (GStrv) lines = g_strsplit (text, "\n", -1);
  for (char **l = lines; *l; l++)
    {
      char *eq = strchr (*l, '=');
      if (!eq)
        continue;
      *eq = '\0';
      const char *k = *l, *v = eq + 1;
      if (strcmp (k, "state") == 0)
        {
          for (size_t i = 0; i < G_N_ELEMENTS (state_names); i++)
            if (strcmp (v, state_names[i]) == 0)
              out->state = i;
        }
      else if (strcmp (k, "monitor_pid") == 0)
        out->monitor_pid = atoi (v);
      else if (strcmp (k, "monitor_start") == 0)
        out->monitor_start = g_ascii_strtoull (v, NULL, 10);
      else if (strcmp (k, "init_pid") == 0)
        out->init_pid = atoi (v);
      else if (strcmp (k, "init_start") == 0)
        out->init_start = g_ascii_strtoull (v, NULL, 10);
      else if (strcmp (k, "started") == 0)
        out->started = g_ascii_strtoll (v, NULL, 10);
      else if (strcmp (k, "exit_status") == 0)
        out->exit_status = atoi (v);
    }
}

void
mgr_runtime_status (const MgrRuntimePaths *p, MgrStatus *out)
{
  *out = (MgrStatus){ .state = MGR_STATE_STOPPED, .exit_status = -1 };
  /* The state is read before the monitor is looked at: a monitor that
   * wrote STOPPED and exited in between would look dead with the state it
   * had before. A monitor writes its last state before it exits, so the
   * verdict stands only if the file is unchanged after the look; a new
   * start that took the lock meanwhile changes it too. */
  for (int look = 0;; look++)
    {
      g_autofree char *text = NULL, *again = NULL;
      if (!(text = read_state (p->state)))
        return;
      parse_status (text, out);
      if (out->state == MGR_STATE_STOPPED)
        return;
      /* The lock alone does not prove the monitor lives: until it execs,
       * the container's init holds a copy of the monitor's fds, the lock's
       * among them (a start hook runs then). */
      if (mgr_runtime_locked (p)
          && (!out->monitor_start || mgr_proc_start_time (out->monitor_pid) == out->monitor_start))
        return;
      if (look >= 50 || !(again = read_state (p->state)) || strcmp (text, again) == 0)
        break;
    }
  out->monitor_dead = true;
  if (out->init_pid > 0 && out->init_start && mgr_proc_start_time (out->init_pid) == out->init_start)
    return;
  out->init_pid = 0;
  out->init_start = 0;
  g_autoptr (MgrCgroup) cg = mgr_cgroup_new (p->id, NULL);
  g_autoptr (GArray) pids = cg ? mgr_cgroup_pids (cg) : NULL;
  if (!pids || !pids->len)
    {
      out->state = MGR_STATE_STOPPED;
      out->monitor_dead = false;
      return;
    }
  for (guint i = 0; i < pids->len && !out->init_pid; i++)
    {
      pid_t pid = g_array_index (pids, pid_t, i);
      if (container_init (pid))
        {
          out->init_pid = pid;
          out->init_start = mgr_proc_start_time (pid);
        }
    }
}

gboolean
mgr_runtime_write_status (const MgrRuntimePaths *p, const MgrStatus *s, GError **error)
{
  g_autofree char *text = g_strdup_printf ("state=%s\nmonitor_pid=%d\nmonitor_start=%" G_GUINT64_FORMAT "\ninit_pid=%d\ninit_start=%" G_GUINT64_FORMAT
                                           "\nstarted=%" G_GINT64_FORMAT "\nexit_status=%d\n",
                                           mgr_state_name (s->state), s->monitor_pid, s->monitor_start, s->init_pid, s->init_start,
                                           s->started, s->exit_status);
  /* No fsync: runtime state (util.h); each save of a start paid one.
   * Nor a rename over the file: on ext4 that makes the kernel allocate and
   * write the new file's blocks at once (auto_da_alloc) and free the old
   * one's, which with the discard mount option waits for the device:
   * 0.25 ms per save where /run is not a tmpfs, and several ms once the
   * old file has reached the disk (three saves per mgr-execute). Instead
   * the new state goes into state.next, written in place, and the two
   * names are swapped (RENAME_EXCHANGE): as atomic for a reader as a
   * rename, with nothing allocated or freed (20-30 µs). Only the holder of
   * the runtime lock saves, so state.next has one writer. */
  g_autofree char *next = g_strconcat (p->state, ".next", NULL);
  size_t len = strlen (text);
  struct stat st;
  _cleanup_close_ int fd = open (next, O_WRONLY | O_CREAT | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC, 0644);
  if (fd >= 0 && fstat (fd, &st) == 0 && S_ISREG (st.st_mode) && st.st_nlink == 1
      && pwrite (fd, text, len, 0) == (ssize_t) len && ftruncate (fd, len) == 0)
    {
      if (renameat2 (AT_FDCWD, next, AT_FDCWD, p->state, RENAME_EXCHANGE) == 0)
        return TRUE;
      /* The first save: nothing to swap with, nothing replaced. */
      if (errno == ENOENT && rename (next, p->state) == 0)
        return TRUE;
    }
  /* A file system without RENAME_EXCHANGE, or a state.next that is not a
   * plain file of its own: the rename over the state. */
  unlink (next);
  return mgr_write_file_replace (p->state, text, 0644, error);
}

char *
mgr_runtime_last_failure (const MgrRuntimePaths *p, bool take)
{
  g_autofree char *path = g_build_filename (p->dir, "last-exit", NULL);
  char *text = NULL;
  if (!g_file_get_contents (path, &text, NULL, NULL))
    return NULL;
  if (take)
    unlink (path);
  return g_strchomp (text);
}
