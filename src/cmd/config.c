/* mgr-config: get, set, unset, list, help, show, validate, edit. */
#include "config.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/wait.h>

#include "cmd/cmd.h"
#include "lib/cgroup.h"
#include "lib/lxcimport.h"
#include "lib/mgr-error.h"
#include "lib/util.h"

static char *opt_name, *opt_path, *opt_file, *opt_format = "text";
static gboolean opt_plan, opt_version, opt_live;

static GOptionEntry entries[] = {
  { "name", 'n', 0, G_OPTION_ARG_STRING, &opt_name, "the container", "NAME" },
  { "lxcpath", 'P', 0, G_OPTION_ARG_FILENAME, &opt_path, "the folder of containers", "PATH" },
  { "file", 'f', 0, G_OPTION_ARG_FILENAME, &opt_file, "a config file, instead of -n", "FILE" },
  { "plan", 0, 0, G_OPTION_ARG_NONE, &opt_plan, "show: the resolved plan, not the file", NULL },
  { "format", 0, 0, G_OPTION_ARG_STRING, &opt_format, "show --plan: text or json", "FORMAT" },
  { "live", 0, 0, G_OPTION_ARG_NONE, &opt_live, "set/unset of a [cgroup] key: change the running container too", NULL },
  { "version", 0, 0, G_OPTION_ARG_NONE, &opt_version, "print the version", NULL },
  { NULL },
};

typedef struct {
  MgrContainerRef ref;
  char *path; /* the config file */
  char *text;
  MgrLoadOptions load;
} Target;

static void
target_clear (Target *t)
{
  mgr_container_ref_clear (&t->ref);
  g_free (t->path);
  g_free (t->text);
}

static gboolean
target_open (Target *t, GError **error)
{
  *t = (Target){ 0 };
  if (opt_file && opt_name)
    {
      g_set_error (error, MGR_ERROR, MGR_ERROR_USAGE, "-n and --file exclude each other; give one");
      return FALSE;
    }
  if (!opt_file && !opt_name)
    {
      g_set_error (error, MGR_ERROR, MGR_ERROR_USAGE, "which container? give -n NAME or --file FILE");
      return FALSE;
    }
  if (!mgr_container_ref (&t->ref, opt_name, opt_path, TRUE, error))
    return FALSE;
  t->path = g_strdup (opt_file ? opt_file : t->ref.config);
  if (!g_file_get_contents (t->path, &t->text, NULL, error))
    return FALSE;
  mgr_container_load_options (&t->ref, &t->load, NULL);
  return TRUE;
}

static MgrPlan *
target_plan (Target *t, const char *text, GError **error)
{
  return mgr_plan_load_data (text, -1, t->path, &t->load, error);
}

static void
print_key_help (const struct mgr_key *k, const char *name)
{
  const char *sec = mgr_sections[k->section].name;
  g_autofree char *full = name ? g_strdup_printf ("%s.%s.%s", sec, name, k->key)
                               : g_strdup_printf ("%s.%s", sec, k->key);
  g_print ("%s\n  [%s%s%s] %s\n  %s.\n  type: %s: %s\n", full, sec,
           mgr_sections[k->section].named ? " " : "", mgr_sections[k->section].named ? (name ? name : "NAME") : "",
           k->key, k->help, k->type->name, k->type->accepted);
  if (k->choices)
    {
      g_autofree char *c = g_strjoinv (", ", (char **) k->choices);
      g_print ("  one of: %s\n", c);
    }
  if (k->max && k->type->parse != NULL && strcmp (k->type->name, "integer") == 0)
    g_print ("  range: %" G_GUINT64_FORMAT "..%" G_GUINT64_FORMAT "\n", k->min, k->max);
  g_print ("  default: %s\n  example: %s\n  from an image: %s\n", k->def ? k->def : "(unset)", k->example,
           mgr_key_image_text (k));
}

static int
cmd_list (char **args)
{
  MgrSection only = MGR_SEC_COUNT;
  if (args[0])
    {
      for (int s = 0; s < MGR_SEC_COUNT; s++)
        if (strcmp (mgr_sections[s].name, args[0]) == 0)
          only = s;
      if (only == MGR_SEC_COUNT)
        {
          g_printerr ("%s: list: no section '%s'\n", g_get_prgname (), args[0]);
          return MGR_EXIT_USAGE;
        }
    }
  for (size_t i = 0; i < mgr_n_keys; i++)
    {
      const struct mgr_key *k = &mgr_keys[i];
      if (only != MGR_SEC_COUNT && k->section != only)
        continue;
      const char *sec = mgr_sections[k->section].name;
      g_autofree char *full = mgr_sections[k->section].named ? g_strdup_printf ("%s.NAME.%s", sec, k->key)
                                                             : g_strdup_printf ("%s.%s", sec, k->key);
      g_print ("%-28s %-16s %-12s %s\n", full, k->type->name, k->def ? (strlen (k->def) > 12 ? "(see help)" : k->def) : "-",
               k->help);
    }
  return MGR_EXIT_OK;
}

