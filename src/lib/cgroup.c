#include "config.h"

#include <errno.h>
#include <stdlib.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "cgroup.h"
#include "cgroup-internal.h"
#include "mgr-error.h"
#include "util.h"

static const char *
cgroup_root (void)
{
  const char *r = g_getenv ("MGR_CGROUP_ROOT");
  return r && *r ? r : "/sys/fs/cgroup";
}

static void
hier_free (Hier *h)
{
  g_free (h->mount);
  g_free (h->opts);
  g_strfreev (h->controllers);
  g_free (h->parent);
  g_free (h->path);
  g_free (h->inner);
  g_free (h);
}

void
mgr_cgroup_free (MgrCgroup *cg)
{
  if (!cg)
    return;
  g_ptr_array_unref (cg->hiers);
  g_strfreev (cg->v1_opts);
  g_free (cg->v2_name);
  g_free (cg->delegation);
  g_free (cg->unavailable);
  g_free (cg->monitor_leaf);
  g_free (cg->origin);
  g_free (cg->name);
  g_free (cg->rel);
  g_free (cg);
}

static char **
v1_controllers (const char *superopts, char **opts_out)
{
  static const char *const not_controllers[] = { "rw", "ro", "clone_children", "noprefix", "xattr", "nsdelegate",
                                                 "cpuset_v2_mode", "favordynmods", NULL };
  g_auto (GStrv) all = g_strsplit (superopts, ",", -1);
  g_autoptr (GStrvBuilder) b = g_strv_builder_new ();
  g_autoptr (GString) opts = g_string_new (NULL);
  for (char **o = all; *o; o++)
    {
      if (g_strv_contains (not_controllers, *o) || g_str_has_prefix (*o, "release_agent="))
        continue;
      g_strv_builder_add (b, *o);
      g_string_append_printf (opts, "%s%s", opts->len ? "," : "", *o);
    }
  *opts_out = g_strdup (opts->str);
  return g_strv_builder_end (b);
}

/* An ordinary user may use only a v2 subtree delegated to it: the highest
 * folder above its own cgroup (from /proc/self/cgroup) that it owns and
 * whose cgroup.procs it may write (systemd's user@UID.service, a scope with
 * Delegate=yes, or one made by hand). v1 hierarchies cannot be delegated
 * safely and are left alone. */
static void
user_delegation (MgrCgroup *cg)
{
  g_autofree char *self = NULL;
  const char *rel = NULL;
  const char *layout = mgr_cgroup_layout (cg);
  cg->user = true;
  for (guint i = cg->hiers->len; i-- > 0;)
    if (cg->hiers->pdata[i] != cg->v2)
      g_ptr_array_remove_index (cg->hiers, i);
  g_clear_pointer (&cg->v1_opts, g_strfreev);
  cg->v1_opts = g_new0 (char *, 1);
  if (!cg->v2)
    {
      cg->unavailable = g_strdup ("this host has no cgroup v2 hierarchy, and its v1 ones are root's");
      return;
    }
  g_auto (GStrv) lines = g_file_get_contents ("/proc/self/cgroup", &self, NULL, NULL) ? g_strsplit (self, "\n", -1) : NULL;
  for (char **l = lines; l && *l; l++)
    if (g_str_has_prefix (*l, "0::"))
      rel = *l + 3;
  Hier *h = cg->v2;
  g_autofree char *dir = rel ? g_build_filename (h->mount, rel, NULL) : NULL;
  g_autofree char *top = NULL;
  cg->origin = g_strdup (dir);
  while (dir && g_str_has_prefix (dir, h->mount) && strlen (dir) > strlen (h->mount))
    {
      struct stat st;
      g_autofree char *procs = g_build_filename (dir, "cgroup.procs", NULL);
      if (stat (dir, &st) < 0 || st.st_uid != geteuid () || access (procs, W_OK) < 0 || access (dir, W_OK) < 0)
        break;
      g_free (top);
      top = g_strdup (dir);
      char *up = g_path_get_dirname (dir);
      g_free (dir);
      dir = up;
    }
  if (!top)
    {
      cg->unavailable = g_strdup_printf ("no cgroup is delegated to you: this process is in %s of the %s host's "
                                         "cgroup2 tree, which uid %u cannot write",
                                         rel ? rel : "?", layout, geteuid ());
      g_ptr_array_set_size (cg->hiers, 0);
      cg->v2 = NULL;
      return;
    }
  cg->delegation = g_steal_pointer (&top);
  g_free (h->mount);
  h->mount = g_strdup (cg->delegation);
  g_strfreev (h->controllers);
  g_autofree char *ctl = NULL, *cp = g_build_filename (cg->delegation, "cgroup.controllers", NULL);
  g_file_get_contents (cp, &ctl, NULL, NULL);
  h->controllers = g_strsplit_set (g_strstrip (ctl ? ctl : g_strdup ("")), " ", -1);
  g_free (h->parent);
  g_free (h->path);
  h->parent = g_build_filename (cg->delegation, "mgr.payload", NULL);
  h->path = g_build_filename (h->parent, cg->name, NULL);
  g_free (h->inner);
  h->inner = g_build_filename (h->path, "ns", NULL);
  cg->monitor_leaf = g_build_filename (cg->delegation, "mgr.monitor", cg->name, NULL);
}

char *
mgr_cgroup_describe (const MgrCgroup *cg)
{
  if (cg->user && cg->delegation)
    {
      g_autofree char *ctl = g_strjoinv (" ", cg->v2->controllers);
      return g_strdup_printf ("delegated to you: %s (controllers: %s)", cg->delegation, *ctl ? ctl : "none");
    }
  GString *s = g_string_new (mgr_cgroup_layout (cg));
  g_string_append (s, " layout:");
  for (guint i = 0; i < cg->hiers->len; i++)
    {
      const Hier *h = cg->hiers->pdata[i];
      g_autofree char *ctl = g_strjoinv (",", h->controllers);
      g_string_append_printf (s, "%s %s%s%s%s", i ? ";" : "", h->version == 2 ? "cgroup2 " : "", h->mount,
                              *ctl ? " " : "", ctl);
    }
  return g_string_free (s, FALSE);
}

