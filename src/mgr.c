/* One binary, many verbs: installed as mgr-VERB links; `mgr VERB` works too. */
#include "config.h"

#include <locale.h>
#include <stdio.h>
#include <string.h>

#include "cmd/cmd.h"
#include "lib/trace.h"

const MgrCommand mgr_commands[] = {
  { "attach", mgr_cmd_attach, "run a command inside a running container" },
  { "autostart", mgr_cmd_autostart, "start (or --stop) the containers marked autostart" },
  { "checkconfig", mgr_cmd_checkconfig, "what this kernel, host and user support, and how to fix what is missing" },
  { "config", mgr_cmd_config, "read, change and check a container's config" },
  { "console", mgr_cmd_console, "attach to a container's console" },
  { "create", mgr_cmd_create, "create a container from a template" },
  { "destroy", mgr_cmd_destroy, "remove a container" },
  { "execute", mgr_cmd_execute, "run one command as a container" },
  { "freeze", mgr_cmd_freeze, "freeze every process of a container" },
  { "info", mgr_cmd_info, "show a container's state" },
  { "ls", mgr_cmd_ls, "list containers" },
  { "net", mgr_cmd_net, "manage mgr's bridge, NAT, port forwards and dnsmasq (up|down|status)" },
  { "monitor-resume", mgr_cmd_monitor_resume, NULL },
  { "start", mgr_cmd_start, "start a container" },
  { "stop", mgr_cmd_stop, "stop a container" },
  { "unfreeze", mgr_cmd_unfreeze, "resume a frozen container" },
  { "usernsexec", mgr_cmd_usernsexec, "run a command as root of a new user namespace with id maps" },
  /* Internal, for the download template: no summary, not listed. */
  { "image-meta", mgr_cmd_image_meta, NULL },
  { NULL, NULL, NULL },
};

static int
usage (int code)
{
  FILE *f = code ? stderr : stdout;
  fprintf (f, "Usage: mgr VERB [OPTIONS...]   (or mgr-VERB [OPTIONS...])\n\nVerbs:\n");
  for (const MgrCommand *c = mgr_commands; c->name; c++)
    if (c->summary)
      fprintf (f, "  %-12s %s\n", c->name, c->summary);
  fprintf (f, "\nmgr VERB --help tells more.\n");
  return code;
}

int
main (int argc, char **argv)
{
  mgr_trace ("%s: main", argv[0]);
  /* The user's character set, and the language of the system's error
   * messages (strerror); numbers, dates and the rest stay C, so that what
   * scripts read (figures, JSON) has one form in every locale. Not LC_ALL:
   * loading every category of C.UTF-8 was a third of mgr's start-up system
   * calls, paid by each command (twice by mgr-attach). */
  setlocale (LC_CTYPE, "");
  setlocale (LC_MESSAGES, "");
  g_autofree char *base = g_path_get_basename (argv[0]);
  const char *verb = NULL;

  if (g_str_has_prefix (base, "mgr-"))
    verb = base + 4;
  else if (argc > 1 && argv[1][0] != '-')
    {
      verb = argv[1];
      argv++, argc--;
    }
  else if (argc > 1 && strcmp (argv[1], "--version") == 0)
    return mgr_print_version ();
  else if (argc > 1 && strcmp (argv[1], "--help-man") == 0)
    {
      mgr_print_main_manpage ();
      return 0;
    }
  else
    return usage (argc > 1 && strcmp (argv[1], "--help") == 0 ? 0 : 2);

  for (const MgrCommand *c = mgr_commands; c->name; c++)
    if (strcmp (c->name, verb) == 0)
      {
        g_autofree char *prg = g_strconcat ("mgr-", verb, NULL);
        g_set_prgname (prg);
        return c->main (argc, argv);
      }
  fprintf (stderr, "mgr: unknown verb '%s'\n", verb);
  return usage (2);
}