static int
cmd_help (char **args)
{
  if (!args[0])
    {
      g_printerr ("%s: help: which key? such as: mgr-config help cgroup.memory.max\n", g_get_prgname ());
      return MGR_EXIT_USAGE;
    }
  MgrKeyPath kp;
  g_autoptr (GError) e = NULL;
  if (!mgr_key_path_parse (args[0], &kp, &e))
    return mgr_report (e);
  if (!kp.key)
    {
      for (size_t i = 0; i < mgr_n_keys; i++)
        if (mgr_keys[i].section == kp.section)
          print_key_help (&mgr_keys[i], kp.name);
    }
  else
    print_key_help (kp.key, kp.name);
  mgr_key_path_clear (&kp);
  return MGR_EXIT_OK;
}

static int
cmd_get (Target *t, char **args)
{
  g_autoptr (GError) e = NULL;
  MgrKeyPath kp;
  if (!args[0] || args[1])
    {
      g_printerr ("%s: get takes one key, such as: get cgroup.memory.max\n", g_get_prgname ());
      return MGR_EXIT_USAGE;
    }
  if (!mgr_key_path_parse (args[0], &kp, &e))
    return mgr_report (e);
  g_autoptr (MgrPlan) plan = target_plan (t, t->text, &e);
  if (!plan)
    return mgr_key_path_clear (&kp), mgr_report (e);
  void *section = mgr_plan_section (plan, kp.section);
  for (guint i = 0; !section && kp.section == MGR_SEC_NETWORK && i < plan->n_net; i++)
    if (strcmp (plan->net[i].name, kp.name) == 0)
      section = &plan->net[i];
  for (guint i = 0; !section && kp.section == MGR_SEC_MOUNT && i < plan->n_mounts; i++)
    if (strcmp (plan->mounts[i].name, kp.name) == 0)
      section = &plan->mounts[i];
  int rc = MGR_EXIT_OK;
  if (!kp.key)
    {
      g_printerr ("%s: get: name a key of [%s], such as %s.%s\n", g_get_prgname (), kp.group, args[0],
                  kp.section == MGR_SEC_NETWORK ? "ipv4" : "target");
      rc = MGR_EXIT_USAGE;
    }
  else if (!section)
    {
      g_printerr ("%s: %s has no [%s] section\n", g_get_prgname (), t->path, kp.group);
      rc = MGR_EXIT_FAIL;
    }
  else
    {
      g_autofree char *v = kp.key->type->format (kp.key, mgr_key_field (kp.key, section));
      /* Unset keys print nothing and exit 0, as with git config. */
      if (v)
        g_print ("%s\n", v);
    }
  mgr_key_path_clear (&kp);
  return rc;
}

/* --live: the running container's cgroup takes the new value first; only
 * then is the file written, so a refused change leaves both as they were. */
static int
apply_live (Target *t, const MgrPlan *plan, const struct mgr_key *k)
{
  g_autoptr (GError) e = NULL;
  MgrRuntimePaths rt;
  MgrStatus st;
  mgr_container_runtime (&t->ref, &rt);
  mgr_runtime_status (&rt, &st);
  g_autofree char *id = g_strdup (rt.id);
  mgr_runtime_paths_clear (&rt);
  if (st.state == MGR_STATE_STOPPED)
    {
      g_printerr ("%s: %s is not running: the new value takes effect at its next start\n", g_get_prgname (), t->ref.name);
      return MGR_EXIT_OK;
    }
  /* An unset limit is no limit: "max" where the key has one. */
  MgrPlan live = *plan;
  g_autofree char *now = k->type->format (k, mgr_key_field (k, &live.cgroup));
  if (!now && !mgr_key_parse (k, "max", &live.cgroup, NULL))
    {
      g_printerr ("%s: --live cannot unset %s: set it to the value the container should have instead\n",
                  g_get_prgname (), k->key);
      return MGR_EXIT_USAGE;
    }
  g_autoptr (MgrCgroup) cg = mgr_cgroup_new (id, &e);
  if (!cg || !mgr_cgroup_set (cg, k, &live, &e))
    {
      g_printerr ("%s: not changed: the running container refused it:\n", g_get_prgname ());
      return mgr_report (e);
    }
  return MGR_EXIT_OK;
}