bool
mgr_cgroup_available (const MgrCgroup *cg, const char **why)
{
  if (why)
    *why = cg->unavailable;
  return !cg->unavailable;
}

/* The hierarchies whose part the container manages itself (systemd makes
 * its slices and scopes there): cgroup2, and name=systemd on v1 and hybrid
 * hosts, which has no controller and tracks processes only. */
static bool
managed (const Hier *h)
{
  return h->version == 2 || (h->opts && strcmp (h->opts, "name=systemd") == 0);
}

/* Where mgr mounts a name=systemd hierarchy for its containers on a v1 or
 * hybrid host that has none (systemd inside wants one there, and mgr never
 * touches the host's own hierarchies). */
#define OWN_SYSTEMD_MOUNT MGR_RUNSTATEDIR "/mgr/cgroup-systemd"

static void
add_hier (MgrCgroup *cg, Hier *h)
{
  if (cg->rel)
    {
      /* An OCI container's cgroup is the one its engine named, and its
       * processes are in it: the engine reads and limits it there. */
      h->path = g_build_filename (h->mount, cg->rel, NULL);
      h->parent = g_path_get_dirname (h->path);
      h->inner = g_strdup (h->path);
    }
  else
    {
      h->parent = g_build_filename (h->mount, "mgr.payload", NULL);
      h->path = g_build_filename (h->parent, cg->name, NULL);
      h->inner = managed (h) ? g_build_filename (h->path, "ns", NULL) : g_strdup (h->path);
    }
  g_ptr_array_add (cg->hiers, h);
}

/* A name=systemd hierarchy, when the host's v1 hierarchies lack one: made
 * and mounted under mgr's runtime folder (once; later containers find it
 * mounted). */
static gboolean
ensure_systemd_hierarchy (MgrCgroup *cg, GError **error)
{
  bool v1 = false;
  for (guint i = 0; i < cg->hiers->len; i++)
    {
      Hier *h = cg->hiers->pdata[i];
      if (h->version == 1 && strcmp (h->opts, "name=systemd") == 0)
        return TRUE;
      v1 |= h->version == 1;
    }
  if (!v1 || cg->user)
    return TRUE;
  if (g_mkdir_with_parents (OWN_SYSTEMD_MOUNT, 0755) < 0
      || mount ("cgroup", OWN_SYSTEMD_MOUNT, "cgroup", MS_NOSUID | MS_NODEV | MS_NOEXEC, "none,name=systemd") < 0)
    return g_set_error (error, MGR_ERROR, MGR_ERROR_FAILED,
                        "mounting a name=systemd cgroup hierarchy on %s for the container (this %s host has none): %s",
                        OWN_SYSTEMD_MOUNT, mgr_cgroup_layout (cg), g_strerror (errno)), FALSE;
  Hier *h = g_new0 (Hier, 1);
  h->version = 1;
  h->mount = g_strdup (OWN_SYSTEMD_MOUNT);
  h->opts = g_strdup ("name=systemd");
  h->controllers = g_new0 (char *, 1);
  add_hier (cg, h);
  guint n = g_strv_length (cg->v1_opts);
  cg->v1_opts = g_renew (char *, cg->v1_opts, n + 2);
  cg->v1_opts[n] = g_strdup ("name=systemd");
  cg->v1_opts[n + 1] = NULL;
  return TRUE;
}

static MgrCgroup *cgroup_new (const char *name, const char *rel, GError **error);

MgrCgroup *
mgr_cgroup_new (const char *name, GError **error)
{
  return cgroup_new (name, NULL, error);
}

MgrCgroup *
mgr_cgroup_new_at (const char *rel, GError **error)
{
  g_autofree char *name = g_path_get_basename (rel);
  if (geteuid () != 0)
    return g_set_error (error, MGR_ERROR, MGR_ERROR_PERMISSION, "a cgroup at %s needs root", rel), NULL;
  return cgroup_new (name, rel, error);
}

