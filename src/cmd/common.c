#include "config.h"

#include <errno.h>
#include <libconfig.h>
#include <netlink/version.h>
#include <pwd.h>
#include <seccomp.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cmd/cmd.h"
#include "lib/mgr-error.h"

int
mgr_print_version (void)
{
  const struct scmp_version *sv = seccomp_version ();
  g_print ("mgr %s\n", PACKAGE_VERSION);
  g_print ("features: seccomp (libseccomp %u.%u.%u), netlink (libnl %s), capabilities (libcap), "
           "cgroups (v1, v2, hybrid), settings (libconfig %d.%d), GLib %u.%u\n",
           sv->major, sv->minor, sv->micro, LIBNL_STRING, LIBCONFIG_VER_MAJOR, LIBCONFIG_VER_MINOR,
           glib_major_version, glib_minor_version);
  return MGR_EXIT_OK;
}

int
mgr_report (GError *error)
{
  g_auto (GStrv) lines = g_strsplit (error->message, "\n", -1);
  for (char **l = lines; *l; l++)
    g_printerr ("%s: %s\n", g_get_prgname (), *l);
  return error->domain == MGR_ERROR && error->code == MGR_ERROR_USAGE ? MGR_EXIT_USAGE : MGR_EXIT_FAIL;
}

gboolean
mgr_parse_options (GOptionContext *ctx, int *argc, char ***argv, int *exit_code)
{
  g_autoptr (GError) e = NULL;
  /* Hidden: the build writes each verb's manual page from its options. */
  for (int i = 1; i < *argc; i++)
    if (strcmp ((*argv)[i], "--help-man") == 0)
      {
        mgr_print_manpage (ctx);
        *exit_code = MGR_EXIT_OK;
        return FALSE;
      }
    else if (strcmp ((*argv)[i], "--") == 0)
      break;
  g_option_context_set_strict_posix (ctx, FALSE);
  if (g_option_context_parse (ctx, argc, argv, &e))
    return TRUE;
  g_printerr ("%s: %s\nTry '%s --help'.\n", g_get_prgname (), e->message, g_get_prgname ());
  *exit_code = MGR_EXIT_USAGE;
  return FALSE;
}

/* An ordinary user acts on its own containers only: one found (with -P)
 * in another user's folder is refused by name, before anything is read
 * from it or sent to its monitor. */
static gboolean
mgr_container_owned (const char *dir, const char *name, GError **error)
{
  g_autofree char *at = g_strdup (dir);
  struct stat st;
  if (lstat (at, &st) < 0)
    {
      if (errno != EACCES)
        return TRUE; /* not there: the command says so itself */
      /* The owner of the first folder we may not enter is the one to ask. */
      do
        {
          char *up = g_path_get_dirname (at);
          g_free (at);
          at = up;
        }
      while (lstat (at, &st) < 0 && strcmp (at, "/") != 0);
    }
  if (st.st_uid == geteuid ())
    return TRUE;
  struct passwd *pw = getpwuid (st.st_uid);
  g_autofree char *who = pw ? g_strdup_printf ("%s (uid %u)", pw->pw_name, st.st_uid) : g_strdup_printf ("uid %u", st.st_uid);
  g_set_error (error, MGR_ERROR, MGR_ERROR_PERMISSION,
               "container '%s' (%s): permission denied: %s belongs to %s, and an ordinary user may only use "
               "containers of their own; ask %s or root", name, dir, at, who, pw ? pw->pw_name : "its owner");
  return FALSE;
}

gboolean
mgr_container_ref (MgrContainerRef *ref, const char *name, const char *lxcpath, gboolean must_exist,
                   GError **error)
{
  *ref = (MgrContainerRef){ 0 };
  ref->paths = mgr_paths_new ();
  ref->settings = mgr_settings_load (ref->paths, error);
  if (!ref->settings)
    return FALSE;
  if (lxcpath)
    {
      g_free (ref->paths->containers);
      ref->paths->containers = g_canonicalize_filename (lxcpath, NULL);
    }
  if (!name)
    return TRUE;
  if (!mgr_name_check (name, error))
    return FALSE;
  ref->name = g_strdup (name);
  ref->dir = g_build_filename (ref->paths->containers, name, NULL);
  ref->config = g_build_filename (ref->dir, "config", NULL);
  if (ref->paths->user && !mgr_container_owned (ref->dir, name, error))
    return FALSE;
  if (must_exist && !g_file_test (ref->config, G_FILE_TEST_IS_REGULAR))
    {
      g_set_error (error, MGR_ERROR, MGR_ERROR_NOT_FOUND,
                   "no container '%s' in %s (no file %s); mgr-ls lists the containers there, -P names another folder",
                   name, ref->paths->containers, ref->config);
      return FALSE;
    }
  return TRUE;
}