static int
write_validated (Target *t, const char *text, const struct mgr_key *live)
{
  g_autoptr (GError) e = NULL;
  g_autoptr (MgrPlan) plan = target_plan (t, text, &e);
  if (!plan)
    {
      g_printerr ("%s: not changed: the result would be invalid:\n", g_get_prgname ());
      return mgr_report (e);
    }
  int rc;
  if (live && (rc = apply_live (t, plan, live)) != MGR_EXIT_OK)
    return rc;
  if (!mgr_write_file_atomic (t->path, text, -1, 0644, &e))
    return mgr_report (e);
  return MGR_EXIT_OK;
}

static int
cmd_set (Target *t, char **args, gboolean unset)
{
  g_autoptr (GError) e = NULL;
  MgrKeyPath kp;
  guint n = g_strv_length (args);
  if (unset ? n != 1 : n < 2)
    {
      g_printerr ("%s: %s\n", g_get_prgname (),
                  unset ? "unset takes one key, such as: unset cgroup.memory.max"
                        : "set takes a key and a value, such as: set cgroup.memory.max 256M");
      return MGR_EXIT_USAGE;
    }
  if (!mgr_key_path_parse (args[0], &kp, &e))
    return mgr_report (e);
  if (!kp.key && !unset)
    {
      g_printerr ("%s: set: name a key of [%s], such as %s.type\n", g_get_prgname (), kp.group, args[0]);
      mgr_key_path_clear (&kp);
      return MGR_EXIT_USAGE;
    }
  const struct mgr_key *live = NULL;
  if (opt_live)
    {
      if (kp.section != MGR_SEC_CGROUP || strcmp (kp.key->key, "optional") == 0 || !opt_name)
        {
          g_printerr ("%s: --live changes [cgroup] limits of a container given with -n; %s is not one\n",
                      g_get_prgname (), args[0]);
          mgr_key_path_clear (&kp);
          return MGR_EXIT_USAGE;
        }
      live = kp.key;
    }
  g_autofree char *value = unset ? NULL : g_strjoinv (" ", args + 1);
  g_autofree char *text = mgr_config_text_set (t->text, kp.group, kp.key ? kp.key->key : NULL, value, &e);
  mgr_key_path_clear (&kp);
  if (!text)
    return g_prefix_error (&e, "%s: ", args[0]), mgr_report (e);
  if (strcmp (text, t->text) == 0 && !live)
    return MGR_EXIT_OK;
  return write_validated (t, text, live);
}

static int
cmd_show (Target *t)
{
  g_autoptr (GError) e = NULL;
  if (!opt_plan)
    {
      fputs (t->text, stdout);
      return MGR_EXIT_OK;
    }
  g_autoptr (MgrPlan) plan = target_plan (t, t->text, &e);
  if (!plan)
    return mgr_report (e);
  g_autofree char *out = strcmp (opt_format, "json") == 0 ? mgr_plan_to_json (plan) : mgr_plan_to_text (plan);
  fputs (out, stdout);
  return MGR_EXIT_OK;
}

static int
cmd_validate (Target *t)
{
  g_autoptr (GError) e = NULL;
  g_autoptr (MgrPlan) plan = target_plan (t, t->text, &e);
  if (!plan)
    return mgr_report (e);
  g_print ("%s: valid\n", t->path);
  return MGR_EXIT_OK;
}

static gboolean
ask_again (void)
{
  char line[64];
  g_print ("Edit again? [Y/n] ");
  fflush (stdout);
  if (!fgets (line, sizeof line, stdin))
    return FALSE;
  g_strstrip (line);
  return line[0] == '\0' || line[0] == 'y' || line[0] == 'Y';
}

