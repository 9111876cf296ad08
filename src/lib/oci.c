/* config.json to plan, with json-glib. The walk names where it is in the
 * document (process.user.uid, mounts[3].options[1]) so that every error can
 * say which field; each object's members are checked against the ones mgr
 * reads, so that a field it does not know is an error rather than a silent
 * difference from what the engine asked for. */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <json-glib/json-glib.h>
#include <sched.h>
#include <seccomp.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "cgroup.h"
#include "keys.h"
#include "mgr-error.h"
#include "oci.h"
#include "oci-spec.h"
#include "runtime.h"
#include "util.h"

static gboolean G_GNUC_PRINTF (3, 4)
bad (GError **error, const char *path, const char *fmt, ...)
{
  va_list ap;
  va_start (ap, fmt);
  g_autofree char *msg = g_strdup_vprintf (fmt, ap);
  va_end (ap);
  g_set_error (error, MGR_ERROR, MGR_ERROR_INVALID, "config.json: %s: %s", path, msg);
  return FALSE;
}

static gboolean
unsupported (GError **error, const char *path, const char *why)
{
  g_set_error (error, MGR_ERROR, MGR_ERROR_INVALID, "config.json: %s: not supported by mgr-oci%s%s%s", path,
               why ? " (" : "", why ? why : "", why ? ")" : "");
  return FALSE;
}

static int
cmp_path (const void *a, const void *b)
{
  return strcmp (*(const char *const *) a, *(const char *const *) b);
}

/* Every member of o that the runtime spec defines must be one of known:
 * a spec property mgr-oci does not support is an error naming it. A
 * property the spec does not define is ignored, as the spec requires (an
 * engine's extension, or a newer spec's). */
static gboolean
only_known (JsonObject *o, const char *path, const char *const *known, GError **error)
{
  g_autoptr (GList) members = json_object_get_members (o);
  for (GList *l = members; l; l = l->next)
    {
      if (g_strv_contains (known, l->data))
        continue;
      g_autofree char *p = g_strdup_printf ("%s%s%s", path, *path ? "." : "", (char *) l->data);
      /* The spec's name: mounts[3].options is mounts.options. */
      g_autoptr (GString) name = g_string_new (NULL);
      for (const char *c = p; *c; c++)
        if (*c == '[')
          c += strcspn (c, "]");
        else
          g_string_append_c (name, *c);
      const char *key = name->str;
      if (bsearch (&key, mgr_oci_spec_paths, G_N_ELEMENTS (mgr_oci_spec_paths), sizeof *mgr_oci_spec_paths, cmp_path))
        return unsupported (error, p, NULL);
    }
  return TRUE;
}

static char *
sub (const char *path, const char *member)
{
  return g_strdup_printf ("%s%s%s", path, *path ? "." : "", member);
}

/* Typed getters: absent is fine (the default stays), the wrong type is an error. */
static JsonNode *
member (JsonObject *o, const char *name)
{
  JsonNode *n = o ? json_object_get_member (o, name) : NULL;
  return n && !JSON_NODE_HOLDS_NULL (n) ? n : NULL;
}

static gboolean
get_object (JsonObject *o, const char *name, const char *path, JsonObject **out, GError **error)
{
  JsonNode *n = member (o, name);
  *out = NULL;
  if (!n)
    return TRUE;
  if (!JSON_NODE_HOLDS_OBJECT (n))
    {
      g_autofree char *p = sub (path, name);
      return bad (error, p, "expected an object");
    }
  *out = json_node_get_object (n);
  return TRUE;
}

static gboolean
get_array (JsonObject *o, const char *name, const char *path, JsonArray **out, GError **error)
{
  JsonNode *n = member (o, name);
  *out = NULL;
  if (!n)
    return TRUE;
  if (!JSON_NODE_HOLDS_ARRAY (n))
    {
      g_autofree char *p = sub (path, name);
      return bad (error, p, "expected an array");
    }
  *out = json_node_get_array (n);
  return TRUE;
}

static gboolean
get_string (JsonObject *o, const char *name, const char *path, const char **out, GError **error)
{
  JsonNode *n = member (o, name);
  *out = NULL;
  if (!n)
    return TRUE;
  if (!JSON_NODE_HOLDS_VALUE (n) || json_node_get_value_type (n) != G_TYPE_STRING)
    {
      g_autofree char *p = sub (path, name);
      return bad (error, p, "expected a string");
    }
  *out = json_node_get_string (n);
  return TRUE;
}

static gboolean
get_bool (JsonObject *o, const char *name, const char *path, bool *out, GError **error)
{
  JsonNode *n = member (o, name);
  if (!n)
    return TRUE;
  if (!JSON_NODE_HOLDS_VALUE (n) || json_node_get_value_type (n) != G_TYPE_BOOLEAN)
    {
      g_autofree char *p = sub (path, name);
      return bad (error, p, "expected true or false");
    }
  *out = json_node_get_boolean (n);
  return TRUE;
}

/* An integer within [min, max]; *set tells whether it was there. */
static gboolean
get_int (JsonObject *o, const char *name, const char *path, gint64 min, gint64 max, gint64 *out, bool *set,
         GError **error)
{
  JsonNode *n = member (o, name);
  if (set)
    *set = false;
  if (!n)
    return TRUE;
  if (!JSON_NODE_HOLDS_VALUE (n) || json_node_get_value_type (n) != G_TYPE_INT64)
    {
      g_autofree char *p = sub (path, name);
      return bad (error, p, "expected an integer");
    }
  gint64 v = json_node_get_int (n);
  if (v < min || v > max)
    {
      g_autofree char *p = sub (path, name);
      return bad (error, p, "%" G_GINT64_FORMAT " is out of range (%" G_GINT64_FORMAT "..%" G_GINT64_FORMAT ")", v,
                  min, max);
    }
  *out = v;
  if (set)
    *set = true;
  return TRUE;
}

/* A uint64 (JSON numbers beyond INT64_MAX arrive as doubles in json-glib). */
static gboolean
get_u64 (JsonObject *o, const char *name, const char *path, guint64 *out, bool *set, GError **error)
{
  JsonNode *n = member (o, name);
  *set = false;
  if (!n)
    return TRUE;
  if (JSON_NODE_HOLDS_VALUE (n) && json_node_get_value_type (n) == G_TYPE_INT64 && json_node_get_int (n) >= 0)
    *out = (guint64) json_node_get_int (n);
  else if (JSON_NODE_HOLDS_VALUE (n) && json_node_get_value_type (n) == G_TYPE_DOUBLE && json_node_get_double (n) >= 0)
    *out = (guint64) json_node_get_double (n);
  else
    {
      g_autofree char *p = sub (path, name);
      return bad (error, p, "expected a non-negative integer");
    }
  *set = true;
  return TRUE;
}

static gboolean
string_array (JsonArray *a, const char *path, char ***out, GError **error)
{
  g_autoptr (GStrvBuilder) b = g_strv_builder_new ();
  for (guint i = 0; a && i < json_array_get_length (a); i++)
    {
      JsonNode *n = json_array_get_element (a, i);
      if (!JSON_NODE_HOLDS_VALUE (n) || json_node_get_value_type (n) != G_TYPE_STRING)
        {
          g_autofree char *p = g_strdup_printf ("%s[%u]", path, i);
          return bad (error, p, "expected a string");
        }
      g_strv_builder_add (b, json_node_get_string (n));
    }
  *out = g_strv_builder_end (b);
  return TRUE;
}

static gboolean
caps_set (JsonObject *o, const char *name, const char *path, guint64 *mask, GError **error)
{
  JsonArray *a;
  g_auto (GStrv) names = NULL;
  g_autofree char *p = sub (path, name);
  *mask = 0;
  if (!get_array (o, name, path, &a, error) || !string_array (a, p, &names, error))
    return FALSE;
  for (guint i = 0; names[i]; i++)
    {
      guint64 m;
      g_autoptr (GError) e = NULL;
      if (!mgr_caps_parse (names[i], &m, &e))
        {
          g_autofree char *pi = g_strdup_printf ("%s[%u]", p, i);
          return bad (error, pi, "%s", e->message);
        }
      *mask |= m;
    }
  return TRUE;
}

static const struct
{
  const char *name;
  int resource;
} rlimit_names[] = {
  { "RLIMIT_AS", RLIMIT_AS },         { "RLIMIT_CORE", RLIMIT_CORE },         { "RLIMIT_CPU", RLIMIT_CPU },
  { "RLIMIT_DATA", RLIMIT_DATA },     { "RLIMIT_FSIZE", RLIMIT_FSIZE },       { "RLIMIT_LOCKS", RLIMIT_LOCKS },
  { "RLIMIT_MEMLOCK", RLIMIT_MEMLOCK }, { "RLIMIT_MSGQUEUE", RLIMIT_MSGQUEUE }, { "RLIMIT_NICE", RLIMIT_NICE },
  { "RLIMIT_NOFILE", RLIMIT_NOFILE }, { "RLIMIT_NPROC", RLIMIT_NPROC },       { "RLIMIT_RSS", RLIMIT_RSS },
  { "RLIMIT_RTPRIO", RLIMIT_RTPRIO }, { "RLIMIT_RTTIME", RLIMIT_RTTIME },     { "RLIMIT_SIGPENDING", RLIMIT_SIGPENDING },
  { "RLIMIT_STACK", RLIMIT_STACK },
};