static MgrCgroup *
cgroup_new (const char *name, const char *rel, GError **error)
{
  g_autoptr (MgrCgroup) cg = g_new0 (MgrCgroup, 1);
  g_autofree char *text = NULL;
  const char *root = cgroup_root ();
  cg->name = g_strdup (name);
  cg->rel = g_strdup (rel);
  cg->hiers = g_ptr_array_new_with_free_func ((GDestroyNotify) hier_free);
  if (!g_file_get_contents ("/proc/self/mountinfo", &text, NULL, error))
    return NULL;
  g_auto (GStrv) lines = g_strsplit (text, "\n", -1);
  g_autoptr (GStrvBuilder) v1opts = g_strv_builder_new ();
  for (char **l = lines; *l; l++)
    {
      /* Only cgroup mounts are split into fields: most lines are not. */
      if (!strstr (*l, " - cgroup"))
        continue;
      /* ID PARENT MAJ:MIN ROOT MOUNTPOINT OPTS [TAGS...] - FSTYPE SOURCE SUPEROPTS */
      g_auto (GStrv) f = g_strsplit (*l, " ", -1);
      guint n = g_strv_length (f), sep = 0;
      for (guint i = 6; i < n; i++)
        if (strcmp (f[i], "-") == 0)
          {
            sep = i;
            break;
          }
      if (!sep || sep + 3 >= n + 1 || !f[sep + 1] || !f[sep + 3])
        continue;
      const char *mnt = f[4], *type = f[sep + 1], *super = f[sep + 3];
      if ((!g_str_has_prefix (mnt, root) || (mnt[strlen (root)] != '\0' && mnt[strlen (root)] != '/'))
          && strcmp (mnt, OWN_SYSTEMD_MOUNT) != 0)
        continue;
      bool v2 = strcmp (type, "cgroup2") == 0;
      if (!v2 && strcmp (type, "cgroup") != 0)
        continue;
      if (v2 && cg->v2)
        continue;
      Hier *h = g_new0 (Hier, 1);
      h->version = v2 ? 2 : 1;
      h->mount = g_strdup (mnt);
      if (v2)
        {
          g_autofree char *ctl = NULL, *p = g_build_filename (mnt, "cgroup.controllers", NULL);
          g_file_get_contents (p, &ctl, NULL, NULL);
          h->controllers = g_strsplit_set (g_strstrip (ctl ? ctl : g_strdup ("")), " ", -1);
          cg->v2 = h;
          cg->v2_name = g_strdup (strcmp (mnt, root) == 0 ? "" : mnt + strlen (root) + 1);
        }
      else
        {
          h->controllers = v1_controllers (super, &h->opts);
          bool dup = false;
          for (guint i = 0; i < cg->hiers->len; i++)
            {
              Hier *o = cg->hiers->pdata[i];
              dup |= o->version == 1 && strcmp (o->opts, h->opts) == 0;
            }
          if (dup || !h->opts[0])
            {
              hier_free (h);
              continue;
            }
          g_strv_builder_add (v1opts, h->opts);
        }
      add_hier (cg, h);
    }
  cg->v1_opts = g_strv_builder_end (v1opts);
  if (geteuid () != 0)
    user_delegation (cg);
  if (cg->hiers->len == 0 && !cg->user)
    {
      g_set_error (error, MGR_ERROR, MGR_ERROR_FAILED, "no cgroup hierarchy is mounted under %s", root);
      return NULL;
    }
  return g_steal_pointer (&cg);
}

MgrCgroup *
mgr_cgroup_new_like (const MgrCgroup *probe, const char *name)
{
  MgrCgroup *cg = g_new0 (MgrCgroup, 1);
  cg->name = g_strdup (name);
  cg->hiers = g_ptr_array_new_with_free_func ((GDestroyNotify) hier_free);
  for (guint i = 0; i < probe->hiers->len; i++)
    {
      const Hier *o = probe->hiers->pdata[i];
      Hier *h = g_new0 (Hier, 1);
      h->version = o->version;
      h->mount = g_strdup (o->mount);
      h->opts = g_strdup (o->opts);
      h->controllers = g_strdupv (o->controllers);
      add_hier (cg, h);
      if (o == probe->v2)
        cg->v2 = h;
    }
  cg->v1_opts = g_strdupv (probe->v1_opts);
  cg->v2_name = g_strdup (probe->v2_name);
  cg->user = probe->user;
  cg->delegation = g_strdup (probe->delegation);
  cg->unavailable = g_strdup (probe->unavailable);
  cg->origin = g_strdup (probe->origin);
  if (cg->delegation)
    cg->monitor_leaf = g_build_filename (cg->delegation, "mgr.monitor", cg->name, NULL);
  return cg;
}

const char *
mgr_cgroup_layout (const MgrCgroup *cg)
{
  if (cg->v2 && cg->hiers->len == 1)
    return "v2";
  return cg->v2 ? "hybrid" : "v1";
}

const char *const *
mgr_cgroup_v1_options (const MgrCgroup *cg)
{
  return (const char *const *) cg->v1_opts;
}

char **
mgr_cgroup_v1_dirs (const MgrCgroup *cg)
{
  g_autoptr (GStrvBuilder) b = g_strv_builder_new ();
  for (char **o = cg->v1_opts; o && *o; o++)
    for (guint i = 0; i < cg->hiers->len; i++)
      {
        const Hier *h = cg->hiers->pdata[i];
        if (h->version == 1 && strcmp (h->opts, *o) == 0)
          {
            g_strv_builder_add (b, h->inner);
            break;
          }
      }
  return g_strv_builder_end (b);
}

const char *
mgr_cgroup_v2_dir (const MgrCgroup *cg)
{
  return cg->v2 ? cg->v2->inner : NULL;
}

const char *
mgr_cgroup_v2_name (const MgrCgroup *cg)
{
  return cg->v2 ? cg->v2_name : NULL;
}

Hier *
mgr_cgroup_hier_for (const MgrCgroup *cg, const char *v1, const char *v2)
{
  for (guint i = 0; v1 && i < cg->hiers->len; i++)
    {
      Hier *h = cg->hiers->pdata[i];
      if (h->version == 1 && g_strv_contains ((const char *const *) h->controllers, v1))
        return h;
    }
  if (v2 && cg->v2 && g_strv_contains ((const char *const *) cg->v2->controllers, v2))
    return cg->v2;
  return NULL;
}

gboolean
mgr_cgroup_write (const Hier *h, const char *file, const char *value, GError **error)
{
  g_autofree char *p = g_build_filename (h->path, file, NULL);
  _cleanup_close_ int fd = open (p, O_WRONLY | O_CLOEXEC);
  if (fd < 0 || write (fd, value, strlen (value)) < 0)
    {
      int e = errno;
      g_set_error (error, MGR_ERROR, MGR_ERROR_FAILED, "writing \"%s\" to %s: %s", value, p, g_strerror (e));
      return FALSE;
    }
  return TRUE;
}

/* open, read to the end, close: g_file_get_contents adds an fstat and an
 * fcntl per file, which mgr-ls pays for each file of each container. */
