/* mgr-stop: ask init to shut down with the container's stop signal, then
 * kill everything after the timeout; -k kills at once. */
#include "config.h"

#include <errno.h>
#include <poll.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

#include "cmd/cmd.h"
#include "lib/attach.h"
#include "lib/cgroup.h"
#include "lib/client.h"
#include "lib/initsig.h"
#include "lib/mgr-error.h"
#include "lib/util.h"

int
mgr_cmd_stop (int argc, char **argv)
{
  char *name = NULL, *path = NULL;
  gboolean kill_now = FALSE, version = FALSE;
  int timeout = -1;
  GOptionEntry entries[] = {
    MGR_COMMON_OPTIONS (&name, &path, &version),
    { "timeout", 't', 0, G_OPTION_ARG_INT, &timeout, "seconds to wait before killing (default: [container] stop.timeout)", "SECONDS" },
    { "kill", 'k', 0, G_OPTION_ARG_NONE, &kill_now, "kill every process of the container at once", NULL },
    { NULL },
  };
  int rc = mgr_command_options (&argc, &argv, entries, NULL,
                               "Stop a container: its stop signal, then SIGKILL after the timeout.\n"
                                     "Exits 2 when the container was not running.", &version, &name, TRUE);
  if (rc >= 0)
    return rc;

  g_autoptr (GError) e = NULL;
  MgrContainer c;
  if (!mgr_container_open (&c, name, path, TRUE, &e))
    return mgr_report (e);
  MgrContainerRef ref = c.ref;
  MgrRuntimePaths rt = c.rt;
  MgrStatus st = c.st;

  guint64 ms = 30000;
  int stop_signal = SIGPWR;
  /* -k needs neither the stop signal nor the timeout: the config is not
   * loaded (a user's passwd entry, two files, the key table). */
  g_autoptr (MgrPlan) plan = kill_now ? NULL : mgr_container_plan (&ref, NULL, &e);
  if (plan)
    ms = plan->container.stop_timeout.v, stop_signal = mgr_plan_stop_signal (plan, NULL, NULL);
  else if (!kill_now && timeout < 0)
    g_printerr ("%s: warning: the config does not load (%s); using SIGPWR and 30s\n", g_get_prgname (), e->message);
  g_clear_error (&e);
  if (timeout >= 0)
    ms = (guint64) timeout * 1000;
  if (kill_now)
    ms = 0;

  if (st.state == MGR_STATE_STOPPED)
    {
      g_printerr ("%s: %s is not running\n", g_get_prgname (), name);
      rc = MGR_EXIT_USAGE;
    }
  else
    {
      bool orphan;
      if (mgr_stop (&rt, name, stop_signal, ms, &orphan, &e))
        rc = MGR_EXIT_OK;
      else if (g_error_matches (e, MGR_ERROR, MGR_ERROR_NOT_RUNNING))
        {
          g_printerr ("%s: %s\n", g_get_prgname (), e->message);
          rc = MGR_EXIT_USAGE;
        }
      else
        rc = mgr_report (e);
      if (orphan && st.init_pid)
        g_printerr ("%s: the monitor of %s had died; its init (pid %d) was signalled directly and its cgroup emptied\n",
                    g_get_prgname (), name, st.init_pid);
      else if (orphan)
        g_printerr ("%s: the monitor of %s had died; the processes left in its cgroup were killed\n", g_get_prgname (),
                    name);
    }
  mgr_container_close (&c);
  return rc;
}