static gboolean
parse_process (JsonObject *o, MgrPlan *plan, GError **error)
{
  static const char *const known[] = { "terminal", "consoleSize", "user", "args", "env", "cwd", "capabilities",
                                       "rlimits", "noNewPrivileges", "oomScoreAdj", "apparmorProfile",
                                       "selinuxLabel", NULL };
  const char *path = "process";
  struct mgr_oci_settings *oci = &plan->oci;
  if (!only_known (o, path, known, error))
    return FALSE;
  const char *s;
  if (!get_string (o, "apparmorProfile", path, &s, error))
    return FALSE;
  if (s && *s)
    {
      /* Applied at exec (the child writes it to /proc/self/attr): the
       * host must have AppArmor, or the engine would believe in a
       * confinement that is not there. */
      g_autofree char *enabled = NULL;
      if (!g_file_get_contents ("/sys/module/apparmor/parameters/enabled", &enabled, NULL, NULL) || enabled[0] != 'Y')
        return unsupported (error, "process.apparmorProfile", "AppArmor is not enabled on this host");
      if (strchr (s, '\n'))
        return bad (error, "process.apparmorProfile", "not a profile name");
      g_free (plan->oci.apparmor);
      plan->oci.apparmor = g_strdup (s);
    }
  if (!get_string (o, "selinuxLabel", path, &s, error))
    return FALSE;
  if (s && *s)
    return unsupported (error, "process.selinuxLabel", "mgr confines without an LSM; leave it empty");
  if (!get_bool (o, "terminal", path, &oci->terminal, error))
    return FALSE;
  JsonObject *cs;
  if (!get_object (o, "consoleSize", path, &cs, error))
    return FALSE;
  /* The size the pty starts with (the child sets it on the pty it makes). */
  if (cs)
    {
      static const char *const k[] = { "height", "width", NULL };
      gint64 h = 0, w = 0;
      if (!only_known (cs, "process.consoleSize", k, error)
          || !get_int (cs, "height", "process.consoleSize", 0, G_MAXUINT16, &h, NULL, error)
          || !get_int (cs, "width", "process.consoleSize", 0, G_MAXUINT16, &w, NULL, error))
        return FALSE;
      plan->oci.console_rows = (guint16) h;
      plan->oci.console_cols = (guint16) w;
    }

  JsonArray *a;
  if (!get_array (o, "args", path, &a, error) || !string_array (a, "process.args", &plan->container.init, error))
    return FALSE;
  if (!plan->container.init[0])
    return bad (error, "process.args", "the command to run is missing");
  if (!get_array (o, "env", path, &a, error) || !string_array (a, "process.env", &plan->container.environment, error))
    return FALSE;
  for (guint i = 0; plan->container.environment[i]; i++)
    if (!strchr (plan->container.environment[i], '='))
      {
        g_autofree char *p = g_strdup_printf ("process.env[%u]", i);
        return bad (error, p, "'%s' is not NAME=VALUE", plan->container.environment[i]);
      }
  if (!get_string (o, "cwd", path, &s, error))
    return FALSE;
  if (!s || s[0] != '/')
    return bad (error, "process.cwd", "an absolute path is required");
  plan->container.cwd = g_strdup (s);

  JsonObject *u;
  if (!get_object (o, "user", path, &u, error))
    return FALSE;
  oci->umask = -1;
  if (u)
    {
      static const char *const k[] = { "uid", "gid", "umask", "additionalGids", "username", NULL };
      gint64 v;
      bool set;
      if (!only_known (u, "process.user", k, error) || !get_string (u, "username", "process.user", &s, error))
        return FALSE;
      if (s && *s)
        return unsupported (error, "process.user.username", "a Windows field; give uid and gid");
      if (!get_int (u, "uid", "process.user", 0, G_MAXUINT32 - 1, &v, &set, error))
        return FALSE;
      plan->container.uid = (struct mgr_u64){ true, set ? (guint64) v : 0 };
      if (!get_int (u, "gid", "process.user", 0, G_MAXUINT32 - 1, &v, &set, error))
        return FALSE;
      plan->container.gid = (struct mgr_u64){ true, set ? (guint64) v : 0 };
      if (!get_int (u, "umask", "process.user", 0, 0777, &v, &set, error))
        return FALSE;
      if (set)
        oci->umask = (int) v;
      if (!get_array (u, "additionalGids", "process.user", &a, error))
        return FALSE;
      oci->n_groups = a ? json_array_get_length (a) : 0;
      oci->groups = g_new0 (guint32, oci->n_groups + 1);
      for (guint i = 0; i < oci->n_groups; i++)
        {
          JsonNode *n = json_array_get_element (a, i);
          if (!JSON_NODE_HOLDS_VALUE (n) || json_node_get_value_type (n) != G_TYPE_INT64 || json_node_get_int (n) < 0
              || json_node_get_int (n) >= G_MAXUINT32)
            {
              g_autofree char *p = g_strdup_printf ("process.user.additionalGids[%u]", i);
              return bad (error, p, "expected a gid");
            }
          oci->groups[i] = (guint32) json_node_get_int (n);
        }
    }
  else
    {
      plan->container.uid = (struct mgr_u64){ true, 0 };
      plan->container.gid = (struct mgr_u64){ true, 0 };
    }

  JsonObject *c;
  if (!get_object (o, "capabilities", path, &c, error))
    return FALSE;
  if (c)
    {
      static const char *const k[] = { "bounding", "effective", "inheritable", "permitted", "ambient", NULL };
      const char *cp = "process.capabilities";
      if (!only_known (c, cp, k, error) || !caps_set (c, "bounding", cp, &oci->cap_bounding, error)
          || !caps_set (c, "effective", cp, &oci->cap_effective, error)
          || !caps_set (c, "inheritable", cp, &oci->cap_inheritable, error)
          || !caps_set (c, "permitted", cp, &oci->cap_permitted, error)
          || !caps_set (c, "ambient", cp, &oci->cap_ambient, error))
        return FALSE;
    }
  plan->caps.effective = oci->cap_bounding;
  if (!get_bool (o, "noNewPrivileges", path, &plan->caps.no_new_privs, error))
    return FALSE;

  if (!get_array (o, "rlimits", path, &a, error))
    return FALSE;
  for (guint i = 0; a && i < json_array_get_length (a); i++)
    {
      g_autofree char *p = g_strdup_printf ("process.rlimits[%u]", i);
      JsonNode *n = json_array_get_element (a, i);
      if (!JSON_NODE_HOLDS_OBJECT (n))
        return bad (error, p, "expected an object");
      JsonObject *r = json_node_get_object (n);
      static const char *const k[] = { "type", "soft", "hard", NULL };
      guint64 soft = 0, hard = 0;
      bool ss, hs;
      if (!only_known (r, p, k, error) || !get_string (r, "type", p, &s, error) || !get_u64 (r, "soft", p, &soft, &ss, error)
          || !get_u64 (r, "hard", p, &hard, &hs, error))
        return FALSE;
      int res = -1;
      for (size_t j = 0; s && j < G_N_ELEMENTS (rlimit_names); j++)
        if (strcmp (s, rlimit_names[j].name) == 0)
          res = rlimit_names[j].resource;
      if (res < 0)
        {
          g_autofree char *pt = g_strdup_printf ("%s.type", p);
          return bad (error, pt, "'%s' is not a resource limit of this system", s ? s : "");
        }
      plan->limits.r[res] = (struct mgr_rlimit){ true, soft == G_MAXUINT64 ? MGR_UNLIMITED : soft,
                                                 hard == G_MAXUINT64 ? MGR_UNLIMITED : hard };
    }
  gint64 adj;
  if (!get_int (o, "oomScoreAdj", path, -1000, 1000, &adj, &oci->oom_score_adj_set, error))
    return FALSE;
  oci->oom_score_adj = (int) adj;
  return TRUE;
}

/* Mount options: the same parser as an INI [mount]'s options (keys.c), so
 * that both front ends mean the same by each word. */
static gboolean
parse_mount (JsonObject *o, const char *path, const char *bundle, struct mgr_mount *m, guint idx, GError **error)
{
  static const char *const known[] = { "destination", "type", "source", "options", "uidMappings", "gidMappings", NULL };
  const char *dest, *type, *source;
  JsonArray *a;
  g_auto (GStrv) opts = NULL;
  if (!only_known (o, path, known, error) || !get_string (o, "destination", path, &dest, error)
      || !get_string (o, "type", path, &type, error) || !get_string (o, "source", path, &source, error)
      || !get_array (o, "options", path, &a, error))
    return FALSE;
  g_autofree char *po = sub (path, "options");
  if (!string_array (a, po, &opts, error))
    return FALSE;
  if (member (o, "uidMappings") || member (o, "gidMappings"))
    return unsupported (error, path, "id-mapped mounts");
  if (!dest || dest[0] != '/')
    {
      g_autofree char *p = sub (path, "destination");
      return bad (error, p, "an absolute path inside the container is required");
    }
  /* tmpcopyup: a tmpfs that starts with what the rootfs had there (podman
   * asks it for /tmp and /run of a --read-only container). */
  bool copy_up = false;
  for (guint i = 0, j = 0;; i++)
    {
      if (opts[i] && strcmp (opts[i], "tmpcopyup") == 0)
        {
          if (g_strcmp0 (type, "tmpfs") != 0)
            {
              g_autofree char *p = g_strdup_printf ("%s[%u]", po, i);
              return unsupported (error, p, "tmpcopyup is for tmpfs mounts");
            }
          copy_up = true;
          g_free (opts[i]);
          continue;
        }
      opts[j++] = opts[i];
      if (!opts[i])
        break;
    }
  /* Words that are mgr's own, not mount(8)'s: an engine never means them. */
  for (guint i = 0; opts[i]; i++)
    if (g_str_has_prefix (opts[i], "create=") || strcmp (opts[i], "optional") == 0 || strcmp (opts[i], "defaults") == 0
        || strcmp (opts[i], "rro") == 0 || strcmp (opts[i], "rrw") == 0
        || strcmp (opts[i], "idmap") == 0 || strcmp (opts[i], "ridmap") == 0 || strcmp (opts[i], "copy-symlink") == 0
        || strcmp (opts[i], "nosymfollow") == 0 || strcmp (opts[i], "rnosymfollow") == 0)
      {
        g_autofree char *p = g_strdup_printf ("%s[%u]", po, i);
        return unsupported (error, p, opts[i]);
      }
  g_autofree char *text = g_strjoinv (",", opts);
  bool bind = g_strcmp0 (type, "bind") == 0;
  for (guint i = 0; opts[i]; i++)
    bind |= strcmp (opts[i], "bind") == 0 || strcmp (opts[i], "rbind") == 0;
  if (bind)
    {
      /* mount(2) takes no filesystem data for a bind (it ignores it), yet
       * engines and the conformance suite send tmpfs words such as mode=
       * along: a bind here drops them, as runc's and crun's mount calls do. */
      g_autoptr (GStrvBuilder) kept = g_strv_builder_new ();
      for (guint i = 0; opts[i]; i++)
        if (!strchr (opts[i], '='))
          g_strv_builder_add (kept, opts[i]);
      g_free (text);
      g_auto (GStrv) k = g_strv_builder_end (kept);
      text = g_strjoinv (",", k);
    }
  const struct mgr_key *k = mgr_key_find (MGR_SEC_MOUNT, "options");
  g_autoptr (GError) e = NULL;
  if (!k->type->parse (k, *text ? text : "defaults", &m->options, &e))
    return bad (error, po, "%s", e->message);
  if (bind && !m->options.bind)
    m->options.bind = true;
  if (!bind && !type)
    {
      g_autofree char *p = sub (path, "type");
      return bad (error, p, "a filesystem type is required (or the option bind)");
    }
  m->options.copy_up = copy_up;
  m->name = g_strdup_printf ("mounts[%u] %s", idx, dest);
  m->target = g_canonicalize_filename (dest, "/");
  m->type = bind ? NULL : g_strdup (type);
  if (source)
    m->source = bind && source[0] != '/' ? g_build_filename (bundle, source, NULL) : g_strdup (source);
  else if (bind)
    {
      g_autofree char *p = sub (path, "source");
      return bad (error, p, "a bind mount needs a source");
    }
  /* A bind of a file makes a file to mount on; anything else a folder. */
  struct stat st;
  m->options.create = bind && stat (m->source, &st) == 0 && !S_ISDIR (st.st_mode) ? MGR_CREATE_FILE : MGR_CREATE_DIR;
  return TRUE;
}

