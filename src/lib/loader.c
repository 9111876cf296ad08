/* The loader: config text → plan.
 *
 * Layers, lowest first: the key table's defaults, default.conf (for the
 * single sections; its [network]/[mount] sections are copied into new
 * containers by mgr-create instead), the container's file, and -s overrides.
 * GKeyFile parses; a pre-scan of the text gives line numbers, finds keys set
 * twice (GKeyFile silently keeps the last) and lines GKeyFile would reject. */
#include "config.h"

#include <errno.h>
#include <pwd.h>
#include <string.h>
#include <sys/capability.h>
#include <sys/socket.h>
#include <unistd.h>

#include "idblock.h"
#include "loader.h"
#include "mgr-error.h"
#include "util.h"

/* Everything one load collects: error lines and where keys were written. */
typedef struct {
  GPtrArray *errors;  /* char *, one problem each */
  MgrError first_code;
  GHashTable *lines;   /* "group\nkey" and "group" → line number */
  GHashTable *explicit; /* "section.key" set by a file (not by the table) → layer */
} LoadCtx;

enum layer { LAYER_DEFAULTS = 1, LAYER_CONFIG = 2 };

static void G_GNUC_PRINTF (4, 5)
add_error (LoadCtx *c, MgrError code, const char *where, const char *fmt, ...)
{
  va_list ap;
  va_start (ap, fmt);
  g_autofree char *msg = g_strdup_vprintf (fmt, ap);
  va_end (ap);
  if (c->errors->len == 0)
    c->first_code = code;
  g_ptr_array_add (c->errors, g_strdup_printf ("%s: %s", where, msg));
}

static char *
line_key (const char *group, const char *key)
{
  return key ? g_strconcat (group, "\n", key, NULL) : g_strdup (group);
}

/* "FILE:LINE: [group] key" */
static char *
where (LoadCtx *c, const char *file, const char *group, const char *key)
{
  g_autofree char *lk = line_key (group, key);
  int line = GPOINTER_TO_INT (g_hash_table_lookup (c->lines, lk));
  g_autofree char *at = line ? g_strdup_printf ("%s:%d", file, line) : g_strdup (file);
  if (key)
    return g_strdup_printf ("%s: [%s] %s", at, group, key);
  return g_strdup_printf ("%s: [%s]", at, group);
}

static void
prescan (LoadCtx *c, const char *file, const char *text, const char *prefix)
{
  g_auto (GStrv) lines = g_strsplit (text, "\n", -1);
  g_autofree char *group = NULL;
  for (int i = 0; lines[i]; i++)
    {
      g_autofree char *l = g_strdup (lines[i]);
      g_strstrip (l);
      if (!*l || *l == '#')
        continue;
      if (*l == '[')
        {
          char *end = strrchr (l, ']');
          if (!end || end[1])
            {
              add_error (c, MGR_ERROR_SYNTAX, file, "line %d: '%s' is not a [section] header", i + 1, l);
              continue;
            }
          *end = '\0';
          g_free (group);
          group = g_strdup (g_strstrip (l + 1));
          g_autofree char *lk = g_strconcat (prefix, group, NULL);
          if (g_hash_table_contains (c->lines, lk))
            add_error (c, MGR_ERROR_SYNTAX, file, "line %d: [%s] appears twice (first at line %d); merge the two",
                       i + 1, group, GPOINTER_TO_INT (g_hash_table_lookup (c->lines, lk)));
          else
            g_hash_table_insert (c->lines, g_steal_pointer (&lk), GINT_TO_POINTER (i + 1));
          continue;
        }
      char *eq = strchr (l, '=');
      if (!eq)
        {
          add_error (c, MGR_ERROR_SYNTAX, file, "line %d: '%s' is not 'key = value'", i + 1, l);
          continue;
        }
      if (!group)
        {
          add_error (c, MGR_ERROR_SYNTAX, file, "line %d: '%s' comes before any [section]", i + 1, l);
          continue;
        }
      *eq = '\0';
      g_strstrip (l);
      g_autofree char *lk0 = line_key (group, l);
      g_autofree char *lk = g_strconcat (prefix, lk0, NULL);
      if (g_hash_table_contains (c->lines, lk))
        add_error (c, MGR_ERROR_SYNTAX, file, "line %d: [%s] %s is set twice (first at line %d); keep one",
                   i + 1, group, l, GPOINTER_TO_INT (g_hash_table_lookup (c->lines, lk)));
      else
        g_hash_table_insert (c->lines, g_steal_pointer (&lk), GINT_TO_POINTER (i + 1));
    }
}

