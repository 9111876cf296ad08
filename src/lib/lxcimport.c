/* LXC config → mgr config. Translates the keys mgr has an equivalent for,
 * and says, with its line, why each other key was left out. Used by
 * `mgr-config import-lxc` for the administrator's own files (trusted), and
 * for an image's meta/config (untrusted: only keys that stay inside the
 * container come across, and no include is ever opened). */
#include "config.h"

#include <string.h>

#include "image.h"
#include "keys.h"
#include "loader.h"
#include "lxcimport.h"
#include "mgr-error.h"
#include "util.h"

typedef struct {
  char *text;          /* the INI being built */
  GPtrArray *skipped;  /* "FILE:LINE: key: why" */
  GString *uid, *gid;  /* id map ranges */
  GString *drop, *keep, *env, *dev_allow, *dev_deny;
  guint mounts;
  guint64 cfs_quota, cfs_period;
  bool have_quota;
  int depth;
  bool image; /* the config comes from an image: untrusted */
} Import;

static void G_GNUC_PRINTF (5, 6)
skip (Import *im, const char *file, int line, const char *key, const char *fmt, ...)
{
  va_list ap;
  va_start (ap, fmt);
  g_autofree char *why = g_strdup_vprintf (fmt, ap);
  va_end (ap);
  g_ptr_array_add (im->skipped, g_strdup_printf ("%s:%d: %s: %s", file, line, key, why));
}

/* Sets group/key after checking the value with the key's own parser. */
static void
put (Import *im, const char *file, int line, const char *lxckey, const char *group, const char *key, const char *value)
{
  MgrSection s;
  g_autofree char *name = NULL;
  g_autoptr (GError) e = NULL;
  if (!mgr_section_parse (group, &s, &name))
    return;
  const struct mgr_key *k = mgr_key_find (s, key);
  /* lxc.prlimit.NAME names any limit, known or not; an empty address
   * splits into no words at all. */
  if (!k)
    return skip (im, file, line, lxckey, "mgr has no [%s] %s", group, key);
  if (!value)
    value = "";
  g_autofree char *why = NULL;
  if (im->image && !mgr_image_key_allowed (group, key, value, &why))
    return skip (im, file, line, lxckey, "dropped: an image may not set [%s] %s: %s (the administrator can add it by hand)",
                 group, key, why);
  union {
    struct mgr_container_settings c;
    struct mgr_net n;
    struct mgr_cgroup_settings g;
    struct mgr_mount m;
    struct mgr_hooks h;
    struct mgr_limits l;
    struct mgr_caps_settings caps;
    struct mgr_idmap_settings i;
  } scratch;
  memset (&scratch, 0, sizeof scratch);
  if (!k->type->parse (k, value, mgr_key_field (k, &scratch), &e))
    {
      skip (im, file, line, lxckey, "'%s' is not a valid [%s] %s (%s)", value, group, key, e->message);
      return;
    }
  k->type->clear (mgr_key_field (k, &scratch));
  char *next = mgr_config_text_set (im->text, group, key, value, NULL);
  if (next)
    {
      g_free (im->text);
      im->text = next;
    }
}

static void
append (GString *s, const char *sep, const char *v)
{
  g_string_append_printf (s, "%s%s", s->len ? sep : "", v);
}

/* LXC configs often give the same device rule for cgroup v1 and v2. */
static void
append_rule (GString *s, const char *v)
{
  g_auto (GStrv) have = g_strsplit (s->str, ", ", -1);
  if (!g_strv_contains ((const char *const *) have, v))
    append (s, ", ", v);
}