static gboolean
parse_idmap (JsonArray *a, const char *path, struct mgr_idmap *map, GError **error)
{
  map->n = a ? json_array_get_length (a) : 0;
  if (map->n > MGR_IDMAP_MAX)
    return bad (error, path, "more than %d ranges", MGR_IDMAP_MAX);
  map->r = g_new0 (struct mgr_idmap_range, map->n + 1);
  for (guint i = 0; i < map->n; i++)
    {
      g_autofree char *p = g_strdup_printf ("%s[%u]", path, i);
      JsonNode *n = json_array_get_element (a, i);
      if (!JSON_NODE_HOLDS_OBJECT (n))
        return bad (error, p, "expected an object");
      JsonObject *o = json_node_get_object (n);
      static const char *const k[] = { "containerID", "hostID", "size", NULL };
      gint64 in = 0, out = 0, size = 0;
      bool set1, set2, set3;
      if (!only_known (o, p, k, error) || !get_int (o, "containerID", p, 0, G_MAXUINT32, &in, &set1, error)
          || !get_int (o, "hostID", p, 0, G_MAXUINT32, &out, &set2, error)
          || !get_int (o, "size", p, 1, G_MAXUINT32, &size, &set3, error))
        return FALSE;
      if (!set1 || !set2 || !set3)
        return bad (error, p, "containerID, hostID and size are required");
      map->r[i] = (struct mgr_idmap_range){ (guint32) in, (guint32) out, (guint32) size };
    }
  return TRUE;
}

static gboolean
parse_devices (JsonArray *a, MgrPlan *plan, GError **error)
{
  struct mgr_oci_settings *oci = &plan->oci;
  oci->n_devices = a ? json_array_get_length (a) : 0;
  oci->devices = g_new0 (struct mgr_device_node, oci->n_devices + 1);
  for (guint i = 0; i < oci->n_devices; i++)
    {
      g_autofree char *p = g_strdup_printf ("linux.devices[%u]", i);
      JsonNode *n = json_array_get_element (a, i);
      if (!JSON_NODE_HOLDS_OBJECT (n))
        return bad (error, p, "expected an object");
      JsonObject *o = json_node_get_object (n);
      static const char *const k[] = { "path", "type", "major", "minor", "fileMode", "uid", "gid", NULL };
      struct mgr_device_node *d = &oci->devices[i];
      const char *path, *type;
      gint64 major = 0, minor = 0, mode = 0666, uid = 0, gid = 0;
      bool set;
      if (!only_known (o, p, k, error) || !get_string (o, "path", p, &path, error) || !get_string (o, "type", p, &type, error)
          || !get_int (o, "major", p, 0, 0xfff, &major, NULL, error) || !get_int (o, "minor", p, 0, 0xfffff, &minor, NULL, error)
          || !get_int (o, "fileMode", p, 0, 07777, &mode, &set, error) || !get_int (o, "uid", p, 0, G_MAXUINT32, &uid, NULL, error)
          || !get_int (o, "gid", p, 0, G_MAXUINT32, &gid, NULL, error))
        return FALSE;
      if (!path || path[0] != '/')
        return bad (error, p, "path: an absolute path is required");
      if (!type || strlen (type) != 1 || !strchr ("cbup", type[0]))
        return bad (error, p, "type: one of c, b, u, p is required");
      *d = (struct mgr_device_node){ g_canonicalize_filename (path, "/"), type[0] == 'u' ? 'c' : type[0],
                                     (guint32) major, (guint32) minor, (guint32) mode, (guint32) uid, (guint32) gid };
    }
  return TRUE;
}

/* linux.resources.devices: an ordered list of allow/deny rules. mgr's
 * device rules are "deny all, then allow these, then deny those", which is
 * the same list whenever no allow comes after a deny other than a first
 * "deny everything" (what engines send). */
static gboolean
parse_device_rules (JsonArray *a, MgrPlan *plan, GError **error)
{
  struct mgr_cgroup_settings *cg = &plan->cgroup;
  guint n = a ? json_array_get_length (a) : 0;
  g_autoptr (GArray) allow = g_array_new (FALSE, TRUE, sizeof (struct mgr_dev_rule));
  g_autoptr (GArray) deny = g_array_new (FALSE, TRUE, sizeof (struct mgr_dev_rule));
  bool denied_all = false;
  if (!a)
    return TRUE;
  for (guint i = 0; i < n; i++)
    {
      g_autofree char *p = g_strdup_printf ("linux.resources.devices[%u]", i);
      JsonNode *node = json_array_get_element (a, i);
      if (!JSON_NODE_HOLDS_OBJECT (node))
        return bad (error, p, "expected an object");
      JsonObject *o = json_node_get_object (node);
      static const char *const k[] = { "allow", "type", "major", "minor", "access", NULL };
      bool allowed = false, mset, nset;
      const char *type, *access;
      gint64 major = -1, minor = -1;
      if (!only_known (o, p, k, error) || !get_bool (o, "allow", p, &allowed, error) || !get_string (o, "type", p, &type, error)
          || !get_int (o, "major", p, -1, 0xfff, &major, &mset, error)
          || !get_int (o, "minor", p, -1, 0xfffff, &minor, &nset, error) || !get_string (o, "access", p, &access, error))
        return FALSE;
      struct mgr_dev_rule r = { type && *type ? type[0] : 'a', mset ? major : -1, nset ? minor : -1, "" };
      if (!strchr ("abc", r.type) || (type && strlen (type) > 1))
        return bad (error, p, "type: a, b or c");
      int na = 0;
      for (const char *c = "rwm"; *c; c++)
        if (!access || strchr (access, *c))
          r.access[na++] = *c;
      if (access && (na == 0 || strlen (access) != (size_t) na))
        return bad (error, p, "access '%s' is not made of r, w and m", access);
      bool everything = r.type == 'a' && r.major < 0 && r.minor < 0 && na == 3;
      if (!allowed && everything && allow->len == 0 && deny->len == 0)
        {
          denied_all = true;
          continue;
        }
      if (allowed && deny->len)
        return unsupported (error, p, "an allow rule after a deny rule other than a first one that denies everything");
      g_array_append_val (allowed ? allow : deny, r);
    }
  if (!denied_all)
    {
      /* Everything allowed unless denied: a rule "a" first. */
      struct mgr_dev_rule all = { 'a', -1, -1, "rwm" };
      g_array_prepend_val (allow, all);
    }
  else
    {
      /* The devices every container gets (runc's and crun's list), after
       * the bundle's own rules, which keep their order. */
      static const struct mgr_dev_rule defaults[] = {
        { 'c', 1, 3, "rwm" }, { 'c', 1, 5, "rwm" }, { 'c', 1, 7, "rwm" },    { 'c', 1, 8, "rwm" },
        { 'c', 1, 9, "rwm" }, { 'c', 5, 0, "rwm" }, { 'c', 5, 2, "rwm" },    { 'c', 136, -1, "rwm" },
      };
      g_array_append_vals (allow, defaults, G_N_ELEMENTS (defaults));
    }
  cg->devices_allow = (struct mgr_dev_rules){ true, allow->len, (struct mgr_dev_rule *) g_array_steal (allow, NULL) };
  if (deny->len)
    cg->devices_deny = (struct mgr_dev_rules){ true, deny->len, (struct mgr_dev_rule *) g_array_steal (deny, NULL) };
  return TRUE;
}

static gboolean
throttle (JsonObject *b, const char *name, int which, MgrPlan *plan, GError **error)
{
  JsonArray *a;
  if (!get_array (b, name, "linux.resources.blockIO", &a, error))
    return FALSE;
  struct mgr_io_limits *l = &plan->cgroup.io_max;
  for (guint i = 0; a && i < json_array_get_length (a); i++)
    {
      g_autofree char *p = g_strdup_printf ("linux.resources.blockIO.%s[%u]", name, i);
      JsonNode *n = json_array_get_element (a, i);
      if (!JSON_NODE_HOLDS_OBJECT (n))
        return bad (error, p, "expected an object");
      JsonObject *o = json_node_get_object (n);
      static const char *const k[] = { "major", "minor", "rate", NULL };
      gint64 major = 0, minor = 0;
      guint64 rate = 0;
      bool s1, s2, s3;
      if (!only_known (o, p, k, error) || !get_int (o, "major", p, 0, 0xfff, &major, &s1, error)
          || !get_int (o, "minor", p, 0, 0xfffff, &minor, &s2, error) || !get_u64 (o, "rate", p, &rate, &s3, error))
        return FALSE;
      if (!s1 || !s2 || !s3)
        return bad (error, p, "major, minor and rate are required");
      struct mgr_io_limit *lim = NULL;
      for (guint j = 0; j < l->n; j++)
        if (l->v[j].major == major && l->v[j].minor == minor)
          lim = &l->v[j];
      if (!lim)
        {
          l->v = g_renew (struct mgr_io_limit, l->v, l->n + 1);
          lim = &l->v[l->n++];
          *lim = (struct mgr_io_limit){ (guint32) major, (guint32) minor, MGR_UNLIMITED, MGR_UNLIMITED, MGR_UNLIMITED,
                                        MGR_UNLIMITED };
        }
      guint64 *f[] = { &lim->rbps, &lim->wbps, &lim->riops, &lim->wiops };
      *f[which] = rate;
    }
  return TRUE;
}