static char *
raw_value (GKeyFile *kf, const char *group, const char *key)
{
  char *v = g_key_file_get_value (kf, group, key, NULL);
  return v ? mgr_strip_inline_comment (v) : NULL;
}

static void
parse_value (LoadCtx *c, const char *file, const char *group, const struct mgr_key *k,
             const char *text, void *section_struct)
{
  g_autoptr (GError) e = NULL;
  if (mgr_key_parse (k, text, section_struct, &e))
    return;
  g_autofree char *w = where (c, file, group, k->key);
  add_error (c, MGR_ERROR_INVALID, w, "'%s': %s; expected %s", text, e->message, k->type->accepted);
}

static void *
add_named (MgrPlan *plan, MgrSection s, const char *name)
{
  if (s == MGR_SEC_NETWORK)
    {
      plan->net = g_renew (struct mgr_net, plan->net, plan->n_net + 1);
      struct mgr_net *n = &plan->net[plan->n_net++];
      *n = (struct mgr_net){ .name = g_strdup (name) };
      return n;
    }
  plan->mounts = g_renew (struct mgr_mount, plan->mounts, plan->n_mounts + 1);
  struct mgr_mount *m = &plan->mounts[plan->n_mounts++];
  *m = (struct mgr_mount){ .name = g_strdup (name) };
  return m;
}

static char *
explicit_key (MgrSection s, const char *name, const char *key)
{
  return g_strdup_printf ("%s.%s%s%s", mgr_sections[s].name, name ? name : "", name ? "." : "", key);
}

/* Reads every group of one file into the plan. Named sections are taken only
 * from the container's own file. */
static void
read_file_layer (LoadCtx *c, MgrPlan *plan, GKeyFile *kf, const char *file, enum layer layer)
{
  g_auto (GStrv) groups = g_key_file_get_groups (kf, NULL);
  for (char **g = groups; *g; g++)
    {
      MgrSection s;
      g_autofree char *name = NULL;
      if (!mgr_section_parse (*g, &s, &name))
        {
          const char *sugg = mgr_section_suggest (*g);
          g_autofree char *w = where (c, file, *g, NULL);
          add_error (c, MGR_ERROR_UNKNOWN_SECTION, w, "unknown section%s%s%s", sugg ? "; did you mean " : "",
                     sugg ? sugg : "", sugg ? "?" : "");
          continue;
        }
      void *target;
      if (mgr_sections[s].named)
        {
          if (layer != LAYER_CONFIG)
            continue;
          if (s == MGR_SEC_NETWORK)
            {
              const struct mgr_key *k = mgr_key_find (MGR_SEC_NETWORK, "link");
              g_autofree char *dummy = NULL;
              g_autoptr (GError) e = NULL;
              if (!k->type->parse (k, name, &dummy, &e))
                {
                  g_autofree char *w = where (c, file, *g, NULL);
                  add_error (c, MGR_ERROR_INVALID, w, "'%s' is not an interface name: %s", name, e->message);
                  continue;
                }
            }
          target = add_named (plan, s, name);
        }
      else
        target = mgr_plan_section (plan, s);

      g_auto (GStrv) keys = g_key_file_get_keys (kf, *g, NULL, NULL);
      for (char **key = keys; key && *key; key++)
        {
          const struct mgr_key *k = mgr_key_find (s, *key);
          if (!k)
            {
              const char *sugg = mgr_key_suggest (s, *key);
              g_autofree char *w = where (c, file, *g, *key);
              add_error (c, MGR_ERROR_UNKNOWN_KEY, w, "unknown key%s%s%s", sugg ? "; did you mean " : "",
                         sugg ? sugg : "", sugg ? "?" : "");
              continue;
            }
          g_autofree char *v = raw_value (kf, *g, *key);
          parse_value (c, file, *g, k, v, target);
          g_hash_table_insert (c->explicit, explicit_key (s, name, k->key), GINT_TO_POINTER (layer));
        }
    }
}

/* Fills in what no file set from the table's defaults. */
static void
apply_table_defaults (LoadCtx *c, MgrSection s, const char *name, void *target)
{
  for (size_t i = 0; i < mgr_n_keys; i++)
    {
      const struct mgr_key *k = &mgr_keys[i];
      if (k->section != s || !k->def)
        continue;
      g_autofree char *ek = explicit_key (s, name, k->key);
      if (g_hash_table_contains (c->explicit, ek))
        continue;
      g_autoptr (GError) e = NULL;
      if (!mgr_key_parse (k, k->def, target, &e))
        g_error ("built-in default of [%s] %s does not parse: %s", mgr_sections[s].name, k->key, e->message);
    }
}