char *
mgr_cgroup_read (const Hier *h, const char *file)
{
  g_autofree char *p = g_build_filename (h->path, file, NULL);
  _cleanup_close_ int fd = open (p, O_RDONLY | O_CLOEXEC);
  if (fd < 0)
    return NULL;
  GString *text = g_string_sized_new (64);
  char buf[4096];
  for (;;)
    {
      ssize_t n = read (fd, buf, sizeof buf);
      if (n < 0 && errno == EINTR)
        continue;
      if (n < 0)
        return g_string_free (text, TRUE), NULL;
      if (n == 0)
        break;
      g_string_append_len (text, buf, n);
    }
  return g_strstrip (g_string_free (text, FALSE));
}

/* The [cgroup] keys, the controller each needs, and whether it is set. */
static bool
key_set (const MgrPlan *plan, const char *key)
{
  const struct mgr_key *k = mgr_key_find (MGR_SEC_CGROUP, key);
  g_autofree char *v = k->type->format (k, mgr_key_field (k, (void *) &plan->cgroup));
  return v != NULL;
}

static const struct mgr_cgroup_key cg_keys[] = {
  { "memory.max", "memory", "memory" },   { "memory.high", "memory", "memory" },
  { "memory.swap.max", "memory", "memory" }, { "cpu.max", "cpu", "cpu" },
  { "cpu.weight", "cpu", "cpu" },         { "cpuset.cpus", "cpuset", "cpuset" },
  { "cpuset.mems", "cpuset", "cpuset" },  { "pids.max", "pids", "pids" },
  { "io.weight", "blkio", "io" },         { "io.max", "blkio", "io" },
  { "devices.allow", "devices", NULL },   { "devices.deny", "devices", NULL },
};

static const struct mgr_cgroup_key *
cg_key (const char *key)
{
  for (size_t i = 0; i < G_N_ELEMENTS (cg_keys); i++)
    if (strcmp (cg_keys[i].key, key) == 0)
      return &cg_keys[i];
  return NULL;
}

static const struct mgr_cgroup_driver *
driver (const Hier *h)
{
  return h->version == 1 ? &mgr_cgroup_v1_driver : &mgr_cgroup_v2_driver;
}

/* Where a key is served: a v1 hierarchy with its controller, the v2 one
 * (devices on v2: an eBPF program, no controller needed), or nowhere. */
static Hier *
key_hier (const MgrCgroup *cg, const struct mgr_cgroup_key *ck)
{
  /* MGR_CGROUP_DEVICES=bpf uses the v2 device program on a hybrid host too
   * (for tests of the v2 path on a v1 host). */
  const char *force = g_getenv ("MGR_CGROUP_DEVICES");
  if (!ck->v2 && cg->v2 && force && strcmp (force, "bpf") == 0)
    return cg->v2;
  Hier *h = mgr_cgroup_hier_for (cg, ck->v1, ck->v2);
  if (!h && !ck->v2 && cg->v2)
    return cg->v2;
  return h;
}

static bool
key_optional (const MgrPlan *plan, const char *key)
{
  g_auto (GStrv) words = plan->cgroup.optional ? g_strsplit_set (plan->cgroup.optional, " ,", -1) : NULL;
  return words && g_strv_contains ((const char *const *) words, key);
}

const char *
mgr_cgroup_delegation_hint (void)
{
  return "get a delegated cgroup: with a systemd user session, run mgr-start inside "
         "systemd-run --user --scope -p Delegate=yes; on a cgroup v1 or hybrid host boot with "
         "systemd.unified_cgroup_hierarchy=1 first; or, as root, mkdir a cgroup under the v2 tree and chown it, "
         "its cgroup.procs, cgroup.subtree_control and cgroup.threads to the user (mgr-checkconfig --user shows "
         "what you have)";
}

gboolean
mgr_cgroup_check (const MgrCgroup *cg, const MgrPlan *plan, GError **error)
{
  for (size_t i = 0; i < G_N_ELEMENTS (cg_keys); i++)
    {
      const struct mgr_cgroup_key *ck = &cg_keys[i];
      /* A user's container cannot make device nodes (no mknod in a user
       * namespace) and gets only the harmless ones bound from the host; the
       * device program would need root anyway. */
      if (!key_set (plan, ck->key) || (cg->user && !ck->v2))
        continue;
      if (cg->unavailable && !key_optional (plan, ck->key))
        {
          g_set_error (error, MGR_ERROR, MGR_ERROR_PERMISSION,
                       "[cgroup] %s: limits need a cgroup of your own, and %s; %s. Or remove the key (or list it in "
                       "[cgroup] optional) to start without the limit",
                       ck->key, cg->unavailable, mgr_cgroup_delegation_hint ());
          return FALSE;
        }
      if (cg->unavailable)
        continue;
      Hier *h = key_hier (cg, ck);
      g_autoptr (GError) e = NULL;
      if (!h)
        g_set_error (&e, MGR_ERROR, MGR_ERROR_FAILED, "no cgroup hierarchy on this host has the %s controller",
                     ck->v2 ? ck->v2 : ck->v1);
      else
        driver (h)->check (cg, h, ck, plan, &e);
      if (!e)
        continue;
      if (key_optional (plan, ck->key))
        continue;
      g_set_error (error, MGR_ERROR, MGR_ERROR_FAILED,
                   "[cgroup] %s cannot be honoured on this %s host: %s (list it in [cgroup] optional to start without it)",
                   ck->key, mgr_cgroup_layout (cg), e->message);
      return FALSE;
    }
  return TRUE;
}

/* The cgroups of a subtree, children before their parent: the order in
 * which they can be removed. A container may nest cgroups of its own
 * (systemd does, in its delegated v2 cgroup). */
static void
subtree (const char *path, GPtrArray *out, int depth)
{
  g_autoptr (GDir) d = depth < 64 ? g_dir_open (path, 0, NULL) : NULL;
  for (const char *n; d && (n = g_dir_read_name (d));)
    {
      g_autofree char *c = g_build_filename (path, n, NULL);
      struct stat st;
      if (lstat (c, &st) == 0 && S_ISDIR (st.st_mode))
        subtree (c, out, depth + 1);
    }
  if (g_file_test (path, G_FILE_TEST_IS_DIR))
    g_ptr_array_add (out, g_strdup (path));
}