static gboolean
parse_resources (JsonObject *r, MgrPlan *plan, GError **error)
{
  static const char *const known[] = { "devices", "memory", "cpu", "pids", "blockIO", "hugepageLimits", "network",
                                       "rdma", "unified", NULL };
  const char *path = "linux.resources";
  struct mgr_cgroup_settings *cg = &plan->cgroup;
  JsonArray *a;
  JsonObject *o;
  gint64 v;
  bool set;
  if (!only_known (r, path, known, error))
    return FALSE;
  if (!get_array (r, "devices", path, &a, error) || !parse_device_rules (a, plan, error))
    return FALSE;
  static const char *const empty_only[] = { "hugepageLimits", "network", "rdma", "unified" };
  for (size_t i = 0; i < G_N_ELEMENTS (empty_only); i++)
    {
      JsonNode *n = member (r, empty_only[i]);
      if (n && ((JSON_NODE_HOLDS_ARRAY (n) && json_array_get_length (json_node_get_array (n)))
                || (JSON_NODE_HOLDS_OBJECT (n) && json_object_get_size (json_node_get_object (n)))))
        {
          g_autofree char *p = sub (path, empty_only[i]);
          return unsupported (error, p, NULL);
        }
    }

  if (!get_object (r, "memory", path, &o, error))
    return FALSE;
  if (o)
    {
      static const char *const k[] = { "limit", "reservation", "swap", "kernel", "kernelTCP", "swappiness",
                                       "disableOOMKiller", "useHierarchy", "checkBeforeUpdate", NULL };
      const char *p = "linux.resources.memory";
      gint64 limit = -1, swap = -1;
      bool lset, sset, flag = false;
      if (!only_known (o, p, k, error) || !get_int (o, "limit", p, -1, G_MAXINT64, &limit, &lset, error)
          || !get_int (o, "swap", p, -1, G_MAXINT64, &swap, &sset, error))
        return FALSE;
      if (lset && limit >= 0)
        cg->memory_max = (struct mgr_u64){ true, (guint64) limit };
      if (sset && swap == -1)
        cg->memory_swap_max = (struct mgr_u64){ true, MGR_UNLIMITED };
      else if (sset && swap >= 0)
        {
          /* OCI's swap is memory and swap together (v1's memsw); mgr's is swap alone. */
          if (!lset || limit < 0 || swap < limit)
            return bad (error, "linux.resources.memory.swap", "memory and swap together: needs a limit, and at least it");
          cg->memory_swap_max = (struct mgr_u64){ true, (guint64) (swap - limit) };
        }
      static const char *const refused[] = { "reservation", "kernel", "kernelTCP", "swappiness" };
      for (size_t i = 0; i < G_N_ELEMENTS (refused); i++)
        {
          if (!get_int (o, refused[i], p, G_MININT64, G_MAXINT64, &v, &set, error))
            return FALSE;
          if (set && v != -1 && !(v == 0 && strcmp (refused[i], "reservation") == 0))
            {
              g_autofree char *pp = sub (p, refused[i]);
              return unsupported (error, pp, NULL);
            }
        }
      if (!get_bool (o, "disableOOMKiller", p, &flag, error))
        return FALSE;
      if (flag)
        return unsupported (error, "linux.resources.memory.disableOOMKiller", NULL);
      if (!get_bool (o, "useHierarchy", p, &flag, error) || !get_bool (o, "checkBeforeUpdate", p, &flag, error))
        return FALSE;
    }

  if (!get_object (r, "cpu", path, &o, error))
    return FALSE;
  if (o)
    {
      static const char *const k[] = { "shares", "quota", "period", "realtimeRuntime", "realtimePeriod", "cpus", "mems",
                                       "idle", "burst", NULL };
      const char *p = "linux.resources.cpu";
      guint64 shares = 0, period = 100000;
      gint64 quota = -1;
      bool shset, qset, pset;
      const char *s;
      if (!only_known (o, p, k, error) || !get_u64 (o, "shares", p, &shares, &shset, error)
          || !get_int (o, "quota", p, -1, G_MAXINT64, &quota, &qset, error) || !get_u64 (o, "period", p, &period, &pset, error))
        return FALSE;
      if (shset && shares)
        {
          /* mgr's cpu.weight is v2's (100 the default) and its v1 backend
           * writes weight * 1024 / 100 shares: the default 1024 shares is
           * weight 100, and a v1 host gets the shares asked for. */
          cg->cpu_weight = (struct mgr_u64){ true, CLAMP (shares * 100 / 1024, 1, 10000) };
        }
      if ((qset && quota > 0) || pset)
        cg->cpu_max = (struct mgr_cpu_max){ true, qset && quota > 0 ? (guint64) quota : MGR_UNLIMITED, pset ? period : 100000 };
      if (!get_string (o, "cpus", p, &s, error))
        return FALSE;
      if (s && *s)
        cg->cpuset_cpus = g_strdup (s);
      if (!get_string (o, "mems", p, &s, error))
        return FALSE;
      if (s && *s)
        cg->cpuset_mems = g_strdup (s);
      static const char *const refused[] = { "realtimeRuntime", "realtimePeriod", "idle", "burst" };
      for (size_t i = 0; i < G_N_ELEMENTS (refused); i++)
        {
          guint64 u;
          if (!get_u64 (o, refused[i], p, &u, &set, error))
            return FALSE;
          if (set && u)
            {
              g_autofree char *pp = sub (p, refused[i]);
              return unsupported (error, pp, NULL);
            }
        }
    }

  if (!get_object (r, "pids", path, &o, error))
    return FALSE;
  if (o)
    {
      static const char *const k[] = { "limit", NULL };
      if (!only_known (o, "linux.resources.pids", k, error)
          || !get_int (o, "limit", "linux.resources.pids", G_MININT64, G_MAXINT64, &v, &set, error))
        return FALSE;
      if (set)
        cg->pids_max = (struct mgr_u64){ true, v > 0 ? (guint64) v : MGR_UNLIMITED };
    }

  if (!get_object (r, "blockIO", path, &o, error))
    return FALSE;
  if (o)
    {
      static const char *const k[] = { "weight", "leafWeight", "weightDevice", "throttleReadBpsDevice",
                                       "throttleWriteBpsDevice", "throttleReadIOPSDevice", "throttleWriteIOPSDevice", NULL };
      const char *p = "linux.resources.blockIO";
      if (!only_known (o, p, k, error) || !get_int (o, "weight", p, 0, 1000, &v, &set, error))
        return FALSE;
      /* blkio's 10..1000 onto io.weight's 1..10000. */
      if (set && v)
        cg->io_weight = (struct mgr_u64){ true, 1 + ((CLAMP (v, 10, 1000) - 10) * 9999) / 990 };
      if (!get_int (o, "leafWeight", p, 0, 1000, &v, &set, error))
        return FALSE;
      if (set && v)
        return unsupported (error, "linux.resources.blockIO.leafWeight", NULL);
      if (!get_array (o, "weightDevice", p, &a, error))
        return FALSE;
      if (a && json_array_get_length (a))
        return unsupported (error, "linux.resources.blockIO.weightDevice", NULL);
      if (!throttle (o, "throttleReadBpsDevice", 0, plan, error) || !throttle (o, "throttleWriteBpsDevice", 1, plan, error)
          || !throttle (o, "throttleReadIOPSDevice", 2, plan, error) || !throttle (o, "throttleWriteIOPSDevice", 3, plan, error))
        return FALSE;
    }
  return TRUE;
}

static const struct
{
  const char *name;
  int flag;
  int index; /* in ns_join, or -1: not joinable here */
} ns_types[] = {
  { "pid", CLONE_NEWPID, MGR_NS_PID },   { "network", CLONE_NEWNET, MGR_NS_NET },
  { "ipc", CLONE_NEWIPC, MGR_NS_IPC },   { "uts", CLONE_NEWUTS, MGR_NS_UTS },
  { "cgroup", CLONE_NEWCGROUP, MGR_NS_CGROUP }, { "mount", CLONE_NEWNS, MGR_NS_MNT },
  { "user", CLONE_NEWUSER, -1 },
};

static gboolean
parse_namespaces (JsonArray *a, MgrPlan *plan, GError **error)
{
  struct mgr_oci_settings *oci = &plan->oci;
  int seen = 0;
  for (guint i = 0; a && i < json_array_get_length (a); i++)
    {
      g_autofree char *p = g_strdup_printf ("linux.namespaces[%u]", i);
      JsonNode *n = json_array_get_element (a, i);
      if (!JSON_NODE_HOLDS_OBJECT (n))
        return bad (error, p, "expected an object");
      JsonObject *o = json_node_get_object (n);
      static const char *const k[] = { "type", "path", NULL };
      const char *type, *path;
      if (!only_known (o, p, k, error) || !get_string (o, "type", p, &type, error) || !get_string (o, "path", p, &path, error))
        return FALSE;
      int t = -1;
      for (size_t j = 0; type && j < G_N_ELEMENTS (ns_types); j++)
        if (strcmp (type, ns_types[j].name) == 0)
          t = (int) j;
      if (t < 0)
        {
          g_autofree char *pt = g_strdup_printf ("%s.type", p);
          return type && strcmp (type, "time") == 0 ? unsupported (error, pt, "time namespaces")
                                                    : bad (error, pt, "'%s' is not a namespace type", type ? type : "");
        }
      if (seen & ns_types[t].flag)
        return bad (error, p, "%s is listed twice", type);
      seen |= ns_types[t].flag;
      if (path && *path)
        {
          g_autofree char *pp = g_strdup_printf ("%s.path", p);
          if (ns_types[t].index < 0)
            return unsupported (error, pp, "joining an existing user namespace");
          if (path[0] != '/')
            return bad (error, pp, "an absolute path is required");
          oci->ns_join[ns_types[t].index] = g_strdup (path);
        }
      else
        oci->ns_flags |= ns_types[t].flag;
    }
  if (!(oci->ns_flags & CLONE_NEWNS) && !oci->ns_join[MGR_NS_MNT])
    return unsupported (error, "linux.namespaces", "a container without a mount namespace of its own");
  plan->user_namespace = oci->ns_flags & CLONE_NEWUSER;
  plan->share_host_net = !(oci->ns_flags & CLONE_NEWNET);
  return TRUE;
}