static int
explicit_layer (LoadCtx *c, MgrSection s, const char *name, const char *key)
{
  g_autofree char *ek = explicit_key (s, name, key);
  return GPOINTER_TO_INT (g_hash_table_lookup (c->explicit, ek));
}

static void
check_user_map (LoadCtx *c, const char *file, const MgrLoadOptions *o, const char *key,
                const struct mgr_idmap *map, const char *subfile, guint32 own)
{
  g_autoptr (GArray) ranges = mgr_subid_ranges (subfile, o->user, own);
  for (guint i = 0; i < map->n; i++)
    {
      const struct mgr_idmap_range *r = &map->r[i];
      bool ok = r->count == 1 && r->outside == own;
      for (guint j = 0; j < ranges->len && !ok; j++)
        {
          const struct mgr_idmap_range *s = &g_array_index (ranges, struct mgr_idmap_range, j);
          ok = r->outside >= s->outside && (guint64) r->outside + r->count <= (guint64) s->outside + s->count;
        }
      if (ok)
        continue;
      g_autofree char *w = where (c, file, "id_map", key);
      if (ranges->len == 0)
        add_error (c, MGR_ERROR_PERMISSION, w,
                   "%s has no range in %s; ask root to add one: usermod --add-sub%ss 100000-165535 %s",
                   o->user, subfile, strcmp (key, "uid") == 0 ? "uid" : "gid", o->user);
      else
        {
          const struct mgr_idmap_range *s = &g_array_index (ranges, struct mgr_idmap_range, 0);
          add_error (c, MGR_ERROR_PERMISSION, w,
                     "host ids %u..%u are not in %s's ranges in %s (for example %u %u %u would be)",
                     r->outside, r->outside + r->count - 1, o->user, subfile, r->inside, s->outside,
                     MIN (r->count, s->count));
        }
    }
}

static const char *
first_file_with (LoadCtx *c, MgrSection s, const char *key, const char *config, const char *defaults)
{
  return explicit_layer (c, s, NULL, key) == LAYER_DEFAULTS ? defaults : config;
}