static int
cmd_edit (Target *t)
{
  g_autoptr (GError) e = NULL;
  const char *editor = g_getenv ("VISUAL");
  if (!editor || !*editor)
    editor = g_getenv ("EDITOR");
  if (!editor || !*editor)
    editor = "vi";
  g_auto (GStrv) argv0 = NULL;
  if (!g_shell_parse_argv (editor, NULL, &argv0, &e))
    return g_prefix_error (&e, "$EDITOR '%s': ", editor), mgr_report (e);

  g_autofree char *tmp = NULL;
  int fd = g_file_open_tmp ("mgr-config-XXXXXX.conf", &tmp, &e);
  if (fd < 0)
    return mgr_report (e);
  close (fd);
  if (!g_file_set_contents (tmp, t->text, -1, &e))
    return mgr_report (e);

  for (;;)
    {
      g_autoptr (GStrvBuilder) b = g_strv_builder_new ();
      g_strv_builder_addv (b, (const char **) argv0);
      g_strv_builder_add (b, tmp);
      g_auto (GStrv) argv = g_strv_builder_end (b);
      int status;
      if (!g_spawn_sync (NULL, argv, NULL, G_SPAWN_SEARCH_PATH | G_SPAWN_CHILD_INHERITS_STDIN, NULL, NULL,
                         NULL, NULL, &status, &e))
        {
          g_prefix_error (&e, "running the editor: ");
          g_printerr ("%s: your edits, if any, are in %s\n", g_get_prgname (), tmp);
          return mgr_report (e);
        }
      if (!g_spawn_check_wait_status (status, NULL))
        {
          g_printerr ("%s: the editor failed; %s is unchanged, your copy is %s\n", g_get_prgname (), t->path, tmp);
          return MGR_EXIT_FAIL;
        }
      g_autofree char *edited = NULL;
      if (!g_file_get_contents (tmp, &edited, NULL, &e))
        return mgr_report (e);
      if (strcmp (edited, t->text) == 0)
        {
          g_print ("%s: no changes\n", t->path);
          unlink (tmp);
          return MGR_EXIT_OK;
        }
      g_autoptr (MgrPlan) plan = target_plan (t, edited, &e);
      if (plan)
        {
          if (!mgr_write_file_atomic (t->path, edited, -1, 0644, &e))
            {
              g_printerr ("%s: your edits are kept in %s\n", g_get_prgname (), tmp);
              return mgr_report (e);
            }
          unlink (tmp);
          g_print ("%s: saved\n", t->path);
          return MGR_EXIT_OK;
        }
      mgr_report (e);
      g_clear_error (&e);
      if (!ask_again ())
        {
          g_printerr ("%s: %s is unchanged; your edits are kept in %s\n", g_get_prgname (), t->path, tmp);
          return MGR_EXIT_FAIL;
        }
    }
}

/* import-lxc LXCCONFIG: print the translation, or with -n merge it into
 * the container's config (creating the container's folder with just a
 * config when it does not exist: the LXC rootfs stays where it is). */
static int
cmd_import_lxc (char **args)
{
  g_autoptr (GError) e = NULL;
  g_autoptr (GPtrArray) skipped = g_ptr_array_new_with_free_func (g_free);
  g_autofree char *ini = NULL;
  if (!args[0] || args[1])
    {
      g_printerr ("%s: import-lxc takes one LXC config file, such as /var/lib/lxc/web/config\n", g_get_prgname ());
      return MGR_EXIT_USAGE;
    }
  if (!mgr_lxc_import (args[0], &ini, skipped, &e))
    return mgr_report (e);
  for (guint i = 0; i < skipped->len; i++)
    g_printerr ("%s: skipped %s\n", g_get_prgname (), (char *) skipped->pdata[i]);
  if (!opt_name && !opt_file)
    {
      fputs (ini, stdout);
      return MGR_EXIT_OK;
    }
  MgrContainerRef ref;
  if (!mgr_container_ref (&ref, opt_name, opt_path, FALSE, &e))
    return mgr_container_ref_clear (&ref), mgr_report (e);
  g_autofree char *path = g_strdup (opt_file ? opt_file : ref.config);
  g_autofree char *dir = g_path_get_dirname (path);
  g_autofree char *text = NULL;
  if (!g_file_get_contents (path, &text, NULL, NULL))
    text = g_strdup ("");
  /* The LXC config's keys go over the existing ones, one by one. */
  g_autoptr (GKeyFile) kf = g_key_file_new ();
  g_key_file_load_from_data (kf, ini, -1, G_KEY_FILE_NONE, NULL);
  g_auto (GStrv) groups = g_key_file_get_groups (kf, NULL);
  for (char **g = groups; *g; g++)
    {
      g_auto (GStrv) keys = g_key_file_get_keys (kf, *g, NULL, NULL);
      for (char **k = keys; k && *k; k++)
        {
          g_autofree char *v = g_key_file_get_value (kf, *g, *k, NULL);
          char *next = mgr_config_text_set (text, *g, *k, v, &e);
          if (!next)
            return mgr_container_ref_clear (&ref), mgr_report (e);
          g_free (text);
          text = next;
        }
    }
  MgrLoadOptions lo;
  mgr_container_load_options (&ref, &lo, NULL);
  g_autoptr (MgrPlan) plan = mgr_plan_load_data (text, -1, path, &lo, &e);
  int rc = MGR_EXIT_OK;
  if (!plan)
    {
      g_printerr ("%s: not written: the imported config is not valid yet; fix these and import again, or write the file by hand:\n",
                  g_get_prgname ());
      rc = mgr_report (e);
    }
  else if (g_mkdir_with_parents (dir, 0755) < 0 || !mgr_write_file_atomic (path, text, -1, 0644, &e))
    rc = e ? mgr_report (e) : MGR_EXIT_FAIL;
  else
    g_print ("%s: written from %s (%u keys skipped, listed above)\n", path, args[0], skipped->len);
  mgr_container_ref_clear (&ref);
  return rc;
}