/* Adds the pids in every cgroup of h's subtree to pids (no duplicates). */
static void
subtree_pids (const Hier *h, GArray *pids)
{
  g_autoptr (GPtrArray) dirs = g_ptr_array_new_with_free_func (g_free);
  subtree (h->path, dirs, 0);
  for (guint i = 0; i < dirs->len; i++)
    {
      g_autofree char *p = g_build_filename (dirs->pdata[i], "cgroup.procs", NULL), *text = NULL;
      if (!g_file_get_contents (p, &text, NULL, NULL))
        continue;
      g_auto (GStrv) lines = g_strsplit (text, "\n", -1);
      for (char **l = lines; *l; l++)
        {
          pid_t pid = atoi (*l);
          bool seen = false;
          for (guint j = 0; j < pids->len && !seen; j++)
            seen = g_array_index (pids, pid_t, j) == pid;
          if (pid > 0 && !seen)
            g_array_append_val (pids, pid);
        }
    }
}

GArray *
mgr_cgroup_pids (const MgrCgroup *cg)
{
  GArray *pids = g_array_new (FALSE, FALSE, sizeof (pid_t));
  for (guint i = 0; i < cg->hiers->len; i++)
    subtree_pids (cg->hiers->pdata[i], pids);
  return pids;
}

const char *
mgr_cgroup_path (const MgrCgroup *cg)
{
  const Hier *h = cg->v2 ? cg->v2 : cg->hiers->pdata[0];
  return h->path;
}

/* SIGKILLs every process of h's subtree until none is left. cgroup.kill
 * (Linux 5.14) does it atomically on v2, even for processes that fork
 * meanwhile or sit frozen; elsewhere the pids are killed round after round,
 * a frozen v1 freezer being thawed first so that SIGKILL can land. */
static gboolean
subtree_kill (const Hier *h)
{
  g_autofree char *killfile = g_build_filename (h->path, "cgroup.kill", NULL);
  if (h->version == 2 && access (killfile, W_OK) == 0)
    mgr_cgroup_write (h, "cgroup.kill", "1", NULL);
  else if (h->version == 1 && g_strv_contains ((const char *const *) h->controllers, "freezer"))
    {
      g_autofree char *state = mgr_cgroup_read (h, "freezer.state");
      if (state && strcmp (state, "THAWED") != 0)
        mgr_cgroup_write (h, "freezer.state", "THAWED", NULL);
    }
  for (int round = 0; round < 500; round++)
    {
      g_autoptr (GArray) pids = g_array_new (FALSE, FALSE, sizeof (pid_t));
      subtree_pids (h, pids);
      if (!pids->len)
        return TRUE;
      for (guint i = 0; i < pids->len; i++)
        kill (g_array_index (pids, pid_t, i), SIGKILL);
      g_usleep (10000);
    }
  return FALSE;
}

static void user_monitor_leaf_remove (const MgrCgroup *cg);

/* The usual end: the container's processes are gone (its init was reaped,
 * so the kernel has ended its pid namespace) and nothing was made below
 * the cgroup. Then two rmdirs do, without reading every cgroup.procs and
 * folder first; the kernel refuses a cgroup that still has processes or
 * children (EBUSY, ENOTEMPTY), and the full removal takes over. */
static bool
remove_quickly (const Hier *h)
{
  if (strcmp (h->inner, h->path) != 0 && rmdir (h->inner) < 0 && errno != ENOENT)
    return false;
  return rmdir (h->path) == 0 || errno == ENOENT;
}

gboolean
mgr_cgroup_destroy (const MgrCgroup *cg, GError **error)
{
  gboolean ok = TRUE;
  for (guint i = 0; i < cg->hiers->len; i++)
    {
      Hier *h = cg->hiers->pdata[i];
      /* A process can still join while we remove (mgr-attach joins the
       * cgroup before it learns the container is gone): rmdir then says
       * EBUSY, and the round starts again, so that no cgroup, empty or not,
       * stays behind. */
      int err = 0;
      g_autofree char *failed = NULL;
      bool gone = remove_quickly (h);
      for (int round = 0; !gone && round < 20 && g_file_test (h->path, G_FILE_TEST_IS_DIR); round++)
        {
          subtree_kill (h);
          g_autoptr (GPtrArray) dirs = g_ptr_array_new_with_free_func (g_free);
          subtree (h->path, dirs, 0);
          err = 0;
          for (guint j = 0; j < dirs->len && !err; j++)
            if (rmdir (dirs->pdata[j]) < 0 && errno != ENOENT)
              {
                err = errno;
                g_free (failed);
                failed = g_strdup (dirs->pdata[j]);
              }
          if (!err)
            break;
          g_usleep (10000);
        }
      if (err)
        {
          if (ok)
            g_set_error (error, MGR_ERROR, MGR_ERROR_FAILED, "removing the cgroup %s: %s", failed, g_strerror (err));
          ok = FALSE;
        }
      if (cg->delegation)
        rmdir (h->parent);
    }
  if (cg->delegation && ok)
    user_monitor_leaf_remove (cg);
  return ok;
}

/* The no-internal-processes rule: the delegated cgroup can hand controllers
 * to mgr.payload only if no process sits in it, so the monitor moves into a
 * leaf of its own first. */