static void
check_plan (LoadCtx *c, MgrPlan *plan, const char *file, const char *defaults, const MgrLoadOptions *o)
{
  /* [capabilities]: drop and keep exclude each other within one file; a
   * file's keep overrides the built-in or default.conf's drop. */
  int ld = explicit_layer (c, MGR_SEC_CAPABILITIES, NULL, "drop");
  int lk = explicit_layer (c, MGR_SEC_CAPABILITIES, NULL, "keep");
  if (plan->caps.keep.set && plan->caps.drop.set && ld == lk)
    {
      g_autofree char *w = where (c, ld == LAYER_DEFAULTS ? defaults : file, "capabilities", "keep");
      add_error (c, MGR_ERROR_CONFLICT, w,
                 "conflicts with [capabilities] drop; use one of them: keep lists what stays, drop what goes");
    }
  else if (plan->caps.keep.set && lk >= ld)
    plan->caps.drop = (struct mgr_caps){ 0 };
  else if (plan->caps.keep.set)
    plan->caps.keep = (struct mgr_caps){ 0 };
  guint64 all = cap_max_bits () >= 64 ? G_MAXUINT64 : (G_GUINT64_CONSTANT (1) << cap_max_bits ()) - 1;
  plan->caps.effective = plan->caps.keep.set ? plan->caps.keep.mask & all : all & ~plan->caps.drop.mask;

  /* [id_map] */
  const struct mgr_idmap *um = &plan->id_map.uid, *gm = &plan->id_map.gid;
  if (!um->n != !gm->n)
    {
      const char *missing = um->n ? "gid" : "uid";
      g_autofree char *w = where (c, first_file_with (c, MGR_SEC_ID_MAP, um->n ? "uid" : "gid", file, defaults),
                                  "id_map", missing);
      add_error (c, MGR_ERROR_MISSING, w, "missing: a user namespace needs both uid and gid ranges");
    }
  plan->user_namespace = um->n && gm->n;
  if (o->unprivileged && !um->n && !gm->n)
    add_error (c, MGR_ERROR_MISSING, file,
               "[id_map]: missing; an ordinary user's container needs one, such as [id_map] uid = 0 100000 65536 "
               "and gid = 0 100000 65536 with ranges from %s and %s", o->subuid, o->subgid);
  if (o->unprivileged && um->n)
    check_user_map (c, file, o, "uid", um, o->subuid, o->uid);
  if (o->unprivileged && gm->n)
    check_user_map (c, file, o, "gid", gm, o->subgid, o->gid);
  if (plan->container.nesting && !plan->user_namespace)
    {
      g_autofree char *w = where (c, first_file_with (c, MGR_SEC_CONTAINER, "nesting", file, defaults), "container", "nesting");
      add_error (c, MGR_ERROR_CONFLICT, w,
                 "only for user-namespaced containers: without [id_map] root inside is root on the host, and a procfs "
                 "of its own would give it the host's /proc/sys; add an [id_map] or remove nesting");
    }
  if (plan->user_namespace)
    {
      if (!mgr_idmap_to_host (um, plan->container.uid.v, NULL))
        {
          g_autofree char *w = where (c, file, "container", "uid");
          add_error (c, MGR_ERROR_CONFLICT, w, "%" G_GUINT64_FORMAT " is not mapped by [id_map] uid",
                     plan->container.uid.v);
        }
      if (!mgr_idmap_to_host (gm, plan->container.gid.v, NULL))
        {
          g_autofree char *w = where (c, file, "container", "gid");
          add_error (c, MGR_ERROR_CONFLICT, w, "%" G_GUINT64_FORMAT " is not mapped by [id_map] gid",
                     plan->container.gid.v);
        }
    }

  /* [network NAME] */
  for (guint i = 0; i < plan->n_net; i++)
    {
      struct mgr_net *n = &plan->net[i];
      g_autofree char *group = g_strdup_printf ("network %s", n->name);
      g_autofree char *wt = where (c, file, group, "type");
      static const char *const needs_link[] = { "veth", "macvlan", "phys" };
      if (n->type <= MGR_NET_PHYS && !n->link)
        add_error (c, MGR_ERROR_MISSING, wt, "%s needs link = the %s", needs_link[n->type],
                   n->type == MGR_NET_VETH ? "host bridge to attach to (such as mgrbr0)"
                   : n->type == MGR_NET_MACVLAN ? "host device to stack on" : "host device to move in");
      if (n->type >= MGR_NET_EMPTY)
        {
          static const char *const unused[] = { "link", "hwaddr", "mtu", "ipv4", "ipv4.gateway", "ipv6",
                                                "ipv6.gateway", "veth.host" };
          for (size_t j = 0; j < G_N_ELEMENTS (unused); j++)
            if (explicit_layer (c, MGR_SEC_NETWORK, n->name, unused[j]))
              {
                g_autofree char *w = where (c, file, group, unused[j]);
                add_error (c, MGR_ERROR_CONFLICT, w, "has no effect with type = %s; remove it",
                           n->type == MGR_NET_EMPTY ? "empty" : "none");
              }
        }
      if (n->type == MGR_NET_NONE && plan->n_net > 1)
        add_error (c, MGR_ERROR_CONFLICT, wt,
                   "none shares the host's network, so it must be the only [network] section");
      plan->share_host_net |= n->type == MGR_NET_NONE;
      if (n->ipv4_gateway.n && !n->ipv4.n)
        {
          g_autofree char *w = where (c, file, group, "ipv4.gateway");
          add_error (c, MGR_ERROR_MISSING, w, "needs an address on this interface: add ipv4 = ADDRESS/PREFIX");
        }
      if (n->ipv6_gateway.n && !n->ipv6.n)
        {
          g_autofree char *w = where (c, file, group, "ipv6.gateway");
          add_error (c, MGR_ERROR_MISSING, w, "needs an address on this interface: add ipv6 = ADDRESS/PREFIX");
        }
      if (n->type != MGR_NET_MACVLAN && explicit_layer (c, MGR_SEC_NETWORK, n->name, "macvlan.mode"))
        {
          g_autofree char *w = where (c, file, group, "macvlan.mode");
          add_error (c, MGR_ERROR_CONFLICT, w, "only applies to type = macvlan");
        }
      if (n->type != MGR_NET_VETH && n->veth_host)
        {
          g_autofree char *w = where (c, file, group, "veth.host");
          add_error (c, MGR_ERROR_CONFLICT, w, "only applies to type = veth");
        }
    }

  /* [mount NAME] */
  for (guint i = 0; i < plan->n_mounts; i++)
    {
      struct mgr_mount *m = &plan->mounts[i];
      g_autofree char *group = g_strdup_printf ("mount %s", m->name);
      g_autofree char *w = where (c, file, group, NULL);
      if (!m->target)
        add_error (c, MGR_ERROR_MISSING, w, "target: missing; say where inside the container, such as target = /data");
      if (m->options.bind)
        {
          if (!m->source)
            add_error (c, MGR_ERROR_MISSING, w, "source: missing; a bind mount needs the host path to bind");
          if (m->type && strcmp (m->type, "none") != 0 && strcmp (m->type, "bind") != 0)
            add_error (c, MGR_ERROR_CONFLICT, w, "type = %s conflicts with options = bind; a bind mount has no type",
                       m->type);
        }
      else if (!m->type)
        add_error (c, MGR_ERROR_MISSING, w,
                   "type: missing; give the filesystem type (such as type = tmpfs) or options = bind");
      if (m->source && !g_path_is_absolute (m->source) && plan->dir)
        {
          char *abs = g_build_filename (plan->dir, m->source, NULL);
          g_free (m->source);
          m->source = abs;
        }
      if (m->source == NULL && m->type)
        m->source = g_strdup (m->type);
    }

  /* [cgroup] optional names keys of its own section. */
  if (plan->cgroup.optional)
    {
      g_auto (GStrv) words = g_strsplit_set (plan->cgroup.optional, " ,", -1);
      for (char **w = words; *w; w++)
        if (**w && (!mgr_key_find (MGR_SEC_CGROUP, *w) || strcmp (*w, "optional") == 0))
          {
            g_autofree char *wh = where (c, file, "cgroup", "optional");
            const char *sugg = mgr_key_suggest (MGR_SEC_CGROUP, *w);
            add_error (c, MGR_ERROR_INVALID, wh, "'%s' is not a [cgroup] key%s%s%s", *w, sugg ? "; did you mean " : "",
                       sugg ? sugg : "", sugg ? "?" : "");
          }
    }

  /* [container] */
  if (!g_path_is_absolute (plan->container.rootfs) && plan->dir)
    {
      char *abs = g_build_filename (plan->dir, plan->container.rootfs, NULL);
      g_free (plan->container.rootfs);
      plan->container.rootfs = abs;
    }
  if (plan->container.console_log && !g_path_is_absolute (plan->container.console_log) && plan->dir)
    {
      char *abs = g_build_filename (plan->dir, plan->container.console_log, NULL);
      g_free (plan->container.console_log);
      plan->container.console_log = abs;
    }
  if (!plan->container.hostname)
    {
      const struct mgr_key *k = mgr_key_find (MGR_SEC_CONTAINER, "hostname");
      if (!plan->name || !mgr_key_parse (k, plan->name, &plan->container, NULL))
        mgr_key_parse (k, "mgr", &plan->container, NULL);
    }
}