static const char *description =
  "Verbs:\n"
  "  get KEY            print a key's value (the default when the file leaves it unset)\n"
  "  set KEY VALUE...   set a key; the file is validated, then written atomically\n"
  "  unset KEY          remove a key, or a whole [network NAME]/[mount NAME] section\n"
  "  list [SECTION]     every key with its type, default and help\n"
  "  help KEY           all about one key\n"
  "  show [--plan [--format json]]  the file, or the plan it resolves to\n"
  "  validate           check the file; exit 1 with every problem when it is wrong\n"
  "  edit               edit a copy with $EDITOR; saved only once it is valid\n"
  "  import-lxc FILE    translate an LXC config: printed, or merged into -n NAME's config\n"
  "\n"
  "Keys are written section.key, with a named section's name in the middle:\n"
  "  cgroup.memory.max  container.stop.timeout  network.eth0.ipv4.gateway  mount.data.options\n"
  "\n"
  "set and unset keep every comment, the order of keys and the file's spacing.\n"
  "With --live, set and unset of a [cgroup] key change a running container first.";

int
mgr_cmd_config (int argc, char **argv)
{
  g_autoptr (GOptionContext) ctx = g_option_context_new ("VERB [ARGS...]");
  int rc = MGR_EXIT_OK;
  g_option_context_set_summary (ctx, "Read, change and check a container's config.");
  g_option_context_set_description (ctx, description);
  g_option_context_add_main_entries (ctx, entries, NULL);
  if (!mgr_parse_options (ctx, &argc, &argv, &rc))
    return rc;
  if (opt_version)
    return mgr_print_version ();
  if (argc < 2)
    {
      g_printerr ("%s: which verb? (get, set, unset, list, help, show, validate, edit)\nTry '%s --help'.\n",
                  g_get_prgname (), g_get_prgname ());
      return MGR_EXIT_USAGE;
    }
  if (strcmp (opt_format, "text") != 0 && strcmp (opt_format, "json") != 0)
    {
      g_printerr ("%s: --format %s: expected text or json\n", g_get_prgname (), opt_format);
      return MGR_EXIT_USAGE;
    }
  const char *verb = argv[1];
  char **args = argv + 2;

  if (strcmp (verb, "list") == 0)
    return cmd_list (args);
  if (strcmp (verb, "help") == 0)
    return cmd_help (args);
  if (strcmp (verb, "import-lxc") == 0)
    return cmd_import_lxc (args);

  static const char *const verbs[] = { "get", "set", "unset", "show", "validate", "edit", NULL };
  if (!g_strv_contains (verbs, verb))
    {
      g_printerr ("%s: unknown verb '%s' (get, set, unset, list, help, show, validate, edit)\n",
                  g_get_prgname (), verb);
      return MGR_EXIT_USAGE;
    }
  g_autoptr (GError) e = NULL;
  Target t;
  if (!target_open (&t, &e))
    {
      target_clear (&t);
      return mgr_report (e);
    }
  if (strcmp (verb, "get") == 0)
    rc = cmd_get (&t, args);
  else if (strcmp (verb, "set") == 0)
    rc = cmd_set (&t, args, FALSE);
  else if (strcmp (verb, "unset") == 0)
    rc = cmd_set (&t, args, TRUE);
  else if (strcmp (verb, "show") == 0)
    rc = cmd_show (&t);
  else if (strcmp (verb, "validate") == 0)
    rc = cmd_validate (&t);
  else
    rc = cmd_edit (&t);
  target_clear (&t);
  return rc;
}