static gboolean
user_monitor_leaf (const MgrCgroup *cg, GError **error)
{
  g_autofree char *up = g_path_get_dirname (cg->monitor_leaf);
  g_autofree char *procs = g_build_filename (cg->monitor_leaf, "cgroup.procs", NULL);
  g_autofree char *self = g_strdup_printf ("%d", getpid ());
  if ((mkdir (up, 0755) < 0 && errno != EEXIST) || (mkdir (cg->monitor_leaf, 0755) < 0 && errno != EEXIST))
    return g_set_error (error, MGR_ERROR, MGR_ERROR_FAILED, "creating the monitor's cgroup %s: %s", cg->monitor_leaf,
                        g_strerror (errno)), FALSE;
  _cleanup_close_ int fd = open (procs, O_WRONLY | O_CLOEXEC);
  if (fd < 0 || write (fd, self, strlen (self)) < 0)
    {
      int e = errno;
      rmdir (cg->monitor_leaf);
      return g_set_error (error, MGR_ERROR, MGR_ERROR_FAILED, "moving the monitor into %s: %s", cg->monitor_leaf,
                          g_strerror (e)), FALSE;
    }
  return TRUE;
}

/* The monitor leaves its leaf (back to where it came from) so that the
 * leaf can go: nothing of the container stays in the user's tree. */
static void
user_monitor_leaf_remove (const MgrCgroup *cg)
{
  g_autofree char *self = g_strdup_printf ("%d", getpid ());
  g_autofree char *procs = cg->origin ? g_build_filename (cg->origin, "cgroup.procs", NULL) : NULL;
  if (procs && g_file_test (cg->monitor_leaf, G_FILE_TEST_IS_DIR))
    {
      _cleanup_close_ int fd = open (procs, O_WRONLY | O_CLOEXEC);
      if (fd >= 0)
        (void) !write (fd, self, strlen (self));
    }
  rmdir (cg->monitor_leaf);
  g_autofree char *up = g_path_get_dirname (cg->monitor_leaf);
  rmdir (up);
}

/* The container's own cgroup, one level below the one with its limits: its
 * cgroup namespace is rooted there, so the limits are above what it sees and
 * stay out of reach even of a privileged container's root (a host's cgroup2
 * without nsdelegate lets root write the namespace root's own files). Every
 * controller of the container's cgroup is enabled for it, and a
 * user-namespaced root gets it, as systemd's Delegate= does. */
static gboolean
make_inner (const MgrCgroup *cg, const Hier *h, const MgrPlan *plan, GError **error)
{
  if (strcmp (h->inner, h->path) == 0)
    return TRUE;
  if (h->version == 2)
    {
      g_autofree char *avail = mgr_cgroup_read (h, "cgroup.controllers");
      g_auto (GStrv) ctl = g_strsplit_set (avail ? avail : "", " ", -1);
      for (char **c = ctl; *c; c++)
        {
          g_autofree char *v = g_strdup_printf ("+%s", *c);
          if (**c && !mgr_cgroup_write (h, "cgroup.subtree_control", v, error))
            return FALSE;
        }
    }
  if (mkdir (h->inner, 0755) < 0 && errno != EEXIST)
    return g_set_error (error, MGR_ERROR, MGR_ERROR_FAILED, "creating the cgroup %s: %s", h->inner, g_strerror (errno)),
           FALSE;
  /* An ordinary user cannot give its cgroup to subordinate ids. */
  if (!plan->user_namespace || cg->user)
    return TRUE;
  guint32 uid = 0, gid = 0;
  mgr_idmap_to_host (&plan->id_map.uid, 0, &uid);
  mgr_idmap_to_host (&plan->id_map.gid, 0, &gid);
  static const char *const files[] = { "", "cgroup.procs", "cgroup.subtree_control", "cgroup.threads", "tasks",
                                       "cgroup.clone_children", "notify_on_release" };
  for (size_t i = 0; i < G_N_ELEMENTS (files); i++)
    {
      g_autofree char *p = g_build_filename (h->inner, files[i], NULL);
      if (chown (p, uid, gid) < 0 && errno != ENOENT)
        return g_set_error (error, MGR_ERROR, MGR_ERROR_FAILED, "delegating %s: %s", p, g_strerror (errno)), FALSE;
    }
  return TRUE;
}

gboolean
mgr_cgroup_create (MgrCgroup *cg, const MgrPlan *plan, GError **error)
{
  return mgr_cgroup_prepare (cg, plan, error) && mgr_cgroup_create_part (cg, plan, 3, error);
}

/* A cgroup of an earlier run whose monitor died still holding processes:
 * not ours to kill; only mgr-stop -k ends them. */
static gboolean
earlier_run (const Hier *h, GError **error)
{
  if (!g_file_test (h->path, G_FILE_TEST_IS_DIR))
    return FALSE;
  g_autoptr (GArray) pids = g_array_new (FALSE, FALSE, sizeof (pid_t));
  subtree_pids (h, pids);
  if (!pids->len)
    return FALSE;
  g_autoptr (GString) list = g_string_new (NULL);
  for (guint j = 0; j < pids->len && j < 8; j++)
    g_string_append_printf (list, "%s%d", j ? " " : "", g_array_index (pids, pid_t, j));
  g_set_error (error, MGR_ERROR, MGR_ERROR_FAILED,
               "%s still has processes from an earlier run (pids %s%s); mgr-stop -k on the container ends them", h->path,
               list->str, pids->len > 8 ? " ..." : "");
  return TRUE;
}

gboolean
mgr_cgroup_prepare (MgrCgroup *cg, const MgrPlan *plan, GError **error)
{
  if (!mgr_cgroup_check (cg, plan, error) || !ensure_systemd_hierarchy (cg, error))
    return FALSE;
  for (guint i = 0; i < cg->hiers->len; i++)
    if (earlier_run (cg->hiers->pdata[i], error))
      return FALSE;
  return !cg->delegation || user_monitor_leaf (cg, error);
}

bool
mgr_cgroup_has_v1 (const MgrCgroup *cg)
{
  for (guint i = 0; i < cg->hiers->len; i++)
    if (((Hier *) cg->hiers->pdata[i])->version == 1)
      return true;
  return false;
}