static gboolean
apply_overrides (LoadCtx *c, GKeyFile *kf, const char *const *overrides, GError **error)
{
  for (const char *const *ov = overrides; ov && *ov; ov++)
    {
      const char *eq = strchr (*ov, '=');
      if (!eq)
        {
          g_set_error (error, MGR_ERROR, MGR_ERROR_USAGE, "-s %s: expected section.key=value", *ov);
          return FALSE;
        }
      g_autofree char *path = g_strndup (*ov, eq - *ov);
      MgrKeyPath kp = { 0 };
      if (!mgr_key_path_parse (g_strstrip (path), &kp, error) || !kp.key)
        {
          if (!kp.key && error && !*error)
            g_set_error (error, MGR_ERROR, MGR_ERROR_USAGE, "-s %s: name a key, not a section", *ov);
          g_prefix_error (error, "-s %s: ", *ov);
          mgr_key_path_clear (&kp);
          return FALSE;
        }
      g_key_file_set_value (kf, kp.group, kp.key->key, eq + 1);
      mgr_key_path_clear (&kp);
    }
  return TRUE;
}

static GKeyFile *
keyfile_from (LoadCtx *c, const char *file, const char *text, gssize len, const char *prefix)
{
  g_autoptr (GKeyFile) kf = g_key_file_new ();
  g_autoptr (GError) e = NULL;
  guint before = c->errors->len;
  prescan (c, file, text, prefix);
  if (c->errors->len > before)
    return NULL;
  if (!g_key_file_load_from_data (kf, text, len, G_KEY_FILE_NONE, &e))
    {
      add_error (c, MGR_ERROR_SYNTAX, file, "%s", e->message);
      return NULL;
    }
  return g_steal_pointer (&kf);
}

