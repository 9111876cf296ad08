/* mgr-autostart: start (or stop) every container whose config says
 * autostart = true, in name order, waiting autostart.delay after each. Run at
 * boot by config/mgr-autostart.service. */
#include "config.h"

#include <string.h>
#include <unistd.h>

#include "cmd/cmd.h"
#include "lib/client.h"
#include "lib/initsig.h"
#include "lib/mgr-error.h"
#include "lib/spawn.h"

int
mgr_cmd_autostart (int argc, char **argv)
{
  char *unused = NULL, *path = NULL;
  gboolean version = FALSE, stop = FALSE, list = FALSE, all = FALSE;
  GOptionEntry entries[] = {
    MGR_COMMON_OPTIONS (&unused, &path, &version),
    { "stop", 's', 0, G_OPTION_ARG_NONE, &stop, "stop them instead (each with its stop signal and timeout)", NULL },
    { "list", 'L', 0, G_OPTION_ARG_NONE, &list, "only list them, with their delay", NULL },
    { "all", 'a', 0, G_OPTION_ARG_NONE, &all, "every container, autostart or not", NULL },
    { NULL },
  };
  entries[0].flags = G_OPTION_FLAG_HIDDEN;
  int rc = mgr_command_options (&argc, &argv, entries, NULL,
                               "Start every container with [container] autostart = true, in name order,\n"
                                     "waiting its autostart.delay after each; --stop stops them.", &version, &unused, FALSE);
  if (rc >= 0)
    return rc;
  g_autoptr (GError) e = NULL;
  MgrContainerRef base;
  if (!mgr_container_ref (&base, NULL, path, FALSE, &e))
    return mgr_container_ref_clear (&base), mgr_report (e);
  g_autoptr (GPtrArray) names = mgr_container_names (base.paths->containers);
  int failed = 0;
  for (guint i = 0; i < names->len; i++)
    {
      const char *name = names->pdata[i];
      MgrContainer c;
      g_autoptr (GError) ce = NULL;
      if (!mgr_container_open (&c, name, base.paths->containers, TRUE, &ce))
        continue;
      g_autoptr (MgrPlan) plan = mgr_container_plan (&c.ref, NULL, &ce);
      if (!plan)
        {
          g_printerr ("%s: %s: its config is invalid, so it is not known whether to autostart it:\n", g_get_prgname (), name);
          mgr_report (ce);
          failed++;
        }
      else if (!plan->container.autostart && !all)
        ;
      else if (list)
        g_print ("%s %s delay %" G_GUINT64_FORMAT "ms%s\n", name, mgr_state_name (c.st.state),
                 plan->container.autostart_delay.v, plan->container.autostart ? "" : " (not autostart)");
      else if (stop && c.st.state != MGR_STATE_STOPPED)
        {
          if (!mgr_stop (&c.rt, name, mgr_plan_stop_signal (plan, NULL, NULL), plan->container.stop_timeout.v, NULL, &ce)
              && !g_error_matches (ce, MGR_ERROR, MGR_ERROR_NOT_RUNNING))
            failed++, mgr_report (ce);
          else
            g_print ("%s: stopped\n", name);
        }
      else if (!stop && c.st.state == MGR_STATE_STOPPED)
        {
          MgrStartOptions so = { 0 };
          if (!mgr_spawn_check (plan, &ce) || mgr_start (plan, &c.rt, &so, &ce) < 0)
            {
              g_printerr ("%s: %s: ", g_get_prgname (), name);
              mgr_report (ce);
              failed++;
            }
          else
            {
              g_print ("%s: started\n", name);
              if (plan->container.autostart_delay.v)
                g_usleep (plan->container.autostart_delay.v * 1000);
            }
        }
      mgr_container_close (&c);
    }
  mgr_container_ref_clear (&base);
  return failed ? MGR_EXIT_FAIL : MGR_EXIT_OK;
}
