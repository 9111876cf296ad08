/* mgr-freeze and mgr-unfreeze: stop and resume every process of a container. */
#include "config.h"

#include "cmd/cmd.h"
#include "lib/cgroup.h"
#include "lib/mgr-error.h"

static int
run (int argc, char **argv, bool frozen)
{
  char *name = NULL, *path = NULL;
  gboolean version = FALSE;
  GOptionEntry entries[] = { MGR_COMMON_OPTIONS (&name, &path, &version), { NULL } };
  int rc = mgr_command_options (&argc, &argv, entries, NULL,
                               frozen ? "Freeze every process of a running container (state FROZEN)."
                                            : "Resume a frozen container.", &version, &name, TRUE);
  if (rc >= 0)
    return rc;
  g_autoptr (GError) e = NULL;
  MgrContainer c;
  if (!mgr_container_open (&c, name, path, TRUE, &e))
    return mgr_report (e);
  MgrState state = c.st.state;
  g_autoptr (MgrCgroup) cg = state == MGR_STATE_STOPPED ? NULL : mgr_cgroup_new (c.rt.id, &e);
  mgr_container_close (&c);
  if (state == MGR_STATE_STOPPED)
    {
      g_printerr ("%s: %s is not running\n", g_get_prgname (), name);
      return MGR_EXIT_FAIL;
    }
  if (!cg || !mgr_cgroup_freeze (cg, frozen, &e))
    return mgr_report (e);
  return MGR_EXIT_OK;
}

int
mgr_cmd_freeze (int argc, char **argv)
{
  return run (argc, argv, true);
}

int
mgr_cmd_unfreeze (int argc, char **argv)
{
  return run (argc, argv, false);
}