MgrPlan *
mgr_plan_load_data (const char *data, gssize len, const char *path, const MgrLoadOptions *o,
                    GError **error)
{
  g_autoptr (MgrPlan) plan = g_new0 (MgrPlan, 1);
  /* The text may come from anywhere (a fuzzer, an editor): make it a C string
   * and refuse what GKeyFile would misread. */
  g_autofree char *text = len < 0 ? g_strdup (data) : g_strndup (data, len);
  if ((len >= 0 && strlen (text) != (size_t) len) || !g_utf8_validate (text, -1, NULL))
    {
      g_set_error (error, MGR_ERROR, MGR_ERROR_SYNTAX, "%s: not a text file (NUL bytes or invalid UTF-8)", path);
      return NULL;
    }
  g_autoptr (GPtrArray) errors = g_ptr_array_new_with_free_func (g_free);
  g_autoptr (GHashTable) lines = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
  g_autoptr (GHashTable) explicit = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
  LoadCtx c = { errors, 0, lines, explicit };
  g_autoptr (GKeyFile) defaults = NULL;
  g_autofree char *defaults_text = NULL;
  gsize defaults_len = 0;

  plan->name = g_strdup (o->name);
  plan->config_path = g_canonicalize_filename (path, NULL);
  plan->dir = g_path_get_dirname (plan->config_path);

  if (o->defaults_path && g_file_get_contents (o->defaults_path, &defaults_text, &defaults_len, NULL))
    defaults = keyfile_from (&c, o->defaults_path, defaults_text, defaults_len, "\x01");
  g_autoptr (GKeyFile) kf = keyfile_from (&c, path, text, -1, "");
  if (kf && !apply_overrides (&c, kf, o->overrides, error))
    return NULL;

  if (defaults)
    {
      /* default.conf's lines were recorded under a prefix; errors in it
       * carry its own name and no line numbers from the container's file. */
      read_file_layer (&c, plan, defaults, o->defaults_path, LAYER_DEFAULTS);
    }
  if (kf)
    read_file_layer (&c, plan, kf, path, LAYER_CONFIG);

  for (int s = 0; s < MGR_SEC_COUNT; s++)
    if (!mgr_sections[s].named)
      apply_table_defaults (&c, s, NULL, mgr_plan_section (plan, s));
  for (guint i = 0; i < plan->n_net; i++)
    apply_table_defaults (&c, MGR_SEC_NETWORK, plan->net[i].name, &plan->net[i]);
  for (guint i = 0; i < plan->n_mounts; i++)
    apply_table_defaults (&c, MGR_SEC_MOUNT, plan->mounts[i].name, &plan->mounts[i]);

  if (errors->len == 0)
    check_plan (&c, plan, path, o->defaults_path, o);

  if (errors->len)
    {
      g_ptr_array_add (errors, NULL);
      g_autofree char *all = g_strjoinv ("\n", (char **) errors->pdata);
      g_set_error_literal (error, MGR_ERROR, c.first_code, all);
      return NULL;
    }
  return g_steal_pointer (&plan);
}

MgrPlan *
mgr_plan_load (const char *path, const MgrLoadOptions *o, GError **error)
{
  g_autofree char *text = NULL;
  gsize len;
  g_autoptr (GError) e = NULL;
  if (!g_file_get_contents (path, &text, &len, &e))
    {
      g_set_error (error, MGR_ERROR, e->code == G_FILE_ERROR_NOENT ? MGR_ERROR_NOT_FOUND : MGR_ERROR_IO,
                   "%s", e->message);
      return NULL;
    }
  return mgr_plan_load_data (text, len, path, o, error);
}

void
mgr_load_options_init (MgrLoadOptions *o, const char *name, const char *defaults_path,
                       const char *subuid, const char *subgid)
{
  /* The user's name finds their /etc/subuid and /etc/subgid lines, which
   * only an ordinary user's plan is checked against: root's loads need no
   * passwd lookup (NSS: nsswitch.conf, nscd, /etc/passwd). */
  struct passwd *pw = geteuid () != 0 ? getpwuid (geteuid ()) : NULL;
  *o = (MgrLoadOptions){
    .name = name,
    .defaults_path = defaults_path,
    .unprivileged = geteuid () != 0,
    .user = pw ? pw->pw_name : NULL,
    .uid = geteuid (),
    .gid = getegid (),
    .subuid = subuid,
    .subgid = subgid,
  };
}

