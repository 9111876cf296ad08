/* mgr-attach: run a command (default: a shell) inside a running container. */
#include "config.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "cmd/cmd.h"
#include "lib/attach.h"
#include "lib/trace.h"

int
mgr_cmd_attach (int argc, char **argv)
{
  char *name = NULL, *path = NULL, *cwd = NULL;
  char **vars = NULL, **command = NULL;
  gboolean clear_env = FALSE, keep_env = FALSE, version = FALSE;
  int uid = -1, gid = -1;
  GOptionEntry entries[] = {
    MGR_COMMON_OPTIONS (&name, &path, &version),
    { "clear-env", 0, 0, G_OPTION_ARG_NONE, &clear_env, "start from a clean environment (the default)", NULL },
    { "keep-env", 0, 0, G_OPTION_ARG_NONE, &keep_env, "keep this shell's environment", NULL },
    { "set-var", 'v', 0, G_OPTION_ARG_STRING_ARRAY, &vars, "set a variable", "VAR=VALUE" },
    { "uid", 'u', 0, G_OPTION_ARG_INT, &uid, "run as this uid inside (default: [container] uid)", "UID" },
    { "gid", 'g', 0, G_OPTION_ARG_INT, &gid, "run as this gid inside (default: [container] gid)", "GID" },
    { "cwd", 0, 0, G_OPTION_ARG_FILENAME, &cwd, "working directory inside", "DIR" },
    { G_OPTION_REMAINING, 0, 0, G_OPTION_ARG_STRING_ARRAY, &command, NULL, NULL },
    { NULL },
  };
  int rc = mgr_command_options (&argc, &argv, entries, "[-- COMMAND [ARGS...]]",
                               "Run a command inside a running container, in all its namespaces, with its\n"
                                     "capabilities. Without a command: the user's shell. Exits with the command's status.", &version, &name, TRUE);
  if (rc >= 0)
    return rc;
  if (clear_env && keep_env)
    {
      g_printerr ("%s: --clear-env and --keep-env exclude each other\n", g_get_prgname ());
      return MGR_EXIT_USAGE;
    }
  for (char **v = vars; v && *v; v++)
    if (!strchr (*v, '=') || **v == '=')
      {
        g_printerr ("%s: -v %s: expected VAR=VALUE\n", g_get_prgname (), *v);
        return MGR_EXIT_USAGE;
      }
  if (cwd && cwd[0] != '/')
    {
      g_printerr ("%s: --cwd %s: give an absolute path inside the container\n", g_get_prgname (), cwd);
      return MGR_EXIT_USAGE;
    }

  mgr_trace ("attach: options parsed");
  g_autoptr (GError) e = NULL;
  MgrContainerRef ref;
  if (!mgr_container_ref (&ref, name, path, TRUE, &e))
    return mgr_container_ref_clear (&ref), mgr_report (e);
  g_autoptr (MgrPlan) plan = mgr_container_plan (&ref, NULL, &e);
  if (!plan)
    return mgr_container_ref_clear (&ref), mgr_report (e);
  mgr_trace ("attach: plan loaded");
  MgrRuntimePaths rt;
  mgr_container_runtime (&ref, &rt);
  MgrAttachOptions o = {
    .plan = plan, .rt = &rt, .argv = command, .keep_env = keep_env, .extra_env = vars,
    .uid_set = uid >= 0, .uid = uid, .gid_set = gid >= 0, .gid = gid, .cwd = cwd,
  };
  rc = mgr_attach (&o, &e);
  mgr_trace ("attach: done (%d)", rc);
  mgr_runtime_paths_clear (&rt);
  mgr_container_ref_clear (&ref);
  return rc < 0 ? mgr_report (e) : rc;
}
