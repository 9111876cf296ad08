/* mgr-start: start a container; mgr-execute: run one command as a container. */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <sys/wait.h>

#include "cmd/cmd.h"
#include "lib/client.h"
#include "lib/monitor.h"
#include "lib/spawn.h"
#include "lib/trace.h"

static int
run (int argc, char **argv, gboolean execute)
{
  char *name = NULL, *path = NULL;
  char **overrides = NULL, **command = NULL;
  gboolean foreground = FALSE, version = FALSE, wait_ready = FALSE;
  GOptionEntry entries[] = {
    MGR_COMMON_OPTIONS (&name, &path, &version),
    { "foreground", 'F', 0, G_OPTION_ARG_NONE, &foreground, "stay in front with the console on this terminal", NULL },
    { "define", 's', 0, G_OPTION_ARG_STRING_ARRAY, &overrides, "set a config key for this run only", "SECTION.KEY=VALUE" },
    { "wait-ready", 0, 0, G_OPTION_ARG_NONE, &wait_ready,
      "return once init reports READY=1 through $NOTIFY_SOCKET (systemd does when it has booted), at most 120 s", NULL },
    { G_OPTION_REMAINING, 0, 0, G_OPTION_ARG_STRING_ARRAY, &command, NULL, NULL },
    { NULL },
  };
  if (execute)
    entries[3].flags = G_OPTION_FLAG_HIDDEN;
  int rc = mgr_command_options (&argc, &argv, entries, execute ? "-- COMMAND [ARGS...]" : "[-- COMMAND [ARGS...]]",
                               execute ? "Run one command as a container: it is the first process under a "
                                               "minimal init, and its exit status is returned."
                                             : "Start a container. Without -F it returns once the container runs, "
                                               "or says precisely why it could not start. A command after -- "
                                               "replaces init for this run.", &version, &name, TRUE);
  if (rc >= 0)
    return rc;
  if (execute && (!command || !command[0]))
    {
      g_printerr ("%s: which command? mgr-execute -n NAME -- COMMAND [ARGS...]\n", g_get_prgname ());
      return MGR_EXIT_USAGE;
    }

  if (wait_ready && (foreground || execute))
    {
      g_printerr ("%s: --wait-ready is for a start in the background, not with %s\n", g_get_prgname (),
                  execute ? "mgr-execute" : "-F");
      return MGR_EXIT_USAGE;
    }
  g_autoptr (GError) e = NULL;
  MgrContainerRef ref;
  mgr_trace ("start: options parsed");
  if (!mgr_container_ref (&ref, name, path, TRUE, &e))
    return mgr_container_ref_clear (&ref), mgr_report (e);
  g_autoptr (MgrPlan) plan = mgr_container_plan (&ref, (const char *const *) overrides, &e);
  mgr_trace ("start: plan loaded");
  if (!plan || !mgr_spawn_check (plan, &e))
    return mgr_container_ref_clear (&ref), mgr_report (e);
  mgr_trace ("start: plan checked");
  g_autofree char *notice = mgr_spawn_user_notice (plan);
  if (notice)
    g_printerr ("%s: note: %s\n", g_get_prgname (), notice);
  MgrRuntimePaths rt;
  mgr_container_runtime (&ref, &rt);
  g_autofree char *last = mgr_runtime_last_failure (&rt, true);
  if (last)
    g_printerr ("%s: note: the last run of %s failed: %s\n", g_get_prgname (), name, last);
  /* What mgr-monitor-resume needs to load this plan again, should the
   * monitor's core hand back (monitor.c). A start with a command of its
   * own keeps the full monitor. */
  g_autoptr (GPtrArray) core = g_ptr_array_new_with_free_func (g_free);
  g_autofree char *folder = g_path_get_dirname (ref.dir);
  g_ptr_array_add (core, g_strdup_printf ("name=%s", ref.name));
  g_ptr_array_add (core, g_strdup_printf ("folder=%s", folder));
  for (char **o = overrides; o && *o; o++)
    g_ptr_array_add (core, g_strdup_printf ("set=%s", *o));
  g_ptr_array_add (core, NULL);
  MgrStartOptions so = { .foreground = foreground || execute, .execute = execute, .command = command,
                         .wait_ready = wait_ready && !foreground && !execute,
                         .core_args = command ? NULL : (char *const *) core->pdata };
  int r = mgr_start (plan, &rt, &so, &e);
  mgr_trace ("start: done (%d)", r);
  /* A failure mgr-start reports itself is not news to the next one. */
  if (r < 0)
    g_free (mgr_runtime_last_failure (&rt, true));
  mgr_runtime_paths_clear (&rt);
  mgr_container_ref_clear (&ref);
  g_strfreev (overrides);
  g_strfreev (command);
  if (r < 0)
    return mgr_report (e);
  if (!so.foreground)
    return MGR_EXIT_OK;
  return WIFEXITED (r) ? WEXITSTATUS (r) : 128 + WTERMSIG (r);
}