/* ---- key paths --------------------------------------------------------------- */

gboolean
mgr_key_path_parse (const char *text, MgrKeyPath *out, GError **error)
{
  const char *dot = strchr (text, '.');
  g_autofree char *sec = dot ? g_strndup (text, dot - text) : g_strdup (text);
  MgrSection s = MGR_SEC_COUNT;
  *out = (MgrKeyPath){ 0 };

  for (int i = 0; i < MGR_SEC_COUNT; i++)
    if (strcmp (mgr_sections[i].name, sec) == 0)
      s = i;
  if (s == MGR_SEC_COUNT)
    {
      const char *sugg = mgr_section_suggest (sec);
      g_set_error (error, MGR_ERROR, MGR_ERROR_UNKNOWN_SECTION,
                   "%s: unknown section '%s'%s%s%s; keys are written section.key, such as cgroup.memory.max",
                   text, sec, sugg ? " (did you mean " : "", sugg ? sugg : "", sugg ? "?)" : "");
      return FALSE;
    }
  const char *rest = dot ? dot + 1 : "";
  out->section = s;
  if (!mgr_sections[s].named)
    {
      out->group = g_strdup (sec);
      out->key = mgr_key_find (s, rest);
      if (!out->key)
        {
          const char *sugg = *rest ? mgr_key_suggest (s, rest) : NULL;
          g_set_error (error, MGR_ERROR, MGR_ERROR_UNKNOWN_KEY, "%s: [%s] has no key '%s'%s%s%s", text, sec,
                       rest, sugg ? "; did you mean " : "", sugg ? sugg : "", sugg ? "?" : "");
          mgr_key_path_clear (out);
          return FALSE;
        }
      return TRUE;
    }
  /* [network NAME]: NAME may hold dots (eth0.100), so the key is the
   * longest known key that ends the text. */
  const struct mgr_key *best = NULL;
  for (size_t i = 0; i < mgr_n_keys; i++)
    {
      const struct mgr_key *k = &mgr_keys[i];
      size_t kl = strlen (k->key), rl = strlen (rest);
      if (k->section == s && rl > kl + 1 && rest[rl - kl - 1] == '.' && strcmp (rest + rl - kl, k->key) == 0
          && (!best || kl > strlen (best->key)))
        best = k;
    }
  if (!*rest)
    {
      g_set_error (error, MGR_ERROR, MGR_ERROR_USAGE, "%s: name the section, such as %s.NAME.KEY", text, sec);
      return FALSE;
    }
  out->key = best;
  out->name = best ? g_strndup (rest, strlen (rest) - strlen (best->key) - 1) : g_strdup (rest);
  out->group = g_strdup_printf ("%s %s", sec, out->name);
  return TRUE;
}

void
mgr_key_path_clear (MgrKeyPath *p)
{
  g_clear_pointer (&p->group, g_free);
  g_clear_pointer (&p->name, g_free);
  p->key = NULL;
}

/* ---- editing text ------------------------------------------------------------ */

/* One parsed line: its group, and for key lines the key. */
static char *
line_group (const char *line)
{
  g_autofree char *l = g_strstrip (g_strdup (line));
  if (*l != '[')
    return NULL;
  char *end = strrchr (l, ']');
  if (!end)
    return NULL;
  *end = '\0';
  return g_strdup (g_strstrip (l + 1));
}

static bool
is_group_line (const char *line)
{
  g_autofree char *g = line_group (line);
  return g != NULL;
}

static char *
line_key_name (const char *line)
{
  g_autofree char *l = g_strstrip (g_strdup (line));
  char *eq = strchr (l, '=');
  if (!*l || *l == '#' || *l == '[' || !eq)
    return NULL;
  *eq = '\0';
  return g_strdup (g_strstrip (l));
}

char *
mgr_config_text_get (const char *text, const char *group, const char *key)
{
  g_autoptr (GKeyFile) kf = g_key_file_new ();
  if (!g_key_file_load_from_data (kf, text, -1, G_KEY_FILE_NONE, NULL))
    return NULL;
  return raw_value (kf, group, key);
}