/* lxc.net.N.KEY */
static void
net_key (Import *im, const char *file, int line, const char *key, const char *value)
{
  char *end;
  guint64 n = g_ascii_strtoull (key + 8, &end, 10);
  if (end == key + 8 || *end != '.')
    return skip (im, file, line, key, "not lxc.net.N.KEY");
  const char *sub = end + 1;
  g_autofree char *group = g_strdup_printf ("network eth%" G_GUINT64_FORMAT, n);
  static const struct { const char *lxc, *mgr; } same[] = {
    { "type", "type" }, { "link", "link" }, { "hwaddr", "hwaddr" }, { "mtu", "mtu" },
    { "ipv4.gateway", "ipv4.gateway" }, { "ipv6.gateway", "ipv6.gateway" }, { "veth.pair", "veth.host" },
    { "macvlan.mode", "macvlan.mode" },
  };
  for (size_t i = 0; i < G_N_ELEMENTS (same); i++)
    if (strcmp (sub, same[i].lxc) == 0)
      {
        if (g_str_has_suffix (sub, "gateway") && (strcmp (value, "auto") == 0 || strcmp (value, "dev") == 0))
          return skip (im, file, line, key, "gateway '%s' (the first address of the link) has no mgr equivalent; give the address", value);
        return put (im, file, line, key, group, same[i].mgr, value);
      }
  if (strcmp (sub, "flags") == 0)
    return put (im, file, line, key, group, "up", strstr (value, "up") ? "true" : "false");
  if (strcmp (sub, "ipv4.address") == 0 || strcmp (sub, "ipv6.address") == 0)
    {
      /* "10.0.3.5/24 10.0.3.255": the broadcast address goes */
      g_auto (GStrv) w = g_strsplit (value, " ", 2);
      return put (im, file, line, key, group, sub[3] == '4' ? "ipv4" : "ipv6", w[0]);
    }
  if (strcmp (sub, "name") == 0)
    return skip (im, file, line, key, "the interface is named by its section: rename [%s] to [network %s]", group, value);
  skip (im, file, line, key, "no mgr equivalent");
}

/* lxc.cgroup.KEY (v1 names) and lxc.cgroup2.KEY (v2 names) */
static void
cgroup_key (Import *im, const char *file, int line, const char *key, const char *value, bool v2)
{
  const char *name = key + (v2 ? 12 : 11);
  if (strcmp (name, "devices.allow") == 0)
    {
      g_autofree char *why = NULL;
      if (im->image && !mgr_image_key_allowed ("cgroup", "devices.allow", value, &why))
        return skip (im, file, line, key, "dropped: an image may not set [cgroup] devices.allow: %s (the administrator can add it by hand)", why);
      return append_rule (im->dev_allow, value);
    }
  if (strcmp (name, "devices.deny") == 0)
    {
      if (strcmp (value, "a") != 0)
        append_rule (im->dev_deny, value);
      return; /* "a": mgr denies everything not allowed anyway */
    }
  if (v2 && mgr_key_find (MGR_SEC_CGROUP, name))
    return put (im, file, line, key, "cgroup", name, value);
  if (strcmp (name, "memory.limit_in_bytes") == 0 || strcmp (name, "memory.soft_limit_in_bytes") == 0)
    {
      bool hard = name[7] == 'l';
      return put (im, file, line, key, "cgroup", hard ? "memory.max" : "memory.high",
                  strcmp (value, "-1") == 0 ? "max" : value);
    }
  if (strcmp (name, "cpu.shares") == 0)
    {
      g_autofree char *w = g_strdup_printf ("%" G_GUINT64_FORMAT, CLAMP (g_ascii_strtoull (value, NULL, 10) * 100 / 1024, 1, 10000));
      return put (im, file, line, key, "cgroup", "cpu.weight", w);
    }
  if (strcmp (name, "cpu.cfs_quota_us") == 0)
    {
      gint64 q = g_ascii_strtoll (value, NULL, 10);
      im->cfs_quota = q < 0 ? MGR_UNLIMITED : (guint64) q;
      im->have_quota = true;
      return;
    }
  if (strcmp (name, "cpu.cfs_period_us") == 0)
    {
      im->cfs_period = g_ascii_strtoull (value, NULL, 10);
      return;
    }
  if (strcmp (name, "pids.max") == 0 || strcmp (name, "cpuset.cpus") == 0 || strcmp (name, "cpuset.mems") == 0)
    return put (im, file, line, key, "cgroup", name, value);
  skip (im, file, line, key, "no [cgroup] equivalent");
}

/* lxc.mount.entry = SOURCE TARGET FSTYPE OPTIONS [DUMP PASS] */
static void
mount_entry (Import *im, const char *file, int line, const char *key, const char *value)
{
  g_auto (GStrv) w = g_strsplit_set (value, " \t", -1);
  g_autoptr (GPtrArray) f = g_ptr_array_new ();
  for (char **p = w; *p; p++)
    if (**p)
      g_ptr_array_add (f, *p);
  if (f->len < 4)
    return skip (im, file, line, key, "not 'SOURCE TARGET FSTYPE OPTIONS'");
  const char *src = f->pdata[0], *target = f->pdata[1], *type = f->pdata[2], *opts = f->pdata[3];
  g_autofree char *group = g_strdup_printf ("mount m%u", im->mounts++);
  g_autofree char *abs = target[0] == '/' ? g_strdup (target) : g_strconcat ("/", target, NULL);
  put (im, file, line, key, group, "source", src);
  put (im, file, line, key, group, "target", abs);
  if (strcmp (type, "none") != 0 && !strstr (opts, "bind"))
    put (im, file, line, key, group, "type", type);
  put (im, file, line, key, group, "options", opts);
}