gboolean
mgr_cgroup_create_part (const MgrCgroup *cg, const MgrPlan *plan, int versions, GError **error)
{
  for (guint i = 0; i < cg->hiers->len; i++)
    {
      Hier *h = cg->hiers->pdata[i];
      if (!(versions & h->version))
        continue;
      if (earlier_run (h, error))
        goto fail_kept;
      if (g_file_test (h->path, G_FILE_TEST_IS_DIR))
        {
          g_autoptr (GPtrArray) dirs = g_ptr_array_new_with_free_func (g_free);
          subtree (h->path, dirs, 0);
          for (guint j = 0; j < dirs->len; j++)
            rmdir (dirs->pdata[j]);
        }
      if (!driver (h)->prepare_parent (cg, h, plan, error))
        goto fail;
      if (mkdir (h->path, 0755) < 0)
        {
          g_set_error (error, MGR_ERROR, MGR_ERROR_FAILED, "creating the cgroup %s: %s%s", h->path, g_strerror (errno),
                       errno == EACCES ? " (an ordinary user needs a delegated cgroup: run under systemd-run --user --scope -p Delegate=yes)" : "");
          goto fail;
        }
      if (!driver (h)->prepare (cg, h, plan, error) || !make_inner (cg, h, plan, error))
        goto fail;
    }
  for (size_t i = 0; i < G_N_ELEMENTS (cg_keys); i++)
    {
      const struct mgr_cgroup_key *ck = &cg_keys[i];
      Hier *h = key_set (plan, ck->key) && !(cg->user && !ck->v2) ? key_hier (cg, ck) : NULL;
      g_autoptr (GError) e = NULL;
      if (h && !(versions & h->version))
        continue;
      if (h && !driver (h)->apply (cg, h, ck, plan, &e) && !key_optional (plan, ck->key))
        {
          g_propagate_prefixed_error (error, g_steal_pointer (&e), "[cgroup] %s: ", ck->key);
          goto fail;
        }
    }
  return TRUE;
fail:
  /* A part (mgr-start's v1 cgroups, the monitor's v2 one) leaves the whole
   * to the monitor, which removes every hierarchy once it hears of it: the
   * v2 cgroup removed here could be the one it is cloning into. */
  if (versions == 3)
    mgr_cgroup_destroy (cg, NULL);
  return FALSE;
fail_kept:
  /* Not ours to kill: those processes belong to a run whose monitor died,
   * and only mgr-stop -k ends them. */
  return FALSE;
}

int
mgr_cgroup_v2_fd (const MgrCgroup *cg)
{
  if (!cg->v2)
    return -1;
  return open (cg->v2->inner, O_PATH | O_DIRECTORY | O_CLOEXEC);
}

int
mgr_cgroup_v2_attach_fd (const MgrCgroup *cg, bool leaf)
{
  if (!cg->v2)
    return -1;
  g_autofree char *p = leaf ? g_build_filename (cg->v2->inner, ".mgr-attach", NULL) : g_strdup (cg->v2->inner);
  if (leaf && mkdir (p, 0755) < 0 && errno != EEXIST)
    return -1;
  return open (p, O_PATH | O_DIRECTORY | O_CLOEXEC);
}

static int
write_file (const char *path, const char *value)
{
  _cleanup_close_ int fd = open (path, O_WRONLY | O_CLOEXEC);
  if (fd < 0 || write (fd, value, strlen (value)) < 0)
    return -errno;
  return 0;
}

int
mgr_cgroup_v1_tasks_open (const MgrCgroup *cg, int *fds, const char **paths, int max, GError **error)
{
  int n = 0;
  for (guint i = 0; i < cg->hiers->len; i++)
    {
      Hier *h = cg->hiers->pdata[i];
      if (h->version != 1)
        continue;
      g_autofree char *tasks = g_build_filename (h->inner, "tasks", NULL);
      int fd = n < max ? open (tasks, O_WRONLY | O_CLOEXEC) : (errno = E2BIG, -1);
      if (fd < 0)
        {
          g_set_error (error, MGR_ERROR, MGR_ERROR_FAILED, "opening %s: %s", tasks, g_strerror (errno));
          while (n > 0)
            close (fds[--n]);
          return -1;
        }
      fds[n] = fd;
      paths[n++] = h->inner;
    }
  return n;
}

int
mgr_cgroup_v1_tasks_paths (const MgrCgroup *cg, const char **paths, int max)
{
  int n = 0;
  for (guint i = 0; i < cg->hiers->len && n < max; i++)
    if (((Hier *) cg->hiers->pdata[i])->version == 1)
      paths[n++] = ((Hier *) cg->hiers->pdata[i])->inner;
  return n;
}

gboolean
mgr_cgroup_enter (const MgrCgroup *cg, pid_t pid, bool skip_v1, bool skip_v2, GError **error)
{
  g_autofree char *text = g_strdup_printf ("%d", pid);
  for (guint i = 0; i < cg->hiers->len; i++)
    {
      Hier *h = cg->hiers->pdata[i];
      if ((h == cg->v2 && skip_v2) || (h->version == 1 && skip_v1))
        continue;
      /* Oneself, on v1: tasks (one thread: no global lock); see cgroup.h. */
      g_autofree char *procs = g_build_filename (h->inner, pid == 0 && h->version == 1 ? "tasks" : "cgroup.procs", NULL);
      g_autofree char *leaf = g_build_filename (h->inner, ".mgr-attach", NULL);
      g_autofree char *leaf_procs = g_build_filename (leaf, "cgroup.procs", NULL);
      int r = write_file (procs, text);
      /* v2 keeps processes out of a cgroup whose controllers are enabled
       * for its children (systemd enables them in its root): a process
       * that joins later goes to a leaf of its own, as LXC's
       * cgroup_attach_leaf does. */
      if (r == -EBUSY && h->version == 2 && (mkdir (leaf, 0755) == 0 || errno == EEXIST))
        r = write_file (leaf_procs, text);
      if (r < 0)
        {
          g_set_error (error, MGR_ERROR, MGR_ERROR_FAILED, "moving %s into the cgroup %s: %s", pid ? text : "this process",
                       h->inner, g_strerror (-r));
          return FALSE;
        }
    }
  return TRUE;
}

