/* mgr-net up|down|status: the managed bridge, its NAT and dnsmasq. */
#include "config.h"

#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "cmd/cmd.h"
#include "lib/mgr-error.h"
#include "lib/netmgr.h"

int
mgr_cmd_net (int argc, char **argv)
{
  char *format = NULL;
  gboolean version = FALSE;
  char *none = NULL;
  GOptionEntry entries[] = {
    { "format", 0, 0, G_OPTION_ARG_STRING, &format, "status as text or json", "text|json" },
    { "version", 0, 0, G_OPTION_ARG_NONE, &version, "print the version", NULL },
    { NULL },
  };
  int rc = mgr_command_options (&argc, &argv, entries, "up|down|status",
                                "Manage mgr's bridge (default_bridge in mgr.conf, mgrbr0): up makes it with its\n"
                                "addresses, NAT and port forwards in the nftables table inet mgr, and dnsmasq on\n"
                                "it alone (DHCP, DNS as NAME.mgr, IPv6 router advertisements); it is idempotent\n"
                                "and repairs what is missing. down removes all of it. status says what is there\n"
                                "(exit 1 when something is missing or dnsmasq died). The settings are net_* in\n"
                                "mgr.conf; MGR_NET_STATE moves the state folder (for tests).",
                                &version, &none, FALSE);
  if (rc >= 0)
    return rc;
  int json = mgr_format_json (format);
  if (json < 0)
    return MGR_EXIT_USAGE;
  if (argc != 2 || (strcmp (argv[1], "up") != 0 && strcmp (argv[1], "down") != 0 && strcmp (argv[1], "status") != 0))
    {
      g_printerr ("%s: expected up, down or status\nTry '%s --help'.\n", g_get_prgname (), g_get_prgname ());
      return MGR_EXIT_USAGE;
    }
  g_autoptr (GError) e = NULL;
  if (strcmp (argv[1], "status") == 0)
    {
      g_autofree char *out = NULL;
      gboolean ok = mgr_net_status (json, &out, &e);
      if (!out)
        return mgr_report (e);
      fputs (out, stdout);
      return ok ? MGR_EXIT_OK : MGR_EXIT_FAIL;
    }
  if (geteuid () != 0)
    {
      g_printerr ("%s: %s changes the host's network: run it as root\n", g_get_prgname (), argv[1]);
      return MGR_EXIT_FAIL;
    }
  if (strcmp (argv[1], "down") == 0)
    return mgr_net_down (&e) ? MGR_EXIT_OK : mgr_report (e);
  g_autoptr (MgrPaths) paths = mgr_paths_new ();
  g_autoptr (MgrSettings) s = mgr_settings_load (paths, &e);
  if (!s)
    return mgr_report (e);
  g_autoptr (MgrNetConfig) c = mgr_net_config_from_settings (s, &e);
  if (!c || !mgr_net_up (c, &e))
    return mgr_report (e);
  return MGR_EXIT_OK;
}