static gboolean
parse_linux (JsonObject *l, MgrPlan *plan, MgrSeccomp *seccomp, GError **error);
static gboolean parse_resources (JsonObject *r, MgrPlan *plan, GError **error);

MgrPlan *
mgr_oci_plan (const char *json, gsize len, const char *bundle, const char *id, MgrSeccomp *seccomp, GError **error)
{
  g_autoptr (JsonParser) parser = json_parser_new ();
  g_autoptr (MgrPlan) plan = g_new0 (MgrPlan, 1);
  g_autoptr (GError) e = NULL;
  *seccomp = (MgrSeccomp){ 0 };
  if (!json_parser_load_from_data (parser, json, (gssize) len, &e))
    {
      g_set_error (error, MGR_ERROR, MGR_ERROR_SYNTAX, "config.json in %s: %s", bundle, e->message);
      return NULL;
    }
  JsonNode *root = json_parser_get_root (parser);
  if (!root || !JSON_NODE_HOLDS_OBJECT (root))
    return bad (error, "(top)", "expected an object"), NULL;
  JsonObject *top = json_node_get_object (root);
  static const char *const known[] = { "ociVersion", "process", "root", "hostname", "domainname", "mounts", "hooks",
                                       "annotations", "linux", NULL };
  if (!only_known (top, "", known, error))
    return NULL;
  plan->name = g_strdup (id);
  plan->dir = g_strdup (bundle);
  plan->config_path = g_build_filename (bundle, "config.json", NULL);
  plan->oci.set = true;
  plan->oci.id = g_strdup (id);
  plan->oci.exec_fifo = -1;
  plan->oci.state_fd = -1;
  plan->container.stop_signal = SIGTERM;

  const char *s;
  if (!get_string (top, "ociVersion", "", &s, error))
    return NULL;
  if (!s || !g_str_has_prefix (s, "1."))
    return bad (error, "ociVersion", "'%s': mgr-oci speaks version 1 of the runtime spec", s ? s : ""), NULL;
  JsonObject *o;
  if (!get_object (top, "process", "", &o, error))
    return NULL;
  if (!o)
    return bad (error, "process", "required"), NULL;
  if (!parse_process (o, plan, error))
    return NULL;
  if (!get_object (top, "root", "", &o, error))
    return NULL;
  static const char *const root_known[] = { "path", "readonly", NULL };
  if (!o || !only_known (o, "root", root_known, error) || !get_string (o, "path", "root", &s, error)
      || !get_bool (o, "readonly", "root", &plan->oci.root_readonly, error))
    return o ? NULL : (bad (error, "root", "required"), NULL);
  if (!s || !*s)
    return bad (error, "root.path", "required"), NULL;
  plan->container.rootfs = s[0] == '/' ? g_canonicalize_filename (s, "/") : g_canonicalize_filename (s, bundle);
  if (!get_string (top, "hostname", "", &s, error))
    return NULL;
  if (s)
    {
      plan->container.hostname = g_strdup (s);
      plan->oci.hostname_set = true;
    }
  if (!get_string (top, "domainname", "", &s, error))
    return NULL;
  if (s && *s)
    plan->oci.domainname = g_strdup (s);
  if (!get_object (top, "hooks", "", &o, error))
    return NULL;
  if (o)
    {
      static const char *const k[] = { "prestart", "createRuntime", "createContainer", "startContainer", "poststart",
                                       "poststop", NULL };
      if (!only_known (o, "hooks", k, error))
        return NULL;
      /* The hooks the container's first process runs: prepared here. */
      struct { const char *kind; struct mgr_oci_hook **v; guint *n; } inside[] = {
        { "createContainer", &plan->oci.create_container, &plan->oci.n_create_container },
        { "startContainer", &plan->oci.start_container, &plan->oci.n_start_container },
      };
      for (size_t i = 0; i < G_N_ELEMENTS (inside); i++)
        {
          g_autoptr (GPtrArray) hooks = mgr_oci_hooks (json, len, inside[i].kind, error);
          if (!hooks)
            return NULL;
          *inside[i].n = hooks->len;
          *inside[i].v = g_new0 (struct mgr_oci_hook, hooks->len + 1);
          for (guint j = 0; j < hooks->len; j++)
            {
              MgrOciHook *h = hooks->pdata[j];
              (*inside[i].v)[j] = (struct mgr_oci_hook){ g_steal_pointer (&h->path), g_steal_pointer (&h->args),
                                                          g_steal_pointer (&h->env), h->timeout };
            }
        }
    }
  if (!get_object (top, "annotations", "", &o, error))
    return NULL;
  g_autoptr (GStrvBuilder) ab = g_strv_builder_new ();
  g_autoptr (GList) names = o ? json_object_get_members (o) : NULL;
  for (GList *l = names; l; l = l->next)
    {
      g_autofree char *p = g_strdup_printf ("annotations.%s", (char *) l->data);
      if (!get_string (o, l->data, "annotations", &s, error))
        return NULL;
      g_strv_builder_add (ab, l->data);
      g_strv_builder_add (ab, s ? s : "");
    }
  plan->oci.annotations = g_strv_builder_end (ab);

  JsonArray *a;
  if (!get_array (top, "mounts", "", &a, error))
    return NULL;
  plan->n_mounts = a ? json_array_get_length (a) : 0;
  plan->mounts = g_new0 (struct mgr_mount, plan->n_mounts + 1);
  for (guint i = 0; i < plan->n_mounts; i++)
    {
      g_autofree char *p = g_strdup_printf ("mounts[%u]", i);
      JsonNode *n = json_array_get_element (a, i);
      if (!JSON_NODE_HOLDS_OBJECT (n))
        return bad (error, p, "expected an object"), NULL;
      if (!parse_mount (json_node_get_object (n), p, bundle, &plan->mounts[i], i, error))
        return NULL;
    }
  if (!get_object (top, "linux", "", &o, error))
    return NULL;
  if (!o)
    return bad (error, "linux", "required on Linux"), NULL;
  if (!parse_linux (o, plan, seccomp, error))
    return NULL;
  /* The nodes of linux.devices are usable whatever the device rules say (runc's rule). */
  struct mgr_dev_rules *allow = &plan->cgroup.devices_allow;
  if (allow->set && plan->oci.n_devices && !(allow->n && allow->v[0].type == 'a'))
    {
      allow->v = g_renew (struct mgr_dev_rule, allow->v, allow->n + plan->oci.n_devices);
      for (guint i = 0; i < plan->oci.n_devices; i++)
        {
          const struct mgr_device_node *d = &plan->oci.devices[i];
          if (d->type != 'p')
            allow->v[allow->n++] = (struct mgr_dev_rule){ d->type, d->major, d->minor, "rwm" };
        }
    }
  if (plan->oci.hostname_set && !(plan->oci.ns_flags & CLONE_NEWUTS) && !plan->oci.ns_join[MGR_NS_UTS])
    return bad (error, "hostname", "needs a uts namespace of the container's own (linux.namespaces)"), NULL;
  if (plan->oci.domainname && !(plan->oci.ns_flags & CLONE_NEWUTS) && !plan->oci.ns_join[MGR_NS_UTS])
    return bad (error, "domainname", "needs a uts namespace of the container's own (linux.namespaces)"), NULL;
  if (plan->user_namespace && (!plan->id_map.uid.n || !plan->id_map.gid.n))
    return bad (error, "linux.uidMappings", "a user namespace needs uidMappings and gidMappings"), NULL;
  return g_steal_pointer (&plan);
}

gboolean
mgr_oci_process (MgrPlan *plan, const char *json, gsize len, GError **error)
{
  g_autoptr (JsonParser) parser = json_parser_new ();
  g_autoptr (GError) e = NULL;
  if (!json_parser_load_from_data (parser, json, (gssize) len, &e))
    return g_set_error (error, MGR_ERROR, MGR_ERROR_SYNTAX, "--process: %s", e->message), FALSE;
  JsonNode *root = json_parser_get_root (parser);
  if (!root || !JSON_NODE_HOLDS_OBJECT (root))
    return bad (error, "process", "expected an object");
  /* What the container's process set is replaced, not merged. */
  g_clear_pointer (&plan->container.init, g_strfreev);
  g_clear_pointer (&plan->container.environment, g_strfreev);
  g_clear_pointer (&plan->container.cwd, g_free);
  g_clear_pointer (&plan->oci.groups, g_free);
  plan->oci.n_groups = 0;
  plan->oci.terminal = false;
  plan->oci.cap_bounding = plan->oci.cap_effective = plan->oci.cap_permitted = 0;
  plan->oci.cap_inheritable = plan->oci.cap_ambient = 0;
  plan->caps.no_new_privs = false;
  memset (&plan->limits, 0, sizeof plan->limits);
  return parse_process (json_node_get_object (root), plan, error);
}

gboolean
mgr_oci_resources (MgrPlan *plan, const char *json, gsize len, GError **error)
{
  g_autoptr (JsonParser) parser = json_parser_new ();
  g_autoptr (GError) e = NULL;
  if (!json_parser_load_from_data (parser, json, (gssize) len, &e))
    return g_set_error (error, MGR_ERROR, MGR_ERROR_SYNTAX, "--resources: %s", e->message), FALSE;
  JsonNode *root = json_parser_get_root (parser);
  if (!root || !JSON_NODE_HOLDS_OBJECT (root))
    return bad (error, "linux.resources", "expected an object");
  return parse_resources (json_node_get_object (root), plan, error);
}

/* ---- seccomp ---------------------------------------------------------------- */

