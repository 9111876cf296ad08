/* Writing a child's id maps from the host. */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <sys/wait.h>
#include <string.h>
#include <unistd.h>

#include "mgr-error.h"
#include "spawn.h"
#include "util.h"

static char *
map_text (const struct mgr_idmap *m, const char *sep)
{
  GString *s = g_string_new (NULL);
  for (guint i = 0; i < m->n; i++)
    g_string_append_printf (s, "%s%u%s%u%s%u", i ? sep : "", m->r[i].inside, sep, m->r[i].outside, sep,
                            m->r[i].count);
  return g_string_free (s, FALSE);
}

static gboolean
write_map_direct (pid_t pid, const char *file, const struct mgr_idmap *m, GError **error)
{
  g_autofree char *path = g_strdup_printf ("/proc/%d/%s", pid, file);
  g_autofree char *text = map_text (m, " ");
  /* The kernel wants one write: "inside outside count\n" per range. */
  GString *buf = g_string_new (NULL);
  for (guint i = 0; i < m->n; i++)
    g_string_append_printf (buf, "%u %u %u\n", m->r[i].inside, m->r[i].outside, m->r[i].count);
  _cleanup_close_ int fd = open (path, O_WRONLY | O_CLOEXEC);
  ssize_t n = fd < 0 ? -1 : write (fd, buf->str, buf->len);
  int e = errno;
  g_string_free (buf, TRUE);
  if (n < 0)
    {
      g_set_error (error, MGR_ERROR, MGR_ERROR_FAILED, "writing %s (%s): %s", path, text, g_strerror (e));
      return FALSE;
    }
  return TRUE;
}

static gboolean
write_map_helper (pid_t pid, const char *helper, const struct mgr_idmap *m, GError **error)
{
  g_autoptr (GStrvBuilder) b = g_strv_builder_new ();
  g_autofree char *pidtext = g_strdup_printf ("%d", pid);
  g_autofree char *text = map_text (m, " ");
  g_auto (GStrv) words = g_strsplit (text, " ", -1);
  g_autofree char *err_out = NULL;
  int status;
  g_autoptr (GError) local = NULL;

  g_strv_builder_add (b, helper);
  g_strv_builder_add (b, pidtext);
  g_strv_builder_addv (b, (const char **) words);
  g_auto (GStrv) argv = g_strv_builder_end (b);
  if (!g_spawn_sync (NULL, argv, NULL, G_SPAWN_SEARCH_PATH | G_SPAWN_STDOUT_TO_DEV_NULL, NULL, NULL, NULL,
                     &err_out, &status, &local))
    {
      g_set_error (error, MGR_ERROR, MGR_ERROR_FAILED, "running %s: %s (install the uidmap package; mgr-checkconfig --user checks it)", helper,
                   local->message);
      return FALSE;
    }
  if (!g_spawn_check_wait_status (status, NULL))
    {
      g_set_error (error, MGR_ERROR, MGR_ERROR_PERMISSION, "%s %s %s failed: %s (mgr-checkconfig --user shows your "
                   "ranges and whether %s is setuid)", helper, pidtext, text, g_strstrip (err_out), helper);
      return FALSE;
    }
  return TRUE;
}

gboolean
mgr_idmap_write (pid_t pid, const MgrPlan *plan, GError **error)
{
  if (geteuid () == 0)
    return write_map_direct (pid, "uid_map", &plan->id_map.uid, error)
           && write_map_direct (pid, "gid_map", &plan->id_map.gid, error);
  return write_map_helper (pid, "newuidmap", &plan->id_map.uid, error)
         && write_map_helper (pid, "newgidmap", &plan->id_map.gid, error);
}

void
mgr_plan_root_ids (const MgrPlan *plan, uid_t *uid, gid_t *gid)
{
  guint32 u = geteuid (), g = getegid ();
  if (plan->user_namespace)
    {
      mgr_idmap_to_host (&plan->id_map.uid, 0, &u);
      mgr_idmap_to_host (&plan->id_map.gid, 0, &g);
    }
  *uid = u;
  *gid = g;
}

/* Runs fn(data) in a child that is root of a new user namespace with the
 * plan's maps (written with newuidmap/newgidmap for a user). An ordinary
 * user cannot chown to subordinate ids, but what root of such a namespace
 * creates belongs to them; fn's return value is the child's exit status. */
int
mgr_userns_spawn (const MgrPlan *plan, int (*fn) (void *), void *data, GError **error)
{
  int ready[2], go[2];
  if (pipe2 (ready, O_CLOEXEC) < 0)
    return g_set_error (error, MGR_ERROR, MGR_ERROR_FAILED, "pipe: %s", g_strerror (errno)), -1;
  if (pipe2 (go, O_CLOEXEC) < 0)
    {
      int e = errno;
      close (ready[0]), close (ready[1]);
      return g_set_error (error, MGR_ERROR, MGR_ERROR_FAILED, "pipe: %s", g_strerror (e)), -1;
    }
  pid_t pid = fork ();
  if (pid == 0)
    {
      char c = 0;
      close (ready[0]);
      close (go[1]);
      if (unshare (CLONE_NEWUSER) < 0)
        _exit (125);
      /* The parent writes our maps between these two steps. */
      if (write (ready[1], &c, 1) != 1 || read (go[0], &c, 1) != 1 || c != 'g')
        _exit (126);
      if (setresgid (0, 0, 0) < 0 || setresuid (0, 0, 0) < 0)
        _exit (126);
      _exit (fn (data));
    }
  int fork_errno = errno;
  close (ready[1]);
  close (go[0]);
  char c;
  gboolean ok = FALSE;
  if (pid < 0)
    g_set_error (error, MGR_ERROR, MGR_ERROR_FAILED, "fork: %s", g_strerror (fork_errno));
  else if (read (ready[0], &c, 1) != 1)
    g_set_error (error, MGR_ERROR, MGR_ERROR_FAILED,
                 "creating a user namespace failed (are user namespaces disabled? mgr-checkconfig --user says)");
  else
    ok = mgr_idmap_write (pid, plan, error);
  (void) !write (go[1], ok ? "g" : "x", 1);
  close (go[1]);
  close (ready[0]);
  int status = 0;
  while (pid > 0 && waitpid (pid, &status, 0) < 0 && errno == EINTR)
    ;
  return ok ? status : -1;
}

gboolean
mgr_userns_run (const MgrPlan *plan, int (*fn) (void *), void *data, GError **error)
{
  int status = mgr_userns_spawn (plan, fn, data, error);
  if (status < 0)
    return FALSE;
  if (!(WIFEXITED (status) && WEXITSTATUS (status) == 0))
    return g_set_error (error, MGR_ERROR, MGR_ERROR_FAILED,
                        "the step run as root of the container's user namespace failed (%s %d)",
                        WIFEXITED (status) ? "exit status" : "signal",
                        WIFEXITED (status) ? WEXITSTATUS (status) : WTERMSIG (status)),
           FALSE;
  return TRUE;
}
