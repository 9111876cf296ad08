/* mgr-destroy: remove a container: its folder (config, rootfs) and runtime state. */
#include "config.h"

#include <errno.h>
#include <string.h>
#include <poll.h>
#include <signal.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "cmd/cmd.h"
#include "lib/cgroup.h"
#include "lib/client.h"
#include "lib/idblock.h"
#include "lib/spawn.h"
#include "lib/mgr-error.h"
#include "lib/util.h"

int
mgr_cmd_destroy (int argc, char **argv)
{
  char *name = NULL, *path = NULL;
  gboolean force = FALSE, version = FALSE, cache = FALSE;
  GOptionEntry entries[] = {
    MGR_COMMON_OPTIONS (&name, &path, &version),
    { "force", 'f', 0, G_OPTION_ARG_NONE, &force, "kill the container first if it runs", NULL },
    { "cache", 0, 0, G_OPTION_ARG_NONE, &cache, "also remove the cached image it was made from, unless another container uses it", NULL },
    { NULL },
  };
  int rc = mgr_command_options (&argc, &argv, entries, NULL,
                               "Remove a container: its config, its rootfs and its runtime state.\n"
                                     "Symlinks inside are removed, never followed.", &version, &name, TRUE);
  if (rc >= 0)
    return rc;
  g_autoptr (GError) e = NULL;
  MgrContainer c;
  if (!mgr_container_open (&c, name, path, FALSE, &e))
    return mgr_report (e);
  MgrContainerRef ref = c.ref;
  MgrRuntimePaths rt = c.rt;
  MgrStatus s = c.st;
  struct stat st;
  if (lstat (ref.dir, &st) < 0 || !S_ISDIR (st.st_mode))
    {
      g_printerr ("%s: no container '%s' in %s%s\n", g_get_prgname (), name, ref.paths->containers,
                  S_ISLNK (st.st_mode) ? " (that name is a symlink: mgr does not destroy through it)" : "");
      mgr_container_close (&c);
      return MGR_EXIT_FAIL;
    }
  _cleanup_close_ int lock = -1;
  g_autofree char *image_file = NULL, *image = NULL;
  if (s.state != MGR_STATE_STOPPED)
    {
      if (!force)
        {
          g_autofree char *state = g_ascii_strdown (mgr_state_name (s.state), -1);
          g_printerr ("%s: %s is %s; stop it first (mgr-stop -n %s), or use -f to kill it\n", g_get_prgname (), name,
                      state, name);
          rc = MGR_EXIT_FAIL;
          goto out;
        }
      if (!mgr_stop (&rt, name, 0, 0, NULL, &e) && !g_error_matches (e, MGR_ERROR, MGR_ERROR_NOT_RUNNING))
        {
          rc = mgr_report (e);
          goto out;
        }
      g_clear_error (&e);
    }
  /* Taking the lock keeps a concurrent mgr-start out while the files go. */
  lock = mgr_runtime_lock (&rt, &e);
  if (lock < 0)
    {
      g_printerr ("%s: %s is starting or still stopping; try again\n", g_get_prgname (), name);
      rc = MGR_EXIT_FAIL;
      goto out;
    }
  image_file = g_build_filename (ref.dir, "image", NULL);
  if (cache && g_file_get_contents (image_file, &image, NULL, NULL))
    g_strstrip (image);
  if (!(ref.paths->user ? mgr_rm_tree_mapped (ref.dir, &e) : mgr_rm_tree (ref.dir, &e)))
    {
      rc = mgr_report (e);
      goto out;
    }
  if (cache && !image)
    g_printerr ("%s: %s was not made from a cached image; nothing else to remove\n", g_get_prgname (), name);
  else if (cache && !g_str_has_prefix (image, ref.paths->cache))
    g_printerr ("%s: %s is not in the image cache %s; left alone\n", g_get_prgname (), image, ref.paths->cache);
  else if (cache)
    {
      /* Another container made from the same image keeps it. */
      g_autoptr (GDir) dir = g_dir_open (ref.paths->containers, 0, NULL);
      const char *other = NULL;
      for (const char *n; dir && !other && (n = g_dir_read_name (dir));)
        {
          g_autofree char *f = g_build_filename (ref.paths->containers, n, "image", NULL), *v = NULL;
          if (g_file_get_contents (f, &v, NULL, NULL) && strcmp (g_strstrip (v), image) == 0)
            other = n;
        }
      if (other)
        g_printerr ("%s: the cached image %s stays: container %s was made from it too\n", g_get_prgname (), image, other);
      else if (!mgr_rm_tree (image, &e))
        rc = mgr_report (e);
    }
  mgr_rm_tree (rt.dir, NULL);
  rc = MGR_EXIT_OK;
out:
  mgr_container_close (&c);
  return rc;
}
