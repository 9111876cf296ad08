#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "mgr-error.h"
#include "runtime.h"
#include "util.h"

static const char *const state_names[] = { "STOPPED", "STARTING", "RUNNING", "STOPPING", "FROZEN", "ABORTING" };

const char *
mgr_state_name (MgrState s)
{
  return state_names[s];
}

void
mgr_runtime_paths_init (MgrRuntimePaths *p, const char *runtime_root, const char *name)
{
  p->dir = g_build_filename (runtime_root, name, NULL);
  p->lock = g_build_filename (p->dir, "lock", NULL);
  p->socket = g_build_filename (p->dir, "monitor.sock", NULL);
  p->state = g_build_filename (p->dir, "state", NULL);
}

void
mgr_runtime_paths_clear (MgrRuntimePaths *p)
{
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
  if (g_mkdir_with_parents (parent, 0755) < 0 || (mkdir (p->dir, 0700) < 0 && errno != EEXIST))
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

void
mgr_runtime_status (const MgrRuntimePaths *p, MgrStatus *out)
{
  g_autofree char *text = NULL;
  *out = (MgrStatus){ .state = MGR_STATE_STOPPED, .exit_status = -1 };
  if (!g_file_get_contents (p->state, &text, NULL, NULL))
    return;
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
      else if (strcmp (k, "init_pid") == 0)
        out->init_pid = atoi (v);
      else if (strcmp (k, "init_start") == 0)
        out->init_start = g_ascii_strtoull (v, NULL, 10);
      else if (strcmp (k, "started") == 0)
        out->started = g_ascii_strtoll (v, NULL, 10);
      else if (strcmp (k, "exit_status") == 0)
        out->exit_status = atoi (v);
    }
  if (out->state == MGR_STATE_STOPPED || mgr_runtime_locked (p))
    return;
  /* Nothing holds the lock: the monitor is gone. Is init? */
  if (out->init_pid > 0 && mgr_proc_start_time (out->init_pid) == out->init_start && out->init_start)
    out->monitor_dead = true;
  else
    out->state = MGR_STATE_STOPPED;
}

gboolean
mgr_runtime_write_status (const MgrRuntimePaths *p, const MgrStatus *s, GError **error)
{
  g_autofree char *text = g_strdup_printf ("state=%s\nmonitor_pid=%d\ninit_pid=%d\ninit_start=%" G_GUINT64_FORMAT
                                           "\nstarted=%" G_GINT64_FORMAT "\nexit_status=%d\n",
                                           mgr_state_name (s->state), s->monitor_pid, s->init_pid, s->init_start,
                                           s->started, s->exit_status);
  return mgr_write_file_atomic (p->state, text, -1, 0644, error);
}