char *
mgr_config_text_set (const char *text, const char *group, const char *key, const char *value,
                     GError **error)
{
  if (value && (strchr (value, '\n') || strchr (value, '\r')))
    {
      g_set_error (error, MGR_ERROR, MGR_ERROR_INVALID, "a value cannot span lines");
      return NULL;
    }
  g_autofree char *clean = value ? g_strstrip (g_strdup (value)) : NULL;
  if (clean)
    {
      g_autofree char *probe = g_strdup (clean);
      if (strcmp (mgr_strip_inline_comment (probe), clean) != 0)
        {
          g_set_error (error, MGR_ERROR, MGR_ERROR_INVALID,
                       "'%s': a '#' after white space would start a comment", clean);
          return NULL;
        }
    }
  g_auto (GStrv) lines = g_strsplit (text, "\n", -1);
  guint n = g_strv_length (lines);
  /* A trailing "\n" leaves one empty last element; it is not a line. */
  bool trailing_nl = n > 0 && lines[n - 1][0] == '\0';
  if (trailing_nl)
    n--;
  g_autoptr (GPtrArray) out = g_ptr_array_new_with_free_func (g_free);
  g_autofree char *cur = NULL;
  int group_start = -1, last_in_group = -1;
  bool done = false;

  for (guint i = 0; i < n; i++)
    {
      g_autofree char *g = line_group (lines[i]);
      if (g)
        {
          g_free (cur);
          cur = g_steal_pointer (&g);
          if (strcmp (cur, group) == 0)
            group_start = last_in_group = out->len;
          if (!key && !value && strcmp (cur, group) == 0)
            {
              /* Removing a whole section: skip its lines up to the next header. */
              while (i + 1 < n && !is_group_line (lines[i + 1]))
                i++;
              done = true;
              continue;
            }
          g_ptr_array_add (out, g_strdup (lines[i]));
          continue;
        }
      g_autofree char *k = line_key_name (lines[i]);
      bool here = cur && strcmp (cur, group) == 0;
      if (here && k && key && strcmp (k, key) == 0 && !done)
        {
          done = true;
          if (!value)
            continue;
          const char *eq = strchr (lines[i], '=');
          const char *v = eq + 1;
          while (*v == ' ' || *v == '\t')
            v++;
          /* Keep "key = " as the user spaced it, and a trailing comment. */
          g_autofree char *old = g_strdup (v);
          char *hash = NULL;
          for (char *p = old; *p; p++)
            if (*p == '#' && p > old && g_ascii_isspace (p[-1]))
              {
                hash = p;
                break;
              }
          g_autofree char *comment = NULL;
          if (hash)
            {
              char *ws = hash;
              while (ws > old && g_ascii_isspace (ws[-1]))
                ws--;
              comment = g_strdup (ws);
            }
          g_ptr_array_add (out, g_strdup_printf ("%.*s%s%s", (int) (v - lines[i]), lines[i], clean,
                                                 comment ? comment : ""));
          last_in_group = out->len - 1;
          continue;
        }
      g_ptr_array_add (out, g_strdup (lines[i]));
      if (here && k)
        last_in_group = out->len - 1;
    }
  if (!done && value)
    {
      g_autofree char *line = g_strdup_printf ("%s = %s", key, clean);
      if (group_start >= 0)
        g_ptr_array_insert (out, last_in_group + 1, g_steal_pointer (&line));
      else
        {
          if (out->len && ((char *) out->pdata[out->len - 1])[0] != '\0')
            g_ptr_array_add (out, g_strdup (""));
          g_ptr_array_add (out, g_strdup_printf ("[%s]", group));
          g_ptr_array_add (out, g_steal_pointer (&line));
        }
    }
  g_ptr_array_add (out, NULL);
  g_autofree char *joined = g_strjoinv ("\n", (char **) out->pdata);
  return out->len > 1 ? g_strconcat (joined, "\n", NULL) : g_strdup ("");
}

gboolean
mgr_config_text_merge (char **text, GKeyFile *kf, const char *path, MgrMergeFilter filter, gpointer data,
                       GError **error)
{
  g_auto (GStrv) groups = g_key_file_get_groups (kf, NULL);
  for (char **g = groups; *g; g++)
    {
      g_auto (GStrv) keys = g_key_file_get_keys (kf, *g, NULL, NULL);
      for (char **k = keys; k && *k; k++)
        {
          g_autofree char *v = mgr_strip_inline_comment (g_key_file_get_value (kf, *g, *k, NULL));
          if (filter && !filter (*g, *k, &v, data))
            continue;
          char *next = mgr_config_text_set (*text, *g, *k, v, error);
          if (!next)
            return g_prefix_error (error, "%s: [%s] %s: ", path, *g, *k), FALSE;
          g_free (*text);
          *text = next;
        }
    }
  return TRUE;
}