static gboolean import_file (Import *im, const char *path, GError **error);

/* The LXC keys an image may use: those that can stay inside the container.
 * What they translate to is checked again against the key table. A key
 * not listed here is dropped, so that one LXC adds later is too. */
static const char *const image_keys[] = {
  "lxc.uts.name", "lxc.init.cmd", "lxc.init.uid", "lxc.init.gid", "lxc.init.cwd", "lxc.signal.halt",
  "lxc.signal.stop", "lxc.signal.reboot", "lxc.environment", "lxc.tty.max", "lxc.cap.drop", "lxc.arch",
  "lxc.include", NULL,
};
static const char *const image_prefixes[] = { "lxc.cgroup.", "lxc.cgroup2.", "lxc.prlimit.", NULL };

/* Why an image may not use an LXC key. */
static const char *
image_why (const char *key)
{
  static const struct { const char *prefix, *why; } why[] = {
    { "lxc.hook", "a hook runs a program on the host, as root" },
    { "lxc.mount", "a mount can bring the host's files into the container" },
    { "lxc.idmap", "an id map decides which host users the container's users are" },
    { "lxc.id_map", "an id map decides which host users the container's users are" },
    { "lxc.cap.keep", "kept capabilities widen what root in the container may do" },
    { "lxc.console", "a console or log path names a file on the host" },
    { "lxc.log", "a console or log path names a file on the host" },
    { "lxc.rootfs", "the rootfs is the container's own folder; a path would name any folder of the host" },
    { "lxc.net", "a network reaches the host's networks and devices" },
    { "lxc.apparmor", "security profiles are the administrator's" },
    { "lxc.selinux", "security profiles are the administrator's" },
    { "lxc.seccomp", "security profiles are the administrator's" },
    { "lxc.start", "starting at boot is the administrator's choice" },
  };
  for (size_t i = 0; i < G_N_ELEMENTS (why); i++)
    if (g_str_has_prefix (key, why[i].prefix))
      return why[i].why;
  return "it is not among the keys an image may set";
}

/* LXC's shipped common and user-namespace configs, known by name and never
 * opened: LXC_TEMPLATE_CONFIG/NAME (as images write it) or
 * /usr/share/lxc/config/NAME, NAME one of common.conf, userns.conf,
 * DIST.common.conf, DIST.userns.conf. */
static const char *
lxc_shipped (const char *value)
{
  const char *name = NULL;
  if (g_str_has_prefix (value, "LXC_TEMPLATE_CONFIG/"))
    name = value + strlen ("LXC_TEMPLATE_CONFIG/");
  else if (g_str_has_prefix (value, "/usr/share/lxc/config/"))
    name = value + strlen ("/usr/share/lxc/config/");
  if (!name || !*name)
    return NULL;
  for (const char *c = name; *c; c++)
    if (!g_ascii_isalnum (*c) && *c != '.' && *c != '-' && *c != '_')
      return NULL;
  if (strcmp (name, "common.conf") == 0 || g_str_has_suffix (name, ".common.conf"))
    return "common settings";
  if (strcmp (name, "userns.conf") == 0 || g_str_has_suffix (name, ".userns.conf"))
    return "user-namespace settings";
  return NULL;
}