int
mgr_cmd_start (int argc, char **argv)
{
  return run (argc, argv, FALSE);
}

int
mgr_cmd_execute (int argc, char **argv)
{
  return run (argc, argv, TRUE);
}

/* mgr-monitor-resume KEY=VALUE...: not a command for users. The monitor of
 * a running container became mgr-init's small mgr-monitor (monitor.c), and
 * hands back to mgr for what it does not do itself: this is mgr again, in
 * the same process, carrying on as the monitor. */
int
mgr_cmd_monitor_resume (int argc, char **argv)
{
  const char *name = NULL, *folder = NULL;
  int lock = -1;
  g_autoptr (GPtrArray) overrides = g_ptr_array_new ();
  /* The same again, for a later turn as mgr-monitor (after a reboot). */
  g_autoptr (GPtrArray) core = g_ptr_array_new ();
  for (int i = 1; i < argc; i++)
    {
      if (g_str_has_prefix (argv[i], "name="))
        name = argv[i] + 5;
      else if (g_str_has_prefix (argv[i], "folder="))
        folder = argv[i] + 7;
      else if (g_str_has_prefix (argv[i], "set="))
        g_ptr_array_add (overrides, argv[i] + 4);
      else if (g_str_has_prefix (argv[i], "lock="))
        lock = atoi (argv[i] + 5);
      else
        continue;
      if (!g_str_has_prefix (argv[i], "lock="))
        g_ptr_array_add (core, argv[i]);
    }
  g_ptr_array_add (overrides, NULL);
  g_ptr_array_add (core, NULL);
  if (!name || !folder)
    {
      g_printerr ("%s: for mgr's own use (the monitor's hand-back)\n", g_get_prgname ());
      return MGR_EXIT_USAGE;
    }
  g_autoptr (GError) e = NULL, pe = NULL;
  MgrContainerRef ref = { 0 };
  MgrRuntimePaths rt = { 0 };
  g_autoptr (MgrPlan) plan = NULL;
  if (mgr_container_ref (&ref, name, folder, TRUE, &pe))
    {
      plan = mgr_container_plan (&ref, (const char *const *) overrides->pdata, &pe);
      mgr_container_runtime (&ref, &rt);
    }
  else
    {
      /* The folder is gone: the runtime folder is still known by the core. */
      for (int i = 1; i < argc; i++)
        if (g_str_has_prefix (argv[i], "rt="))
          {
            rt.dir = g_strdup (argv[i] + 3);
            rt.id = g_path_get_basename (rt.dir);
            rt.lock = g_build_filename (rt.dir, "lock", NULL);
            rt.socket = g_build_filename (rt.dir, "monitor.sock", NULL);
            rt.state = g_build_filename (rt.dir, "state", NULL);
          }
    }
  int r = -1;
  if (rt.dir)
    {
      MgrMonitorOptions mo = { .plan = plan, .rt = &rt, .status_fd = -1, .lock_fd = lock, .cgroup_ready_fd = -1,
                               .core_args = plan ? (char *const *) core->pdata : NULL };
      r = mgr_monitor_resume (&mo, argc, argv, pe ? pe->message : NULL, &e);
    }
  mgr_runtime_paths_clear (&rt);
  mgr_container_ref_clear (&ref);
  return r < 0 ? 1 : 0;
}
