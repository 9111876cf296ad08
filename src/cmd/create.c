/* mgr-create: make a container from a template. */
#include "config.h"

#include <errno.h>
#include <string.h>
#include <unistd.h>

#include "cmd/cmd.h"
#include "lib/create.h"
#include "lib/mgr-error.h"

int
mgr_cmd_create (int argc, char **argv)
{
  char *name = NULL, *path = NULL, *template = NULL, *config = NULL, *rootfs = NULL;
  char **targs = NULL;
  gboolean privileged = FALSE, shared_ids = FALSE, version = FALSE, in_place = FALSE;
  GOptionEntry entries[] = {
    MGR_COMMON_OPTIONS (&name, &path, &version),
    { "template", 't', 0, G_OPTION_ARG_STRING, &template, "the template: busybox, or a path", "TEMPLATE" },
    { "config", 'f', 0, G_OPTION_ARG_FILENAME, &config, "a config file merged into the new container's", "FILE" },
    { "privileged", 0, 0, G_OPTION_ARG_NONE, &privileged, "no user namespace: root inside is root on the host", NULL },
    { "shared-ids", 0, 0, G_OPTION_ARG_NONE, &shared_ids, "take the first id block of the ranges even if another container has it", NULL },
    { "rootfs", 0, 0, G_OPTION_ARG_FILENAME, &rootfs, "a rootfs folder one has: copied (as -t local -- --dir DIR does), its owners shifted into the container's ids", "DIR" },
    { "rootfs-in-place", 0, 0, G_OPTION_ARG_NONE, &in_place, "with --rootfs: use the folder itself, not a copy (its owners are shifted in place)", NULL },
    { G_OPTION_REMAINING, 0, 0, G_OPTION_ARG_STRING_ARRAY, &targs, NULL, NULL },
    { NULL },
  };
  int rc = mgr_command_options (&argc, &argv, entries, "[-- TEMPLATE-OPTIONS...]",
                               "Create a container from a template. It is built beside its final folder and moved\n"
                                     "there only when complete: a failure or Ctrl-C leaves nothing behind. Every\n"
                                     "container gets its own block of 65536 ids (root's unless --privileged; an ordinary user's\n"
                                     "from the user's ranges in /etc/subuid and /etc/subgid).\n"
                                     "mgr-create -t TEMPLATE -- --help shows the template's options.", &version, &name, FALSE);
  if (rc >= 0)
    return rc;
  if (in_place && !rootfs)
    {
      g_printerr ("%s: --rootfs-in-place needs --rootfs DIR\n", g_get_prgname ());
      return MGR_EXIT_USAGE;
    }
  if (rootfs && (template || targs))
    {
      g_printerr ("%s: --rootfs DIR makes the container from that folder: give no -t or template options\n",
                  g_get_prgname ());
      return MGR_EXIT_USAGE;
    }
  g_autofree char *rootfs_abs = rootfs ? g_canonicalize_filename (rootfs, NULL) : NULL;
  char *dir_args[] = { "--dir", rootfs_abs, NULL };
  if (rootfs && !in_place)
    template = "local", targs = g_strdupv (dir_args);
  else if (rootfs)
    template = "local";
  if (!template)
    {
      g_printerr ("%s: which template? such as -t busybox, or --rootfs DIR\n", g_get_prgname ());
      return MGR_EXIT_USAGE;
    }
  g_autoptr (GError) e = NULL;
  /* --help and --list are questions for the template: nothing is created. */
  if (targs && (g_strv_contains ((const char *const *) targs, "--help")
                || g_strv_contains ((const char *const *) targs, "--list")))
    {
      MgrContainerRef ref;
      g_autofree char *exe = mgr_template_path (template, &e);
      if (!exe || !mgr_container_ref (&ref, NULL, path, FALSE, &e))
        return mgr_report (e);
      g_auto (GStrv) envp = mgr_template_env (ref.paths, ref.settings);
      g_autoptr (GStrvBuilder) b = g_strv_builder_new ();
      g_strv_builder_add (b, exe);
      g_strv_builder_addv (b, (const char **) targs);
      g_auto (GStrv) argv2 = g_strv_builder_end (b);
      execve (exe, argv2, envp);
      g_printerr ("%s: %s: %s\n", g_get_prgname (), exe, g_strerror (errno));
      return MGR_EXIT_FAIL;
    }
  if (!name)
    {
      g_printerr ("%s: which name? give -n NAME\n", g_get_prgname ());
      return MGR_EXIT_USAGE;
    }
  MgrContainerRef ref;
  if (!mgr_container_ref (&ref, name, path, FALSE, &e))
    return mgr_container_ref_clear (&ref), mgr_report (e);
  g_autoptr (GPtrArray) notes = g_ptr_array_new_with_free_func (g_free);
  MgrCreateOptions o = { .name = name, .template = template, .config_file = config, .privileged = privileged, .shared_ids = shared_ids,
                         .template_args = targs, .paths = ref.paths, .settings = ref.settings, .notes = notes,
                         .rootfs_dir = in_place ? rootfs_abs : NULL };
  gboolean ok = mgr_create (&o, &e);
  for (guint i = 0; i < notes->len; i++)
    g_printerr ("%s: %s\n", g_get_prgname (), (char *) notes->pdata[i]);
  mgr_container_ref_clear (&ref);
  g_strfreev (targs);
  return ok ? MGR_EXIT_OK : mgr_report (e);
}
