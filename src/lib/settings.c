#include "config.h"

#include <libconfig.h>
#include <pwd.h>
#include <string.h>
#include <unistd.h>

#include "mgr-error.h"
#include "settings.h"
#include "util.h"

static const char *
sysconfdir (void)
{
  const char *e = g_getenv ("MGR_SYSCONFDIR");
  return e && *e ? e : MGR_SYSCONFDIR;
}

MgrPaths *
mgr_paths_new (void)
{
  MgrPaths *p = g_new0 (MgrPaths, 1);
  const char *env;

  p->user = geteuid () != 0;
  p->system_conf = g_build_filename (sysconfdir (), "mgr", "mgr.conf", NULL);
  if (p->user)
    {
      p->containers = g_build_filename (g_get_user_data_dir (), "mgr", NULL);
      p->cache = g_build_filename (g_get_user_cache_dir (), "mgr", NULL);
      p->default_conf = g_build_filename (g_get_user_config_dir (), "mgr", "default.conf", NULL);
      p->user_conf = g_build_filename (g_get_user_config_dir (), "mgr", "mgr.conf", NULL);
      env = g_getenv ("XDG_RUNTIME_DIR");
      p->runtime = env && *env ? g_build_filename (env, "mgr", NULL)
                               : g_build_filename (g_get_user_cache_dir (), "mgr", "run", NULL);
    }
  else
    {
      p->containers = g_build_filename (MGR_LOCALSTATEDIR, "lib", "mgr", NULL);
      p->cache = g_build_filename (MGR_LOCALSTATEDIR, "cache", "mgr", NULL);
      p->default_conf = g_build_filename (sysconfdir (), "mgr", "default.conf", NULL);
      p->runtime = g_build_filename (MGR_RUNSTATEDIR, "mgr", NULL);
    }
  env = g_getenv ("MGR_SUBUID");
  p->subuid = g_strdup (env && *env ? env : "/etc/subuid");
  env = g_getenv ("MGR_SUBGID");
  p->subgid = g_strdup (env && *env ? env : "/etc/subgid");
  return p;
}

void
mgr_paths_free (MgrPaths *p)
{
  if (!p)
    return;
  g_free (p->containers);
  g_free (p->runtime);
  g_free (p->cache);
  g_free (p->default_conf);
  g_free (p->system_conf);
  g_free (p->user_conf);
  g_free (p->subuid);
  g_free (p->subgid);
  g_free (p);
}

enum setting_type { S_STRING, S_INT, S_BOOL };

static const struct {
  const char *name;
  enum setting_type type;
  size_t offset;
} settings_table[] = {
  { "container_path", S_STRING, G_STRUCT_OFFSET (MgrSettings, container_path) },
  { "cache_path", S_STRING, G_STRUCT_OFFSET (MgrSettings, cache_path) },
  { "image_server", S_STRING, G_STRUCT_OFFSET (MgrSettings, image_server) },
  { "default_bridge", S_STRING, G_STRUCT_OFFSET (MgrSettings, default_bridge) },
  { "idmap_pool_start", S_INT, G_STRUCT_OFFSET (MgrSettings, idmap_pool_start) },
  { "idmap_pool_size", S_INT, G_STRUCT_OFFSET (MgrSettings, idmap_pool_size) },
  { "log_level", S_STRING, G_STRUCT_OFFSET (MgrSettings, log_level) },
  { "net_ipv4", S_STRING, G_STRUCT_OFFSET (MgrSettings, net_ipv4) },
  { "net_ipv6", S_STRING, G_STRUCT_OFFSET (MgrSettings, net_ipv6) },
  { "net_nat", S_BOOL, G_STRUCT_OFFSET (MgrSettings, net_nat) },
  { "net_dhcp", S_BOOL, G_STRUCT_OFFSET (MgrSettings, net_dhcp) },
  { "net_dns", S_BOOL, G_STRUCT_OFFSET (MgrSettings, net_dns) },
  { "net_domain", S_STRING, G_STRUCT_OFFSET (MgrSettings, net_domain) },
  { "net_default", S_BOOL, G_STRUCT_OFFSET (MgrSettings, net_default) },
};

static const char *const log_levels[] = { "error", "warning", "info", "debug", NULL };

static void
config_destroyp (config_t *c)
{
  config_destroy (c);
}