static void
one_key (Import *im, const char *file, int line, const char *key, const char *value)
{
  if (im->image && !g_strv_contains (image_keys, key))
    {
      bool ok = false;
      for (const char *const *p = image_prefixes; *p && !ok; p++)
        ok = g_str_has_prefix (key, *p);
      if (!ok)
        return skip (im, file, line, key, "dropped: %s (the administrator can add it by hand)", image_why (key));
    }
  static const struct { const char *lxc, *group, *key; } same[] = {
    { "lxc.uts.name", "container", "hostname" },   { "lxc.init.cmd", "container", "init" },
    { "lxc.init.uid", "container", "uid" },        { "lxc.init.gid", "container", "gid" },
    { "lxc.init.cwd", "container", "cwd" },        { "lxc.signal.halt", "container", "stop.signal" },
    { "lxc.console.logfile", "container", "console.log" },
    { "lxc.console.buffer.size", "container", "console.buffer" },
    { "lxc.hook.pre-start", "hooks", "pre-start" }, { "lxc.hook.pre-mount", "hooks", "pre-mount" },
    { "lxc.hook.mount", "hooks", "mount" },         { "lxc.hook.start", "hooks", "start" },
    { "lxc.hook.stop", "hooks", "stop" },           { "lxc.hook.post-stop", "hooks", "post-stop" },
  };
  for (size_t i = 0; i < G_N_ELEMENTS (same); i++)
    if (strcmp (key, same[i].lxc) == 0)
      return put (im, file, line, key, same[i].group, same[i].key, value);

  if (strcmp (key, "lxc.include") == 0)
    {
      const char *shipped = lxc_shipped (value);
      if (shipped)
        return skip (im, file, line, key, "LXC's shipped %s: mgr's defaults already drop capabilities, mask /proc and /sys and load a seccomp profile",
                     shipped);
      if (g_str_has_prefix (value, "/usr/share/lxc/config/"))
        return skip (im, file, line, key, "LXC's shipped %s: mgr has no equivalent; add what you need by hand", value);
      if (im->image)
        return skip (im, file, line, key, "dropped, never opened: an image may include only LXC's common and userns configs, by name");
      if (im->depth > 8)
        return skip (im, file, line, key, "included too deep");
      im->depth++;
      g_autoptr (GError) e = NULL;
      if (!import_file (im, value, &e))
        skip (im, file, line, key, "%s", e->message);
      im->depth--;
      return;
    }
  if (strcmp (key, "lxc.rootfs.path") == 0)
    {
      const char *p = g_str_has_prefix (value, "dir:") ? value + 4 : value;
      if (p[0] != '/' && strchr (p, ':'))
        return skip (im, file, line, key, "the '%.*s' storage backend: mgr uses a plain folder", (int) (strchr (p, ':') - p), p);
      return put (im, file, line, key, "container", "rootfs", p);
    }
  if (strcmp (key, "lxc.idmap") == 0 || strcmp (key, "lxc.id_map") == 0)
    {
      g_auto (GStrv) w = g_strsplit (value, " ", -1);
      if (g_strv_length (w) != 4 || (strcmp (w[0], "u") && strcmp (w[0], "g") && strcmp (w[0], "b")))
        return skip (im, file, line, key, "not 'u|g|b INSIDE OUTSIDE COUNT'");
      g_autofree char *range = g_strdup_printf ("%s %s %s", w[1], w[2], w[3]);
      if (w[0][0] != 'g')
        append (im->uid, ", ", range);
      if (w[0][0] != 'u')
        append (im->gid, ", ", range);
      return;
    }
  if (g_str_has_prefix (key, "lxc.net."))
    return net_key (im, file, line, key, value);
  if (g_str_has_prefix (key, "lxc.cgroup2."))
    return cgroup_key (im, file, line, key, value, true);
  if (g_str_has_prefix (key, "lxc.cgroup.") && strcmp (key, "lxc.cgroup.relative") != 0 && !g_str_has_prefix (key, "lxc.cgroup.dir"))
    return cgroup_key (im, file, line, key, value, false);
  if (strcmp (key, "lxc.cap.drop") == 0)
    return append (im->drop, " ", value);
  if (strcmp (key, "lxc.cap.keep") == 0)
    return append (im->keep, " ", value);
  if (strcmp (key, "lxc.mount.entry") == 0)
    return mount_entry (im, file, line, key, value);
  if (strcmp (key, "lxc.environment") == 0)
    {
      if (!strchr (value, '='))
        return skip (im, file, line, key, "'%s' passes the host's value; mgr never passes the host's environment to init", value);
      return append (im->env, ";", value);
    }
  if (strcmp (key, "lxc.start.auto") == 0)
    return put (im, file, line, key, "container", "autostart", strcmp (value, "0") == 0 ? "false" : "true");
  if (strcmp (key, "lxc.start.delay") == 0)
    return put (im, file, line, key, "container", "autostart.delay", value);
  if (g_str_has_prefix (key, "lxc.prlimit."))
    return put (im, file, line, key, "limits", key + 12, value);
  if (strcmp (key, "lxc.mount.auto") == 0)
    return skip (im, file, line, key, "mgr mounts /proc, /sys and the cgroup view itself");
  if (strcmp (key, "lxc.arch") == 0)
    return skip (im, file, line, key, "a container runs the host's architecture");
  if (strcmp (key, "lxc.tty.max") == 0)
    return put (im, file, line, key, "container", "tty.count", value);
  if (g_str_has_prefix (key, "lxc.apparmor.") || g_str_has_prefix (key, "lxc.selinux."))
    return skip (im, file, line, key, "mgr uses no LSM profile; its seccomp profile and capability drops apply instead");
  if (g_str_has_prefix (key, "lxc.seccomp."))
    return skip (im, file, line, key, "LXC seccomp syntax; mgr's default profile applies ([seccomp] profile)");
  skip (im, file, line, key, "no mgr equivalent");
}