gboolean
mgr_cgroup_set (const MgrCgroup *cg, const struct mgr_key *k, const MgrPlan *plan, GError **error)
{
  const struct mgr_cgroup_key *ck = cg_key (k->key);
  Hier *h = ck ? key_hier (cg, ck) : NULL;
  g_autoptr (GError) e = NULL;
  if (!h)
    {
      if (cg->unavailable)
        g_set_error (error, MGR_ERROR, MGR_ERROR_PERMISSION, "[cgroup] %s: %s; %s", k->key, cg->unavailable,
                     mgr_cgroup_delegation_hint ());
      else
        g_set_error (error, MGR_ERROR, MGR_ERROR_FAILED, "[cgroup] %s: no hierarchy here serves it", k->key);
      return FALSE;
    }
  if (!driver (h)->check (cg, h, ck, plan, &e) || !driver (h)->apply (cg, h, ck, plan, &e))
    {
      g_propagate_prefixed_error (error, g_steal_pointer (&e), "[cgroup] %s: ", k->key);
      return FALSE;
    }
  return TRUE;
}

static Hier *
freezer (const MgrCgroup *cg)
{
  Hier *h = mgr_cgroup_hier_for (cg, "freezer", NULL);
  return h ? h : cg->v2;
}

gboolean
mgr_cgroup_freeze (const MgrCgroup *cg, bool frozen, GError **error)
{
  Hier *h = freezer (cg);
  if (!h && cg->unavailable)
    {
      g_set_error (error, MGR_ERROR, MGR_ERROR_PERMISSION, "freezing needs a cgroup of your own, and %s; %s",
                   cg->unavailable, mgr_cgroup_delegation_hint ());
      return FALSE;
    }
  if (!h)
    {
      g_set_error (error, MGR_ERROR, MGR_ERROR_FAILED, "this host has neither a v1 freezer nor cgroup v2");
      return FALSE;
    }
  return driver (h)->freeze (h, frozen, error);
}

bool
mgr_cgroup_frozen (const MgrCgroup *cg)
{
  Hier *h = freezer (cg);
  return h && driver (h)->is_frozen (h);
}

gint64
mgr_cgroup_memory (const MgrCgroup *cg)
{
  Hier *mem = mgr_cgroup_hier_for (cg, "memory", "memory");
  return mem ? driver (mem)->memory (mem) : -1;
}

void
mgr_cgroup_stats (const MgrCgroup *cg, MgrCgroupStats *out)
{
  *out = (MgrCgroupStats){ -1, -1, -1 };
  Hier *mem = mgr_cgroup_hier_for (cg, "memory", "memory");
  Hier *cpu = mgr_cgroup_hier_for (cg, "cpuacct", "cpu");
  Hier *pids = mgr_cgroup_hier_for (cg, "pids", "pids");
  if (!cpu && cg->v2)
    cpu = cg->v2; /* cpu.stat's usage_usec is there even without the cpu controller */
  if (mem)
    out->memory = driver (mem)->memory (mem);
  if (cpu)
    out->cpu_usec = driver (cpu)->cpu_usec (cpu);
  if (pids)
    {
      g_autofree char *v = mgr_cgroup_read (pids, "pids.current");
      out->pids = v ? g_ascii_strtoll (v, NULL, 10) : -1;
    }
}

gboolean
mgr_cgroup_core_args (const MgrCgroup *cg, GPtrArray *args)
{
  if (cg->rel)
    return FALSE;
  /* An ordinary user's delegated cgroups (and the monitor's own leaf) are
   * removed by mgr: the core hands back at init's end. */
  if (cg->delegation || cg->user)
    g_ptr_array_add (args, g_strdup ("cgfull=1"));
  /* Where the monitor came from, to go back there before its leaf can be
   * removed: after the hand-back, /proc/self/cgroup names the leaf itself
   * (mgr_cgroup_core_resume). */
  if (cg->delegation && cg->origin)
    g_ptr_array_add (args, g_strdup_printf ("cgorigin=%s", cg->origin));
  for (guint i = 0; i < cg->hiers->len; i++)
    {
      const Hier *h = cg->hiers->pdata[i];
      if (strchr (h->inner, ',') || strchr (h->path, ','))
        return FALSE;
      g_ptr_array_add (args, g_strdup_printf ("cg=%s,%s", h->inner, h->path));
    }
  const Hier *f = freezer (cg);
  if (f)
    g_ptr_array_add (args, g_strdup_printf ("freeze=%d,%s/%s", f->version, f->path,
                                            f->version == 1 ? "freezer.state" : "cgroup.freeze"));
  return TRUE;
}

void
mgr_cgroup_core_resume (MgrCgroup *cg, int argc, char *const *argv)
{
  size_t n = cg->delegation ? strlen (cg->delegation) : 0;
  for (int i = 1; i < argc && n; i++)
    {
      if (!g_str_has_prefix (argv[i], "cgorigin="))
        continue;
      const char *v = argv[i] + strlen ("cgorigin=");
      /* Only where mgr_cgroup_new's walk up from it could have begun:
       * inside the delegated cgroup, which the user owns. */
      if (strncmp (v, cg->delegation, n) == 0 && (v[n] == '/' || v[n] == '\0') && !strstr (v, "/.."))
        {
          g_free (cg->origin);
          cg->origin = g_strdup (v);
        }
    }
}