gboolean
mgr_settings_load_file (MgrSettings *s, const char *path, GError **error)
{
  __attribute__ ((cleanup (config_destroyp))) config_t cfg;
  config_init (&cfg);

  if (!g_file_test (path, G_FILE_TEST_EXISTS))
    return TRUE;
  if (!config_read_file (&cfg, path))
    {
      if (config_error_type (&cfg) == CONFIG_ERR_FILE_IO)
        {
          g_set_error (error, MGR_ERROR, MGR_ERROR_IO, "%s: cannot read the file", path);
          return FALSE;
        }
      g_set_error (error, MGR_ERROR, MGR_ERROR_SYNTAX, "%s:%d: %s", path,
                   config_error_line (&cfg), config_error_text (&cfg));
      return FALSE;
    }
  config_setting_t *root = config_root_setting (&cfg);
  for (int i = 0; i < config_setting_length (root); i++)
    {
      config_setting_t *e = config_setting_get_elem (root, i);
      const char *name = config_setting_name (e);
      int line = config_setting_source_line (e);
      size_t j;
      for (j = 0; j < G_N_ELEMENTS (settings_table); j++)
        if (strcmp (settings_table[j].name, name) == 0)
          break;
      if (j == G_N_ELEMENTS (settings_table))
        {
          const char *best = NULL;
          guint best_d = 3;
          for (size_t k = 0; k < G_N_ELEMENTS (settings_table); k++)
            if (mgr_edit_distance (name, settings_table[k].name) < best_d)
              best_d = mgr_edit_distance (name, settings_table[k].name), best = settings_table[k].name;
          g_set_error (error, MGR_ERROR, MGR_ERROR_UNKNOWN_KEY, "%s:%d: %s: unknown setting%s%s%s",
                       path, line, name, best ? "; did you mean " : "", best ? best : "",
                       best ? "?" : "");
          return FALSE;
        }
      void *field = (char *) s + settings_table[j].offset;
      if (settings_table[j].type == S_STRING)
        {
          const char *v = config_setting_get_string (e);
          if (!v)
            {
              g_set_error (error, MGR_ERROR, MGR_ERROR_INVALID,
                           "%s:%d: %s: expected a string in double quotes", path, line, name);
              return FALSE;
            }
          g_free (*(char **) field);
          *(char **) field = g_strdup (v);
        }
      else if (settings_table[j].type == S_BOOL)
        {
          if (config_setting_type (e) != CONFIG_TYPE_BOOL)
            {
              g_set_error (error, MGR_ERROR, MGR_ERROR_INVALID, "%s:%d: %s: expected true or false", path, line, name);
              return FALSE;
            }
          *(bool *) field = config_setting_get_bool (e);
        }
      else
        {
          int t = config_setting_type (e);
          if (t != CONFIG_TYPE_INT && t != CONFIG_TYPE_INT64)
            {
              g_set_error (error, MGR_ERROR, MGR_ERROR_INVALID,
                           "%s:%d: %s: expected a whole number", path, line, name);
              return FALSE;
            }
          *(gint64 *) field = config_setting_get_int64 (e);
        }
    }
  if (!g_strv_contains (log_levels, s->log_level))
    {
      g_set_error (error, MGR_ERROR, MGR_ERROR_INVALID,
                   "%s: log_level \"%s\": expected error, warning, info or debug", path, s->log_level);
      return FALSE;
    }
  /* Each bound alone first: the sum of two huge 64-bit values overflows. */
  if (s->idmap_pool_start < 1 || s->idmap_pool_size < 65536 || s->idmap_pool_start > G_MAXUINT32
      || s->idmap_pool_size > G_MAXUINT32 || s->idmap_pool_start + s->idmap_pool_size > G_MAXUINT32)
    {
      g_set_error (error, MGR_ERROR, MGR_ERROR_INVALID,
                   "%s: idmap_pool_start/idmap_pool_size: the pool must hold at least 65536 ids "
                   "between 1 and 4294967295", path);
      return FALSE;
    }
  return TRUE;
}

MgrSettings *
mgr_settings_load (MgrPaths *paths, GError **error)
{
  g_autoptr (MgrSettings) s = g_new0 (MgrSettings, 1);
  s->image_server = g_strdup ("https://images.linuxcontainers.org");
  s->default_bridge = g_strdup ("mgrbr0");
  s->idmap_pool_start = 1000000;
  s->idmap_pool_size = 1000000000;
  s->log_level = g_strdup ("warning");
  s->net_ipv4 = g_strdup ("10.0.3.0/24");
  s->net_ipv6 = g_strdup ("auto");
  s->net_nat = s->net_dhcp = s->net_dns = s->net_default = true;
  s->net_domain = g_strdup ("mgr");

  if (!mgr_settings_load_file (s, paths->system_conf, error))
    return NULL;
  /* Paths from the system file are root's: users keep their XDG folders
   * unless their own file says otherwise. */
  if (paths->user)
    {
      g_clear_pointer (&s->container_path, g_free);
      g_clear_pointer (&s->cache_path, g_free);
      if (!mgr_settings_load_file (s, paths->user_conf, error))
        return NULL;
    }
  if (s->container_path)
    g_free (paths->containers), paths->containers = g_strdup (s->container_path);
  if (s->cache_path)
    g_free (paths->cache), paths->cache = g_strdup (s->cache_path);
  return g_steal_pointer (&s);
}

void
mgr_settings_free (MgrSettings *s)
{
  if (!s)
    return;
  g_free (s->container_path);
  g_free (s->cache_path);
  g_free (s->image_server);
  g_free (s->default_bridge);
  g_free (s->log_level);
  g_free (s->net_ipv4);
  g_free (s->net_ipv6);
  g_free (s->net_domain);
  g_free (s);
}

gboolean
mgr_name_check (const char *name, GError **error)
{
  size_t len = strlen (name);
  if (len == 0 || len > 64)
    {
      g_set_error (error, MGR_ERROR, MGR_ERROR_USAGE,
                   "container name '%s': must have 1 to 64 characters", name);
      return FALSE;
    }
  if (name[0] == '.' || name[0] == '-')
    {
      g_set_error (error, MGR_ERROR, MGR_ERROR_USAGE,
                   "container name '%s': must not start with '.' or '-'", name);
      return FALSE;
    }
  for (const char *c = name; *c; c++)
    if (!g_ascii_isalnum (*c) && !strchr ("._-", *c))
      {
        g_set_error (error, MGR_ERROR, MGR_ERROR_USAGE,
                     "container name '%s': '%c' is not allowed; use letters, digits, '.', '_' and '-'",
                     name, *c);
        return FALSE;
      }
  return TRUE;
}