static void
import_text (Import *im, const char *path, const char *text)
{
  g_auto (GStrv) lines = g_strsplit (text, "\n", -1);
  for (int i = 0; lines[i]; i++)
    {
      char *l = g_strstrip (lines[i]);
      if (!*l || *l == '#')
        continue;
      char *eq = strchr (l, '=');
      if (!eq)
        {
          skip (im, path, i + 1, l, "not 'key = value'");
          continue;
        }
      *eq = '\0';
      one_key (im, path, i + 1, g_strstrip (l), g_strstrip (eq + 1));
    }
}

static gboolean
import_file (Import *im, const char *path, GError **error)
{
  g_autofree char *text = NULL;
  if (!g_file_get_contents (path, &text, NULL, error))
    return FALSE;
  import_text (im, path, text);
  return TRUE;
}

static gboolean
import (const char *path, const char *text, bool image, char **ini, GPtrArray *skipped, GError **error)
{
  Import im = {
    .text = image ? g_strdup ("# From the image's LXC config: only keys that stay inside the container.\n")
                  : g_strdup_printf ("# Imported from the LXC config %s by mgr-config import-lxc.\n", path),
    .skipped = skipped,
    .image = image,
    .uid = g_string_new (NULL), .gid = g_string_new (NULL), .drop = g_string_new (NULL),
    .keep = g_string_new (NULL), .env = g_string_new (NULL), .dev_allow = g_string_new (NULL),
    .dev_deny = g_string_new (NULL), .cfs_period = 100000,
  };
  gboolean ok = TRUE;
  if (text)
    import_text (&im, path, text);
  else
    ok = import_file (&im, path, error);
  if (ok)
    {
      if (im.have_quota)
        {
          g_autofree char *v = im.cfs_quota == MGR_UNLIMITED
                                 ? g_strdup_printf ("max %" G_GUINT64_FORMAT, im.cfs_period)
                                 : g_strdup_printf ("%" G_GUINT64_FORMAT " %" G_GUINT64_FORMAT, im.cfs_quota, im.cfs_period);
          put (&im, path, 0, "lxc.cgroup.cpu.cfs_quota_us", "cgroup", "cpu.max", v);
        }
      const struct { GString *s; const char *group, *key; } lists[] = {
        { im.uid, "id_map", "uid" },     { im.gid, "id_map", "gid" },
        { im.keep, "capabilities", "keep" }, { im.drop, "capabilities", "drop" },
        { im.env, "container", "environment" }, { im.dev_allow, "cgroup", "devices.allow" },
        { im.dev_deny, "cgroup", "devices.deny" },
      };
      for (size_t i = 0; i < G_N_ELEMENTS (lists); i++)
        if (lists[i].s->len && !(lists[i].s == im.drop && im.keep->len))
          put (&im, path, 0, "lxc config", lists[i].group, lists[i].key, lists[i].s->str);
      *ini = g_steal_pointer (&im.text);
    }
  g_free (im.text);
  for (GString **s = (GString *[]){ im.uid, im.gid, im.drop, im.keep, im.env, im.dev_allow, im.dev_deny, NULL }; *s; s++)
    g_string_free (*s, TRUE);
  return ok;
}

gboolean
mgr_lxc_import (const char *path, char **ini, GPtrArray *skipped, GError **error)
{
  return import (path, NULL, false, ini, skipped, error);
}

gboolean
mgr_lxc_import_image (const char *name, const char *text, char **ini, GPtrArray *skipped)
{
  return import (name, text, true, ini, skipped, NULL);
}