static gboolean
seccomp_action (const char *name, gint64 errno_ret, bool errno_set, const char *path, guint32 *out, GError **error)
{
  if (!name)
    return bad (error, path, "an action is required");
  if (strcmp (name, "SCMP_ACT_ALLOW") == 0)
    *out = SCMP_ACT_ALLOW;
  else if (strcmp (name, "SCMP_ACT_KILL") == 0 || strcmp (name, "SCMP_ACT_KILL_THREAD") == 0)
    *out = SCMP_ACT_KILL_THREAD;
  else if (strcmp (name, "SCMP_ACT_KILL_PROCESS") == 0)
    *out = SCMP_ACT_KILL_PROCESS;
  else if (strcmp (name, "SCMP_ACT_TRAP") == 0)
    *out = SCMP_ACT_TRAP;
  else if (strcmp (name, "SCMP_ACT_ERRNO") == 0)
    *out = SCMP_ACT_ERRNO (errno_set ? (guint32) errno_ret : EPERM);
  else if (strcmp (name, "SCMP_ACT_TRACE") == 0)
    *out = SCMP_ACT_TRACE (errno_set ? (guint32) errno_ret : EPERM);
  else if (strcmp (name, "SCMP_ACT_LOG") == 0)
    *out = SCMP_ACT_LOG;
  else if (strcmp (name, "SCMP_ACT_NOTIFY") == 0)
    return unsupported (error, path, "SCMP_ACT_NOTIFY: no listener");
  else
    return bad (error, path, "'%s' is not a seccomp action", name);
  return TRUE;
}

static gboolean
parse_seccomp (JsonObject *o, MgrSeccomp *out, GError **error)
{
  static const char *const known[] = { "defaultAction", "defaultErrnoRet", "architectures", "flags", "listenerPath",
                                       "listenerMetadata", "syscalls", NULL };
  const char *path = "linux.seccomp";
  const char *s;
  gint64 def_errno = EPERM;
  bool def_errno_set;
  JsonArray *a;
  guint32 def;
  if (!only_known (o, path, known, error) || !get_string (o, "defaultAction", path, &s, error)
      || !get_int (o, "defaultErrnoRet", path, 1, 4095, &def_errno, &def_errno_set, error)
      || !seccomp_action (s, def_errno, def_errno_set, "linux.seccomp.defaultAction", &def, error))
    return FALSE;
  if (!get_string (o, "listenerPath", path, &s, error))
    return FALSE;
  if (s && *s)
    return unsupported (error, "linux.seccomp.listenerPath", NULL);
  g_auto (GStrv) flags = NULL;
  if (!get_array (o, "flags", path, &a, error) || !string_array (a, "linux.seccomp.flags", &flags, error))
    return FALSE;
  /* Filter flags change how the filter is loaded (logging, the
   * speculative-store-bypass mitigation): mgr loads with none. */
  if (flags[0])
    return unsupported (error, "linux.seccomp.flags[0]", flags[0]);
  scmp_filter_ctx ctx = seccomp_init (def);
  if (!ctx)
    return g_set_error (error, MGR_ERROR, MGR_ERROR_FAILED, "seccomp_init failed"), FALSE;
  g_auto (GStrv) arches = NULL;
  gboolean ok = get_array (o, "architectures", path, &a, error) && string_array (a, "linux.seccomp.architectures", &arches, error);
  for (guint i = 0; ok && arches[i]; i++)
    {
      g_autofree char *lower = g_ascii_strdown (g_str_has_prefix (arches[i], "SCMP_ARCH_") ? arches[i] + 10 : arches[i], -1);
      guint32 arch = seccomp_arch_resolve_name (lower);
      if (!arch)
        {
          g_autofree char *p = g_strdup_printf ("linux.seccomp.architectures[%u]", i);
          ok = bad (error, p, "'%s' is not an architecture libseccomp knows", arches[i]);
        }
      else if (arch != seccomp_arch_native ())
        {
          int r = seccomp_arch_add (ctx, arch);
          if (r < 0 && r != -EEXIST)
            {
              g_autofree char *p = g_strdup_printf ("linux.seccomp.architectures[%u]", i);
              ok = bad (error, p, "%s", g_strerror (-r));
            }
        }
    }
  JsonArray *calls = NULL;
  ok = ok && get_array (o, "syscalls", path, &calls, error);
  for (guint i = 0; ok && calls && i < json_array_get_length (calls); i++)
    {
      g_autofree char *p = g_strdup_printf ("linux.seccomp.syscalls[%u]", i);
      JsonNode *n = json_array_get_element (calls, i);
      if (!JSON_NODE_HOLDS_OBJECT (n))
        {
          ok = bad (error, p, "expected an object");
          break;
        }
      JsonObject *c = json_node_get_object (n);
      static const char *const k[] = { "names", "action", "errnoRet", "args", NULL };
      g_auto (GStrv) names = NULL;
      gint64 eret = EPERM;
      bool eset;
      guint32 action;
      JsonArray *na, *args;
      g_autofree char *pn = g_strdup_printf ("%s.names", p), *pa = g_strdup_printf ("%s.action", p);
      if (!only_known (c, p, k, error) || !get_array (c, "names", p, &na, error) || !string_array (na, pn, &names, error)
          || !get_string (c, "action", p, &s, error) || !get_int (c, "errnoRet", p, 1, 4095, &eret, &eset, error)
          || !seccomp_action (s, eret, eset, pa, &action, error) || !get_array (c, "args", p, &args, error))
        {
          ok = FALSE;
          break;
        }
      guint nargs = args ? json_array_get_length (args) : 0;
      if (nargs > 6)
        {
          ok = bad (error, p, "at most 6 args");
          break;
        }
      struct scmp_arg_cmp cmp[6];
      for (guint j = 0; ok && j < nargs; j++)
        {
          g_autofree char *pj = g_strdup_printf ("%s.args[%u]", p, j);
          JsonNode *an = json_array_get_element (args, j);
          JsonObject *ao = JSON_NODE_HOLDS_OBJECT (an) ? json_node_get_object (an) : NULL;
          static const char *const ak[] = { "index", "value", "valueTwo", "op", NULL };
          static const struct { const char *name; enum scmp_compare op; } ops[] = {
            { "SCMP_CMP_NE", SCMP_CMP_NE }, { "SCMP_CMP_LT", SCMP_CMP_LT }, { "SCMP_CMP_LE", SCMP_CMP_LE },
            { "SCMP_CMP_EQ", SCMP_CMP_EQ }, { "SCMP_CMP_GE", SCMP_CMP_GE }, { "SCMP_CMP_GT", SCMP_CMP_GT },
            { "SCMP_CMP_MASKED_EQ", SCMP_CMP_MASKED_EQ },
          };
          gint64 index = 0;
          guint64 value = 0, two = 0;
          bool s1, s2, s3;
          const char *op;
          if (!ao)
            ok = bad (error, pj, "expected an object");
          else if (!only_known (ao, pj, ak, error) || !get_int (ao, "index", pj, 0, 5, &index, &s1, error)
                   || !get_u64 (ao, "value", pj, &value, &s2, error) || !get_u64 (ao, "valueTwo", pj, &two, &s3, error)
                   || !get_string (ao, "op", pj, &op, error))
            ok = FALSE;
          else
            {
              int found = -1;
              for (size_t q = 0; op && q < G_N_ELEMENTS (ops); q++)
                if (strcmp (op, ops[q].name) == 0)
                  found = (int) q;
              if (found < 0)
                ok = bad (error, pj, "op '%s' is not a seccomp comparison", op ? op : "");
              else
                cmp[j] = (struct scmp_arg_cmp){ (unsigned) index, ops[found].op, value, two };
            }
        }
      if (!ok)
        break;
      /* A rule whose action is the default one changes nothing (libseccomp
       * refuses it); a name this libseccomp does not know cannot be called
       * on this kernel either (runc and crun skip both alike). */
      if (action == def)
        continue;
      for (guint j = 0; ok && names[j]; j++)
        {
          int nr = seccomp_syscall_resolve_name (names[j]);
          if (nr == __NR_SCMP_ERROR)
            continue;
          int r = seccomp_rule_add_array (ctx, action, nr, nargs, cmp);
          if (r < 0)
            {
              g_autofree char *pj = g_strdup_printf ("%s.names[%u]", p, j);
              ok = bad (error, pj, "%s: libseccomp refuses the rule: %s", names[j], g_strerror (-r));
            }
        }
    }
  if (ok)
    ok = mgr_seccomp_export (ctx, "linux.seccomp", out, error);
  seccomp_release (ctx);
  return ok;
}

/* A sysctl is written through the container's /proc before /proc/sys is
 * made read-only: one that its namespaces do not isolate would change the
 * host (kernel.core_pattern runs a program as host root). As runc does,
 * only the IPC, network and UTS namespaces' sysctls are taken, and only
 * when the container has that namespace, its own or a joined one that is
 * not the host's (a pod's sysctls come from its author, not the node's
 * administrator). */
static gboolean
check_sysctl (const MgrPlan *plan, const char *key, const char *p, GError **error)
{
  static const char *const ipc_keys[] = { "kernel.msgmax", "kernel.msgmnb", "kernel.msgmni", "kernel.sem",
                                          "kernel.shmall", "kernel.shmmax", "kernel.shmmni", "kernel.shm_rmid_forced" };
  static const struct { int flag, index; const char *name, *proc; } kinds[] = {
    { CLONE_NEWIPC, MGR_NS_IPC, "ipc", "/proc/self/ns/ipc" },
    { CLONE_NEWNET, MGR_NS_NET, "network", "/proc/self/ns/net" },
    { CLONE_NEWUTS, MGR_NS_UTS, "uts", "/proc/self/ns/uts" },
  };
  int kind = -1;
  for (size_t i = 0; i < G_N_ELEMENTS (ipc_keys); i++)
    if (strcmp (key, ipc_keys[i]) == 0)
      kind = 0;
  if (g_str_has_prefix (key, "fs.mqueue."))
    kind = 0;
  else if (g_str_has_prefix (key, "net."))
    kind = 1;
  else if (strcmp (key, "kernel.hostname") == 0 || strcmp (key, "kernel.domainname") == 0)
    kind = 2;
  if (kind < 0)
    return bad (error, p, "not a namespaced sysctl: it would change the host (only kernel.msg*, kernel.sem, kernel.shm*, "
                "fs.mqueue.*, net.*, kernel.hostname and kernel.domainname are taken)");
  const char *join = plan->oci.ns_join[kinds[kind].index];
  if (!(plan->oci.ns_flags & kinds[kind].flag) && !join)
    return bad (error, p, "needs a %s namespace of the container's (linux.namespaces): with the host's it would change the host",
                kinds[kind].name);
  struct stat a, b;
  if (join && stat (join, &a) == 0 && stat (kinds[kind].proc, &b) == 0 && a.st_dev == b.st_dev && a.st_ino == b.st_ino)
    return bad (error, p, "the %s namespace joined (%s) is the host's: the sysctl would change the host", kinds[kind].name,
                join);
  return TRUE;
}