void
mgr_container_ref_clear (MgrContainerRef *ref)
{
  g_clear_pointer (&ref->paths, mgr_paths_free);
  g_clear_pointer (&ref->settings, mgr_settings_free);
  g_clear_pointer (&ref->name, g_free);
  g_clear_pointer (&ref->dir, g_free);
  g_clear_pointer (&ref->config, g_free);
}

void
mgr_container_load_options (const MgrContainerRef *ref, MgrLoadOptions *o, const char *const *overrides)
{
  mgr_load_options_init (o, ref->name, ref->paths->default_conf, ref->paths->subuid, ref->paths->subgid);
  o->overrides = overrides;
}

MgrPlan *
mgr_container_plan (const MgrContainerRef *ref, const char *const *overrides, GError **error)
{
  MgrLoadOptions o;
  mgr_container_load_options (ref, &o, overrides);
  return mgr_plan_load (ref->config, &o, error);
}

void
mgr_container_runtime (const MgrContainerRef *ref, MgrRuntimePaths *rt)
{
  mgr_runtime_paths_init (rt, ref->paths->runtime, ref->dir);
}


gboolean
mgr_container_open (MgrContainer *c, const char *name, const char *lxcpath, gboolean must_exist, GError **error)
{
  *c = (MgrContainer){ 0 };
  if (!mgr_container_ref (&c->ref, name, lxcpath, must_exist, error))
    {
      mgr_container_ref_clear (&c->ref);
      return FALSE;
    }
  mgr_container_runtime (&c->ref, &c->rt);
  mgr_runtime_status (&c->rt, &c->st);
  return TRUE;
}

void
mgr_container_close (MgrContainer *c)
{
  mgr_runtime_paths_clear (&c->rt);
  mgr_container_ref_clear (&c->ref);
}

int
mgr_command_options (int *argc, char ***argv, const GOptionEntry *entries, const char *params, const char *summary,
                     const gboolean *version, char *const *name, gboolean need_name)
{
  g_autoptr (GOptionContext) ctx = g_option_context_new (params);
  int rc = MGR_EXIT_OK;
  g_option_context_set_summary (ctx, summary);
  g_option_context_add_main_entries (ctx, entries, NULL);
  if (!mgr_parse_options (ctx, argc, argv, &rc))
    return rc;
  if (*version)
    return mgr_print_version ();
  if (need_name && !*name)
    {
      g_printerr ("%s: which container? give -n NAME\nTry '%s --help'.\n", g_get_prgname (), g_get_prgname ());
      return MGR_EXIT_USAGE;
    }
  return -1;
}

int
mgr_format_json (const char *format)
{
  if (!format || strcmp (format, "text") == 0)
    return FALSE;
  if (strcmp (format, "json") == 0)
    return TRUE;
  g_printerr ("%s: --format %s: expected text or json\n", g_get_prgname (), format);
  return -1;
}

static int
compare_names (gconstpointer a, gconstpointer b)
{
  return strcmp (*(char *const *) a, *(char *const *) b);
}

GPtrArray *
mgr_container_names (const char *containers)
{
  GPtrArray *names = g_ptr_array_new_with_free_func (g_free);
  g_autoptr (GDir) d = g_dir_open (containers, 0, NULL);
  for (const char *n; d && (n = g_dir_read_name (d));)
    {
      g_autofree char *cfg = g_build_filename (containers, n, "config", NULL);
      if (n[0] != '.' && g_file_test (cfg, G_FILE_TEST_IS_REGULAR))
        g_ptr_array_add (names, g_strdup (n));
    }
  g_ptr_array_sort (names, compare_names);
  return names;
}