static gboolean
parse_linux (JsonObject *l, MgrPlan *plan, MgrSeccomp *seccomp, GError **error)
{
  static const char *const known[] = { "uidMappings", "gidMappings", "sysctl", "resources", "cgroupsPath", "namespaces",
                                       "devices", "seccomp", "rootfsPropagation", "maskedPaths", "readonlyPaths",
                                       "mountLabel", "intelRdt", "personality", "timeOffsets", NULL };
  const char *path = "linux";
  struct mgr_oci_settings *oci = &plan->oci;
  JsonArray *a;
  JsonObject *o;
  const char *s;
  if (!only_known (l, path, known, error))
    return FALSE;
  static const char *const refused[] = { "intelRdt", "personality", "timeOffsets" };
  for (size_t i = 0; i < G_N_ELEMENTS (refused); i++)
    if (member (l, refused[i]))
      {
        g_autofree char *p = sub (path, refused[i]);
        return unsupported (error, p, NULL);
      }
  if (!get_string (l, "mountLabel", path, &s, error))
    return FALSE;
  if (s && *s)
    return unsupported (error, "linux.mountLabel", "mgr confines without an LSM; leave it empty");
  if (!get_array (l, "namespaces", path, &a, error) || !parse_namespaces (a, plan, error))
    return FALSE;
  if (!get_array (l, "uidMappings", path, &a, error) || !parse_idmap (a, "linux.uidMappings", &plan->id_map.uid, error)
      || !get_array (l, "gidMappings", path, &a, error) || !parse_idmap (a, "linux.gidMappings", &plan->id_map.gid, error))
    return FALSE;
  if (plan->id_map.uid.n && !plan->user_namespace)
    return bad (error, "linux.uidMappings", "mappings need a user namespace in linux.namespaces");
  if (!get_object (l, "sysctl", path, &o, error))
    return FALSE;
  g_autoptr (GStrvBuilder) sb = g_strv_builder_new ();
  g_autoptr (GList) keys = o ? json_object_get_members (o) : NULL;
  for (GList *k = keys; k; k = k->next)
    {
      g_autofree char *p = g_strdup_printf ("linux.sysctl.%s", (char *) k->data);
      if (!get_string (o, k->data, "linux.sysctl", &s, error))
        return FALSE;
      if (strstr (k->data, "..") || strchr (k->data, '=') || ((char *) k->data)[0] == '.' || ((char *) k->data)[0] == '/')
        return bad (error, p, "not a sysctl name");
      if (!check_sysctl (plan, k->data, p, error))
        return FALSE;
      g_autofree char *kv = g_strdup_printf ("%s=%s", (char *) k->data, s ? s : "");
      g_strv_builder_add (sb, kv);
    }
  oci->sysctl = g_strv_builder_end (sb);
  if (!get_object (l, "resources", path, &o, error) || (o && !parse_resources (o, plan, error)))
    return FALSE;
  if (!get_string (l, "cgroupsPath", path, &s, error))
    return FALSE;
  if (s && *s)
    {
      if (strchr (s, ':'))
        return bad (error, "linux.cgroupsPath", "'%s' is systemd's slice:prefix:name form, and mgr-oci has no systemd "
                    "cgroup backend: configure the engine for cgroupfs (podman: --cgroup-manager cgroupfs)", s);
      g_autofree char *canon = g_canonicalize_filename (s, "/");
      if (strcmp (canon, "/") == 0)
        return bad (error, "linux.cgroupsPath", "the root cgroup cannot be a container's");
      oci->cgroups_path = g_strdup (canon + 1);
    }
  if (!get_array (l, "devices", path, &a, error) || !parse_devices (a, plan, error))
    return FALSE;
  if (!get_string (l, "rootfsPropagation", path, &s, error))
    return FALSE;
  if (s && *s)
    {
      static const struct { const char *name; unsigned long flags; } props[] = {
        { "private", MS_PRIVATE }, { "rprivate", MS_PRIVATE | MS_REC }, { "slave", MS_SLAVE },
        { "rslave", MS_SLAVE | MS_REC }, { "shared", MS_SHARED }, { "rshared", MS_SHARED | MS_REC },
        { "unbindable", MS_UNBINDABLE }, { "runbindable", MS_UNBINDABLE | MS_REC },
      };
      for (size_t i = 0; i < G_N_ELEMENTS (props); i++)
        if (strcmp (s, props[i].name) == 0)
          oci->root_propagation = props[i].flags;
      if (!oci->root_propagation)
        return bad (error, "linux.rootfsPropagation", "'%s' is not a propagation", s);
    }
  if (!get_array (l, "maskedPaths", path, &a, error) || !string_array (a, "linux.maskedPaths", &oci->masked, error)
      || !get_array (l, "readonlyPaths", path, &a, error) || !string_array (a, "linux.readonlyPaths", &oci->readonly, error))
    return FALSE;
  for (char **lists[] = { oci->masked, oci->readonly }, ***lp = lists; lp < lists + 2; lp++)
    for (guint i = 0; (*lp)[i]; i++)
      if ((*lp)[i][0] != '/')
        return bad (error, lp == lists ? "linux.maskedPaths" : "linux.readonlyPaths", "'%s': an absolute path is required",
                    (*lp)[i]);
  if (!get_object (l, "seccomp", path, &o, error))
    return FALSE;
  if (o && !parse_seccomp (o, seccomp, error))
    return FALSE;
  return TRUE;
}

/* ---- hooks ---------------------------------------------------------------- */

static void
hook_free (MgrOciHook *h)
{
  g_free (h->path);
  g_strfreev (h->args);
  g_strfreev (h->env);
  g_free (h);
}

GPtrArray *
mgr_oci_hooks (const char *json, gsize len, const char *kind, GError **error)
{
  g_autoptr (JsonParser) parser = json_parser_new ();
  g_autoptr (GPtrArray) out = g_ptr_array_new_with_free_func ((GDestroyNotify) hook_free);
  if (!json_parser_load_from_data (parser, json, (gssize) len, error))
    return NULL;
  JsonNode *root = json_parser_get_root (parser);
  JsonObject *top = root && JSON_NODE_HOLDS_OBJECT (root) ? json_node_get_object (root) : NULL;
  JsonObject *hooks;
  JsonArray *a;
  if (!get_object (top, "hooks", "", &hooks, error) || !get_array (hooks, kind, "hooks", &a, error))
    return NULL;
  for (guint i = 0; a && i < json_array_get_length (a); i++)
    {
      g_autofree char *p = g_strdup_printf ("hooks.%s[%u]", kind, i);
      JsonNode *n = json_array_get_element (a, i);
      if (!JSON_NODE_HOLDS_OBJECT (n))
        return bad (error, p, "expected an object"), NULL;
      JsonObject *o = json_node_get_object (n);
      static const char *const k[] = { "path", "args", "env", "timeout", NULL };
      const char *path;
      JsonArray *args, *env;
      gint64 timeout = 0;
      MgrOciHook *h = g_new0 (MgrOciHook, 1);
      g_ptr_array_add (out, h);
      g_autofree char *pa = g_strdup_printf ("%s.args", p), *pe = g_strdup_printf ("%s.env", p);
      if (!only_known (o, p, k, error) || !get_string (o, "path", p, &path, error) || !get_array (o, "args", p, &args, error)
          || !get_array (o, "env", p, &env, error) || !get_int (o, "timeout", p, 1, G_MAXINT, &timeout, NULL, error)
          || !string_array (args, pa, &h->args, error) || !string_array (env, pe, &h->env, error))
        return NULL;
      if (!path || path[0] != '/')
        return bad (error, p, "path: an absolute path is required"), NULL;
      h->path = g_strdup (path);
      h->timeout = (int) timeout;
      if (!h->args[0])
        {
          g_strfreev (h->args);
          h->args = g_new0 (char *, 2);
          h->args[0] = g_strdup (path);
        }
    }
  return g_steal_pointer (&out);
}

gboolean
mgr_oci_hooks_run (GPtrArray *hooks, const char *kind, const char *state_json, GError **error)
{
  for (guint i = 0; hooks && i < hooks->len; i++)
    {
      MgrOciHook *h = hooks->pdata[i];
      int in[2], err[2];
      if (pipe2 (in, O_CLOEXEC) < 0 || pipe2 (err, O_CLOEXEC) < 0)
        return g_set_error (error, MGR_ERROR, MGR_ERROR_FAILED, "hooks.%s[%u]: pipe: %s", kind, i, g_strerror (errno)),
               FALSE;
      pid_t pid = fork ();
      if (pid == 0)
        {
          dup2 (in[0], 0);
          dup2 (err[1], 2);
          execve (h->path, h->args, h->env);
          dprintf (2, "cannot execute %s: %s", h->path, strerror (errno));
          _exit (127);
        }
      close (in[0]);
      close (err[1]);
      /* A hook that does not read its stdin must not stall us. */
      signal (SIGPIPE, SIG_IGN);
      if (pid > 0)
        (void) !write (in[1], state_json, strlen (state_json));
      close (in[1]);
      int status = 0;
      bool timed_out = false;
      gint64 deadline = h->timeout ? g_get_monotonic_time () + (gint64) h->timeout * G_USEC_PER_SEC : 0;
      while (pid > 0)
        {
          pid_t r = waitpid (pid, &status, deadline ? WNOHANG : 0);
          if (r == pid || (r < 0 && errno != EINTR))
            break;
          if (r == 0 && g_get_monotonic_time () > deadline)
            {
              kill (pid, SIGKILL);
              timed_out = true;
              deadline = 0;
            }
          else if (r == 0)
            g_usleep (10000);
        }
      char buf[512];
      ssize_t n = read (err[0], buf, sizeof buf - 1);
      close (err[0]);
      buf[n > 0 ? n : 0] = '\0';
      g_strchomp (buf);
      if (pid < 0 || timed_out || !WIFEXITED (status) || WEXITSTATUS (status) != 0)
        return g_set_error (error, MGR_ERROR, MGR_ERROR_FAILED, "hooks.%s[%u] %s: %s%s%s", kind, i, h->path,
                            pid < 0 ? "fork failed" : timed_out ? "timed out" : "failed", *buf ? ": " : "", buf),
               FALSE;
    }
  return TRUE;
}

/* ---- the record ------------------------------------------------------------- */

static const char *const status_names[] = { "creating", "created", "running", "paused", "stopped" };

const char *
mgr_oci_status_name (MgrOciStatus s)
{
  return status_names[s];
}

gboolean
mgr_oci_id_valid (const char *id, GError **error)
{
  if (!id || !*id || strlen (id) > 1024 || strchr (id, '/') || strcmp (id, ".") == 0 || strcmp (id, "..") == 0)
    return g_set_error (error, MGR_ERROR, MGR_ERROR_USAGE, "'%s' is not a container id (a file name: no '/', not . or ..)",
                        id ? id : ""), FALSE;
  for (const char *c = id; *c; c++)
    if ((unsigned char) *c < 0x20 || *c == 0x7f)
      return g_set_error (error, MGR_ERROR, MGR_ERROR_USAGE, "a container id holds no control characters"), FALSE;
  return TRUE;
}

/* state.json holds a pid, its start time and a cgroup that kill, delete
 * and exec act on as root: whoever can write or replace it there chooses a
 * host process to signal or a host cgroup to empty and remove. So the
 * state folder, and each folder above it, must belong to root or to the
 * caller and be writable by nobody else, unless sticky (/tmp: others
 * cannot rename or remove what is ours there). */
gboolean
mgr_oci_root_check (const char *root, GError **error)
{
  g_autofree char *abs = g_canonicalize_filename (root, NULL);
  uid_t me = geteuid ();
  for (char *p = abs; p;)
    {
      char *slash = strchr (p + 1, '/');
      if (slash)
        *slash = '\0';
      struct stat st;
      const char *path = *abs ? abs : "/";
      if (lstat (path, &st) < 0)
        {
          if (errno == ENOENT)
            return TRUE; /* create makes the rest, 0700 */
          return g_set_error (error, MGR_ERROR, MGR_ERROR_IO, "--root %s: %s: %s", root, path, g_strerror (errno)), FALSE;
        }
      if (S_ISLNK (st.st_mode) && stat (path, &st) < 0)
        return g_set_error (error, MGR_ERROR, MGR_ERROR_IO, "--root %s: %s: %s", root, path, g_strerror (errno)), FALSE;
      if (!S_ISDIR (st.st_mode))
        return g_set_error (error, MGR_ERROR, MGR_ERROR_USAGE, "--root %s: %s is not a folder", root, path), FALSE;
      if ((st.st_uid != 0 && st.st_uid != me) || ((st.st_mode & 022) && !(st.st_mode & S_ISVTX)))
        return g_set_error (error, MGR_ERROR, MGR_ERROR_USAGE,
                            "--root %s: %s belongs to uid %u with mode %04o: another user could plant the state of a "
                            "container there (a pid to signal, a cgroup to remove); use a folder only root can write to",
                            root, path, (unsigned) st.st_uid, (unsigned) (st.st_mode & 07777)), FALSE;
      if (!slash)
        break;
      *slash = '/';
      p = slash;
    }
  return TRUE;
}

void
mgr_oci_record_clear (MgrOciRecord *r)
{
  g_free (r->id);
  g_free (r->dir);
  g_free (r->bundle);
  g_free (r->created);
  g_free (r->config);
  g_free (r->cgroup);
  g_strfreev (r->annotations);
  *r = (MgrOciRecord){ 0 };
}

gboolean
mgr_oci_record_load (const char *root, const char *id, MgrOciRecord *r, GError **error)
{
  *r = (MgrOciRecord){ 0 };
  if (!mgr_oci_id_valid (id, error))
    return FALSE;
  r->id = g_strdup (id);
  r->dir = g_build_filename (root, id, NULL);
  r->config = g_build_filename (r->dir, "config.json", NULL);
  struct stat st;
  if (lstat (r->dir, &st) < 0 || !S_ISDIR (st.st_mode))
    {
      g_set_error (error, MGR_ERROR, MGR_ERROR_NOT_FOUND, "container %s does not exist (in %s)", id, root);
      mgr_oci_record_clear (r);
      return FALSE;
    }
  g_autofree char *path = g_build_filename (r->dir, "state.json", NULL);
  gsize len;
  g_autofree char *text = mgr_read_regular_at (AT_FDCWD, path, 1 << 20, &len);
  if (!text)
    return TRUE; /* still being created */
  g_autoptr (JsonParser) parser = json_parser_new ();
  if (!json_parser_load_from_data (parser, text, (gssize) len, error))
    {
      g_prefix_error (error, "%s: ", path);
      mgr_oci_record_clear (r);
      return FALSE;
    }
  JsonNode *rn = json_parser_get_root (parser);
  JsonObject *o = rn && JSON_NODE_HOLDS_OBJECT (rn) ? json_node_get_object (rn) : NULL;
  if (!o)
    {
      g_set_error (error, MGR_ERROR, MGR_ERROR_SYNTAX, "%s: not an object", path);
      mgr_oci_record_clear (r);
      return FALSE;
    }
  r->pid = (pid_t) json_object_get_int_member_with_default (o, "pid", 0);
  r->start = (guint64) json_object_get_int_member_with_default (o, "start", 0);
  r->bundle = g_strdup (json_object_get_string_member_with_default (o, "bundle", ""));
  r->created = g_strdup (json_object_get_string_member_with_default (o, "created", ""));
  r->cgroup = g_strdup (json_object_get_string_member_with_default (o, "cgroup", ""));
  JsonObject *ann = json_object_has_member (o, "annotations") ? json_object_get_object_member (o, "annotations") : NULL;
  g_autoptr (GStrvBuilder) b = g_strv_builder_new ();
  g_autoptr (GList) members = ann ? json_object_get_members (ann) : NULL;
  for (GList *l = members; l; l = l->next)
    {
      g_strv_builder_add (b, l->data);
      g_strv_builder_add (b, json_object_get_string_member_with_default (ann, l->data, ""));
    }
  r->annotations = g_strv_builder_end (b);
  return TRUE;
}

gboolean
mgr_oci_record_save (const MgrOciRecord *r, GError **error)
{
  g_autoptr (JsonBuilder) b = json_builder_new ();
  json_builder_begin_object (b);
  json_builder_set_member_name (b, "pid");
  json_builder_add_int_value (b, r->pid);
  json_builder_set_member_name (b, "start");
  json_builder_add_int_value (b, (gint64) r->start);
  json_builder_set_member_name (b, "bundle");
  json_builder_add_string_value (b, r->bundle);
  json_builder_set_member_name (b, "created");
  json_builder_add_string_value (b, r->created);
  json_builder_set_member_name (b, "cgroup");
  json_builder_add_string_value (b, r->cgroup ? r->cgroup : "");
  json_builder_set_member_name (b, "annotations");
  json_builder_begin_object (b);
  for (guint i = 0; r->annotations && r->annotations[i] && r->annotations[i + 1]; i += 2)
    {
      json_builder_set_member_name (b, r->annotations[i]);
      json_builder_add_string_value (b, r->annotations[i + 1]);
    }
  json_builder_end_object (b);
  json_builder_end_object (b);
  g_autoptr (JsonNode) root = json_builder_get_root (b);
  g_autofree char *text = json_to_string (root, FALSE);
  g_autofree char *path = g_build_filename (r->dir, "state.json", NULL);
  return mgr_write_file_atomic (path, text, -1, 0600, error);
}

MgrOciStatus
mgr_oci_status (const MgrOciRecord *r)
{
  if (!r->pid)
    return MGR_OCI_CREATING;
  if (!r->start || mgr_proc_start_time (r->pid) != r->start)
    return MGR_OCI_STOPPED;
  g_autofree char *fifo = g_build_filename (r->dir, "exec.fifo", NULL);
  if (access (fifo, F_OK) == 0)
    return MGR_OCI_CREATED;
  /* Frozen: the freezer of its cgroup says so (only read when asked). */
  g_autofree char *frozen = g_build_filename (r->dir, "paused", NULL);
  if (access (frozen, F_OK) == 0)
    return MGR_OCI_PAUSED;
  return MGR_OCI_RUNNING;
}

char *
mgr_oci_state_json (const MgrOciRecord *r, MgrOciStatus s, bool pretty)
{
  g_autoptr (JsonBuilder) b = json_builder_new ();
  json_builder_begin_object (b);
  json_builder_set_member_name (b, "ociVersion");
  json_builder_add_string_value (b, MGR_OCI_VERSION);
  json_builder_set_member_name (b, "id");
  json_builder_add_string_value (b, r->id);
  json_builder_set_member_name (b, "status");
  json_builder_add_string_value (b, mgr_oci_status_name (s));
  if (s != MGR_OCI_STOPPED && r->pid)
    {
      json_builder_set_member_name (b, "pid");
      json_builder_add_int_value (b, r->pid);
    }
  json_builder_set_member_name (b, "bundle");
  json_builder_add_string_value (b, r->bundle ? r->bundle : "");
  json_builder_set_member_name (b, "created");
  json_builder_add_string_value (b, r->created ? r->created : "");
  json_builder_set_member_name (b, "annotations");
  json_builder_begin_object (b);
  for (guint i = 0; r->annotations && r->annotations[i] && r->annotations[i + 1]; i += 2)
    {
      json_builder_set_member_name (b, r->annotations[i]);
      json_builder_add_string_value (b, r->annotations[i + 1]);
    }
  json_builder_end_object (b);
  json_builder_end_object (b);
  g_autoptr (JsonNode) root = json_builder_get_root (b);
  return json_to_string (root, pretty);
}

char *
mgr_oci_cgroup_path (const MgrPlan *plan)
{
  return plan->oci.cgroups_path ? g_strdup (plan->oci.cgroups_path) : g_build_filename ("mgr.oci", plan->oci.id, NULL);
}
