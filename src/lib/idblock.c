#include "config.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "idblock.h"
#include "keys.h"
#include "mgr-error.h"
#include "runtime.h"
#include "spawn.h"
#include "util.h"

GArray *
mgr_subid_ranges (const char *path, const char *user, guint32 id)
{
  GArray *out = g_array_new (FALSE, FALSE, sizeof (struct mgr_idmap_range));
  g_autofree char *text = NULL;
  g_autofree char *idtext = g_strdup_printf ("%u", id);
  if (!g_file_get_contents (path, &text, NULL, NULL))
    return out;
  g_auto (GStrv) lines = g_strsplit (text, "\n", -1);
  for (char **l = lines; *l; l++)
    {
      g_auto (GStrv) f = g_strsplit (*l, ":", 3);
      if (g_strv_length (f) != 3 || (g_strcmp0 (f[0], user) != 0 && strcmp (f[0], idtext) != 0))
        continue;
      guint64 start = g_ascii_strtoull (f[1], NULL, 10), count = g_ascii_strtoull (f[2], NULL, 10);
      if (count && start + count <= G_MAXUINT32)
        g_array_append_val (out, ((struct mgr_idmap_range){ 0, start, count }));
    }
  return out;
}

gboolean
mgr_id_block_find (const GArray *ranges, const GArray *taken, guint32 *start)
{
  for (guint i = 0; i < ranges->len; i++)
    {
      const struct mgr_idmap_range *r = &g_array_index (ranges, struct mgr_idmap_range, i);
      guint64 s = r->outside, end = (guint64) r->outside + r->count;
      while (s + MGR_ID_BLOCK <= end)
        {
          guint64 clash_end = 0;
          for (guint j = 0; j < taken->len; j++)
            {
              const struct mgr_idmap_range *t = &g_array_index (taken, struct mgr_idmap_range, j);
              if (s < (guint64) t->outside + t->count && t->outside < s + MGR_ID_BLOCK)
                clash_end = MAX (clash_end, (guint64) t->outside + t->count);
            }
          if (!clash_end)
            {
              *start = s;
              return TRUE;
            }
          /* Next candidate: the first aligned start past the clash. */
          s = r->outside + ((clash_end - r->outside + MGR_ID_BLOCK - 1) / MGR_ID_BLOCK) * MGR_ID_BLOCK;
        }
    }
  return FALSE;
}

/* Appends the host ranges of [id_map] KEY (uid or gid) to out. */
static void
add_taken (GKeyFile *kf, const char *key, GArray *out)
{
  g_autofree char *v = g_key_file_get_value (kf, "id_map", key, NULL);
  const struct mgr_key *k = mgr_key_find (MGR_SEC_ID_MAP, key);
  struct mgr_idmap_settings s = { 0 };
  if (!v || !mgr_key_parse (k, mgr_strip_inline_comment (v), &s, NULL))
    return;
  struct mgr_idmap *m = strcmp (key, "uid") == 0 ? &s.uid : &s.gid;
  for (guint i = 0; i < m->n; i++)
    g_array_append_val (out, m->r[i]);
  k->type->clear (m);
}

void
mgr_id_blocks_of (const char *dir, GArray *uids, GArray *gids)
{
  gsize len = 0;
  _cleanup_close_ int dfd = open (dir, O_RDONLY | O_DIRECTORY | O_NONBLOCK | O_CLOEXEC);
  g_autofree char *text = dfd >= 0 ? mgr_read_regular_at (dfd, "config", 1 << 20, &len) : NULL;
  g_autoptr (GKeyFile) kf = g_key_file_new ();
  if (!text || !g_key_file_load_from_data (kf, text, len, G_KEY_FILE_NONE, NULL))
    return;
  add_taken (kf, "uid", uids);
  add_taken (kf, "gid", gids);
}

static int
rm_tree_in_userns (void *dir)
{
  return mgr_rm_tree (dir, NULL) ? 0 : 1;
}

static void
add_range (struct mgr_idmap *m, guint32 in, guint32 out, guint32 count)
{
  m->r = g_renew (struct mgr_idmap_range, m->r, m->n + 1);
  m->r[m->n++] = (struct mgr_idmap_range){ in, out, count };
}

/* An ordinary user's rootfs belongs to subordinate ids the user cannot
 * touch: the tree is removed by root of a user namespace with the
 * container's map, plus the user's own ids (above it) for the folders the
 * user made. */
gboolean
mgr_rm_tree_mapped (const char *dir, GError **error)
{
  g_autoptr (GArray) u = g_array_new (FALSE, FALSE, sizeof (struct mgr_idmap_range));
  g_autoptr (GArray) g = g_array_new (FALSE, FALSE, sizeof (struct mgr_idmap_range));
  mgr_id_blocks_of (dir, u, g);
  if (!u->len || !g->len)
    return mgr_rm_tree (dir, error);
  MgrPlan plan = { .user_namespace = true };
  guint64 top = 0;
  for (guint i = 0; i < u->len; i++)
    {
      const struct mgr_idmap_range *r = &g_array_index (u, struct mgr_idmap_range, i);
      add_range (&plan.id_map.uid, r->inside, r->outside, r->count);
      top = MAX (top, (guint64) r->inside + r->count);
    }
  for (guint i = 0; i < g->len; i++)
    {
      const struct mgr_idmap_range *r = &g_array_index (g, struct mgr_idmap_range, i);
      add_range (&plan.id_map.gid, r->inside, r->outside, r->count);
      top = MAX (top, (guint64) r->inside + r->count);
    }
  add_range (&plan.id_map.uid, top, geteuid (), 1);
  add_range (&plan.id_map.gid, top, getegid (), 1);
  gboolean ok = mgr_userns_run (&plan, rm_tree_in_userns, (void *) dir, error);
  g_free (plan.id_map.uid.r);
  g_free (plan.id_map.gid.r);
  /* What is left (a file the map does not cover) says itself why. */
  if (!ok || g_file_test (dir, G_FILE_TEST_EXISTS))
    {
      g_clear_error (error);
      return mgr_rm_tree (dir, error);
    }
  return TRUE;
}

char *
mgr_id_registry_path (void)
{
  if (geteuid () == 0)
    return g_build_filename (MGR_LOCALSTATEDIR, "lib", "mgr", ".folders", NULL);
  return g_build_filename (g_get_user_data_dir (), "mgr", ".folders", NULL);
}

/* FOLDER/NAME with FOLDER's symlinks resolved: how holders are compared. */
static char *
canonical_container (const char *dir)
{
  g_autofree char *canon = g_canonicalize_filename (dir, NULL);
  g_autofree char *parent = g_path_get_dirname (canon), *name = g_path_get_basename (canon);
  char *real = realpath (parent, NULL);
  char *out = g_build_filename (real ? real : parent, name, NULL);
  free (real);
  return out;
}

char *
mgr_id_hold_name (const MgrIdHold *h)
{
  char *name = g_path_get_basename (h->holder);
  char *suffix = h->creating ? g_strrstr (name, ".creating-") : NULL;
  if (suffix)
    {
      /* .NAME.creating-XXXXXX */
      *suffix = '\0';
      memmove (name, name + 1, strlen (name));
    }
  return name;
}

static void
add_holds (GKeyFile *kf, const char *key, const char *holder, bool creating, GArray *out)
{
  g_autofree char *sv = g_key_file_get_value (kf, "id_map", "shared", NULL);
  struct mgr_idmap_settings flags = { 0 };
  bool shared = sv && mgr_key_parse (mgr_key_find (MGR_SEC_ID_MAP, "shared"), mgr_strip_inline_comment (sv), &flags, NULL)
                && flags.shared;
  g_autoptr (GArray) ranges = g_array_new (FALSE, FALSE, sizeof (struct mgr_idmap_range));
  add_taken (kf, key, ranges);
  for (guint i = 0; i < ranges->len; i++)
    {
      MgrIdHold h = { g_array_index (ranges, struct mgr_idmap_range, i), strcmp (key, "gid") == 0, g_strdup (holder),
                      creating, shared };
      g_array_append_val (out, h);
    }
}

/* Reads the [id_map] of DIRFD/NAME/config into holds. */
static void
read_holds (int dirfd, const char *name, const char *holder, bool creating, GArray *holds)
{
  _cleanup_close_ int cfd = openat (dirfd, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC);
  gsize len = 0;
  g_autofree char *text = cfd >= 0 ? mgr_read_regular_at (cfd, "config", 1 << 20, &len) : NULL;
  g_autoptr (GKeyFile) kf = g_key_file_new ();
  if (!text || !g_key_file_load_from_data (kf, text, len, G_KEY_FILE_NONE, NULL))
    return;
  add_holds (kf, "uid", holder, creating, holds);
  add_holds (kf, "gid", holder, creating, holds);
}

/* What the last scan read from each config, so that a start does not parse
 * every container's config on the host again (50 containers: 1.7 ms of each
 * start). It is a cache of the configs, not a second record that could
 * disagree with them: an entry is used only while its config has the
 * device, inode, size, mtime and ctime it was read with (any write changes
 * the ctime, which no one can set), and a config changed less than two
 * seconds before it was read is not kept (a second write within the same
 * clock tick could keep all of them: git's "racily clean" entries). Read and
 * written under the registry's lock, beside the registry, by its owner. */
typedef struct {
  char *key;    /* the config's stat, as text */
  GArray *holds; /* MgrIdHold without holder */
} CacheEntry;

static void
cache_entry_free (gpointer p)
{
  CacheEntry *e = p;
  g_free (e->key);
  g_array_unref (e->holds);
  g_free (e);
}

typedef struct {
  GHashTable *old, *now; /* holder -> CacheEntry */
  bool changed;
} IdCache;

static char *
cache_path (const char *registry)
{
  return g_strconcat (registry, ".cache", NULL);
}

static void
cache_load (IdCache *c, const char *registry)
{
  c->old = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, cache_entry_free);
  c->now = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, cache_entry_free);
  g_autofree char *path = cache_path (registry);
  g_autofree char *text = mgr_read_regular_at (AT_FDCWD, path, 4 << 20, NULL);
  CacheEntry *e = NULL;
  for (char *line = text, *next; line && *line; line = next)
    {
      next = strchr (line, '\n');
      if (next)
        *next++ = '\0';
      char key[128];
      int at = 0;
      MgrIdHold h = { 0 };
      unsigned gid, shared;
      if (sscanf (line, "C %127s %n", key, &at) == 1 && at > 0 && line[at] == '/')
        {
          e = g_new0 (CacheEntry, 1);
          e->key = g_strdup (key);
          e->holds = g_array_new (FALSE, FALSE, sizeof (MgrIdHold));
          g_hash_table_replace (c->old, g_strdup (line + at), e);
        }
      else if (e && sscanf (line, "H %u %u %u %u %u", &gid, &shared, &h.r.inside, &h.r.outside, &h.r.count) == 5)
        {
          h.gid = gid, h.shared = shared;
          g_array_append_val (e->holds, h);
        }
      else
        e = NULL;
    }
}

static void
cache_save (IdCache *c, const char *registry)
{
  /* Matched entries moved from old to now: what is left in old is gone. */
  if (!c->changed && g_hash_table_size (c->old) == 0)
    return;
  g_autoptr (GString) out = g_string_new (NULL);
  GHashTableIter it;
  gpointer k, v;
  g_hash_table_iter_init (&it, c->now);
  while (g_hash_table_iter_next (&it, &k, &v))
    {
      CacheEntry *e = v;
      g_string_append_printf (out, "C %s %s\n", e->key, (char *) k);
      for (guint i = 0; i < e->holds->len; i++)
        {
          const MgrIdHold *h = &g_array_index (e->holds, MgrIdHold, i);
          g_string_append_printf (out, "H %u %u %u %u %u\n", h->gid, h->shared, h->r.inside, h->r.outside, h->r.count);
        }
    }
  g_autofree char *path = cache_path (registry);
  /* Only an accelerator: a cache that cannot be written is read again. */
  mgr_write_file_replace (path, out->str, 0600, NULL);
}

static void
cache_clear (IdCache *c)
{
  g_clear_pointer (&c->old, g_hash_table_unref);
  g_clear_pointer (&c->now, g_hash_table_unref);
}

/* The [id_map] holds of DIRFD/NAME/config, from the cache while the config
 * is the one it read. */
static void
read_holds_cached (IdCache *c, int dirfd, const char *name, unsigned char type, const char *holder, GArray *holds)
{
  /* One fstatat a container while it is a folder (its type from the folder's
   * listing): a symlink in its place is read_holds's, which never follows it. */
  g_autofree char *config = g_build_filename (name, "config", NULL);
  struct stat st;
  if (type != DT_DIR || fstatat (dirfd, config, &st, AT_SYMLINK_NOFOLLOW) < 0 || !S_ISREG (st.st_mode)
      || strchr (holder, '\n'))
    {
      read_holds (dirfd, name, holder, false, holds);
      return;
    }
  char key[128];
  snprintf (key, sizeof key, "%lx:%lx:%lld:%lld.%09ld:%lld.%09ld", (unsigned long) st.st_dev, (unsigned long) st.st_ino,
            (long long) st.st_size, (long long) st.st_mtim.tv_sec, st.st_mtim.tv_nsec, (long long) st.st_ctim.tv_sec,
            st.st_ctim.tv_nsec);
  CacheEntry *e = g_hash_table_lookup (c->old, holder);
  if (e && strcmp (e->key, key) == 0)
    {
      for (guint i = 0; i < e->holds->len; i++)
        {
          MgrIdHold h = g_array_index (e->holds, MgrIdHold, i);
          h.holder = g_strdup (holder);
          g_array_append_val (holds, h);
        }
      gpointer okey, oval;
      if (g_hash_table_steal_extended (c->old, holder, &okey, &oval))
        {
          g_free (okey);
          g_hash_table_insert (c->now, g_strdup (holder), oval);
        }
      return;
    }
  guint first = holds->len;
  read_holds (dirfd, name, holder, false, holds);
  struct timespec now;
  clock_gettime (CLOCK_REALTIME, &now);
  /* Racily clean: changed too recently to be told from a second write. */
  if (now.tv_sec - st.st_ctim.tv_sec < 2 || now.tv_sec - st.st_mtim.tv_sec < 2)
    return;
  /* Unchanged while it was read: the stat still matches. */
  struct stat again;
  if (fstatat (dirfd, config, &again, AT_SYMLINK_NOFOLLOW) < 0 || again.st_ino != st.st_ino || again.st_size != st.st_size
      || again.st_ctim.tv_sec != st.st_ctim.tv_sec || again.st_ctim.tv_nsec != st.st_ctim.tv_nsec)
    return;
  e = g_new0 (CacheEntry, 1);
  e->key = g_strdup (key);
  e->holds = g_array_new (FALSE, FALSE, sizeof (MgrIdHold));
  for (guint i = first; i < holds->len; i++)
    {
      MgrIdHold h = g_array_index (holds, MgrIdHold, i);
      h.holder = NULL;
      g_array_append_val (e->holds, h);
    }
  g_hash_table_insert (c->now, g_strdup (holder), e);
  c->changed = true;
}

/* Whether the creator recorded in DIRFD/NAME/creator still runs. */
static bool
creator_lives (int dirfd, const char *name)
{
  _cleanup_close_ int cfd = openat (dirfd, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC);
  g_autofree char *text = cfd >= 0 ? mgr_read_regular_at (cfd, "creator", 128, NULL) : NULL;
  int pid = 0;
  guint64 start = 0;
  if (!text || sscanf (text, "%d %" G_GUINT64_FORMAT, &pid, &start) != 2 || pid <= 0)
    return false;
  return mgr_proc_start_time (pid) == start;
}

static void
scan_folder (IdCache *cache, const char *folder, GArray *holds)
{
  _cleanup_close_ int dfd = open (folder, O_RDONLY | O_DIRECTORY | O_NONBLOCK | O_CLOEXEC);
  int lfd = dfd >= 0 ? fcntl (dfd, F_DUPFD_CLOEXEC, 3) : -1;
  DIR *d = lfd >= 0 ? fdopendir (lfd) : NULL;
  if (!d && lfd >= 0)
    close (lfd);
  for (struct dirent *de; d && (de = readdir (d));)
    {
      const char *n = de->d_name;
      if (strcmp (n, ".") == 0 || strcmp (n, "..") == 0)
        continue;
      g_autofree char *holder = g_build_filename (folder, n, NULL);
      if (n[0] != '.')
        read_holds_cached (cache, dfd, n, de->d_type, holder, holds);
      else if (strstr (n, ".creating-"))
        {
          /* The registry's lock is held, and a creator writes its record
           * under it right after making the folder: no record, or a dead
           * creator, is a create killed before it could clean up. */
          if (creator_lives (dfd, n))
            read_holds (dfd, n, holder, true, holds);
          else if (geteuid () == 0)
            mgr_rm_tree (holder, NULL);
          else
            mgr_rm_tree_mapped (holder, NULL); /* its rootfs belongs to the user's subordinate ids */
        }
    }
  if (d)
    closedir (d);
}

static void
hold_clear (gpointer p)
{
  g_free (((MgrIdHold *) p)->holder);
}

void
mgr_id_registry_close (MgrIdRegistry *r)
{
  if (!r)
    return;
  if (r->lock_fd >= 0)
    close (r->lock_fd);
  g_free (r->path);
  if (r->folders)
    g_ptr_array_unref (r->folders);
  if (r->holds)
    g_array_unref (r->holds);
  g_free (r);
}

MgrIdRegistry *
mgr_id_registry_open (const char *folder, bool (*stop) (void), GError **error)
{
  g_autoptr (MgrIdRegistry) r = g_new0 (MgrIdRegistry, 1);
  r->lock_fd = -1;
  r->path = mgr_id_registry_path ();
  r->folders = g_ptr_array_new_with_free_func (g_free);
  r->holds = g_array_new (FALSE, TRUE, sizeof (MgrIdHold));
  g_array_set_clear_func (r->holds, hold_clear);
  g_autofree char *dir = g_path_get_dirname (r->path);
  g_autofree char *lockpath = g_strconcat (r->path, ".lock", NULL);
  if (g_mkdir_with_parents (dir, 0700) < 0)
    return g_set_error (error, MGR_ERROR, MGR_ERROR_IO, "creating %s (where the record of container folders is kept): %s",
                        dir, g_strerror (errno)), NULL;
  r->lock_fd = open (lockpath, O_RDWR | O_CREAT | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC, 0600);
  if (r->lock_fd < 0)
    return g_set_error (error, MGR_ERROR, MGR_ERROR_IO, "opening the lock %s: %s", lockpath, g_strerror (errno)), NULL;
  /* Waiting in slices, not in F_OFD_SETLKW: whoever holds the lock holds it
   * briefly, and a caller that is interrupted meanwhile gives up. */
  struct flock fl = { .l_type = F_WRLCK, .l_whence = SEEK_SET };
  while (fcntl (r->lock_fd, F_OFD_SETLK, &fl) < 0)
    {
      if (errno != EACCES && errno != EAGAIN && errno != EINTR)
        return g_set_error (error, MGR_ERROR, MGR_ERROR_IO, "locking %s: %s", lockpath, g_strerror (errno)), NULL;
      if (stop && stop ())
        return g_set_error (error, MGR_ERROR, MGR_ERROR_FAILED, "interrupted while waiting for %s", lockpath), NULL;
      g_usleep (20000);
    }

  g_autofree char *text = mgr_read_regular_at (AT_FDCWD, r->path, 1 << 20, NULL);
  if (!text && errno != ENOENT)
    return g_set_error (error, MGR_ERROR, MGR_ERROR_IO, "reading %s: %s (it must be a regular file of paths)", r->path,
                        g_strerror (errno)), NULL;
  g_autofree char *self = NULL;
  if (folder)
    {
      char *real = realpath (folder, NULL);
      self = real ? g_strdup (real) : g_canonicalize_filename (folder, NULL);
      free (real);
      if (strchr (self, '\n'))
        return g_set_error (error, MGR_ERROR, MGR_ERROR_INVALID, "the folder %s has a line break in its name; use another",
                            self), NULL;
    }
  g_auto (GStrv) lines = g_strsplit (text ? text : "", "\n", -1);
  bool changed = false;
  for (char **l = lines; *l; l++)
    {
      struct stat st;
      if (!**l)
        continue;
      if (**l != '/' || stat (*l, &st) < 0 || !S_ISDIR (st.st_mode))
        {
          changed = true;
          continue;
        }
      bool dup = false;
      for (guint i = 0; i < r->folders->len && !dup; i++)
        dup = strcmp (r->folders->pdata[i], *l) == 0;
      if (!dup)
        g_ptr_array_add (r->folders, g_strdup (*l));
      else
        changed = true;
    }
  if (self)
    {
      bool known = false;
      for (guint i = 0; i < r->folders->len && !known; i++)
        known = strcmp (r->folders->pdata[i], self) == 0;
      if (!known)
        {
          g_ptr_array_add (r->folders, g_strdup (self));
          changed = true;
        }
    }
  if (changed)
    {
      g_autoptr (GString) out = g_string_new (NULL);
      for (guint i = 0; i < r->folders->len; i++)
        g_string_append_printf (out, "%s\n", (char *) r->folders->pdata[i]);
      if (!mgr_write_file_atomic (r->path, out->str, out->len, 0600, error))
        return NULL;
    }
  IdCache cache = { 0 };
  cache_load (&cache, r->path);
  for (guint i = 0; i < r->folders->len; i++)
    scan_folder (&cache, r->folders->pdata[i], r->holds);
  cache_save (&cache, r->path);
  cache_clear (&cache);
  return g_steal_pointer (&r);
}

void
mgr_id_registry_taken (const MgrIdRegistry *r, const char *self_dir, GArray *uids, GArray *gids)
{
  g_autofree char *self = self_dir ? canonical_container (self_dir) : NULL;
  for (guint i = 0; i < r->holds->len; i++)
    {
      const MgrIdHold *h = &g_array_index (r->holds, MgrIdHold, i);
      if (!self || strcmp (h->holder, self) != 0)
        g_array_append_val (h->gid ? gids : uids, h->r);
    }
}

gboolean
mgr_id_creating_mark (const char *dir, GError **error)
{
  g_autofree char *path = g_build_filename (dir, "creator", NULL);
  g_autofree char *text = g_strdup_printf ("%d %" G_GUINT64_FORMAT "\n", getpid (), mgr_proc_start_time (getpid ()));
  return mgr_write_file_atomic (path, text, -1, 0600, error);
}

static const MgrIdHold *
overlap (const MgrIdRegistry *r, const char *self, const struct mgr_idmap *m, bool gid, const struct mgr_idmap_range **mine)
{
  for (guint j = 0; j < m->n; j++)
    for (guint i = 0; i < r->holds->len; i++)
      {
        const MgrIdHold *h = &g_array_index (r->holds, MgrIdHold, i);
        const struct mgr_idmap_range *a = &m->r[j];
        if (h->gid != gid || h->shared || strcmp (h->holder, self) == 0)
          continue;
        if ((guint64) a->outside < (guint64) h->r.outside + h->r.count
            && (guint64) h->r.outside < (guint64) a->outside + a->count)
          {
            *mine = a;
            return h;
          }
      }
  return NULL;
}

gboolean
mgr_id_blocks_check (const MgrPlan *plan, GError **error)
{
  if (!plan->user_namespace || !plan->dir || plan->id_map.shared)
    return TRUE;
  g_autofree char *folder = g_path_get_dirname (plan->dir);
  g_autoptr (MgrIdRegistry) r = mgr_id_registry_open (folder, NULL, error);
  if (!r)
    return FALSE;
  g_autofree char *self = canonical_container (plan->dir);
  for (int gid = 0; gid < 2; gid++)
    {
      const struct mgr_idmap_range *mine = NULL;
      const MgrIdHold *h = overlap (r, self, gid ? &plan->id_map.gid : &plan->id_map.uid, gid, &mine);
      if (!h)
        continue;
      g_autofree char *hname = mgr_id_hold_name (h), *hfolder = g_path_get_dirname (h->holder);
      const char *key = gid ? "gid" : "uid";
      g_set_error (error, MGR_ERROR, MGR_ERROR_CONFLICT,
                   "[id_map] %s = %u %u %u: host %ss %u-%" G_GUINT64_FORMAT " are held by container %s in %s%s "
                   "(its [id_map] %s = %u %u %u); containers sharing host ids can reach each other's files: give "
                   "this one a block of its own, or set [id_map] shared = true to share knowingly",
                   key, mine->inside, mine->outside, mine->count, key, MAX (mine->outside, h->r.outside),
                   MIN ((guint64) mine->outside + mine->count, (guint64) h->r.outside + h->r.count) - 1,
                   hname,
                   hfolder, h->creating ? " (being created)" : "", key, h->r.inside, h->r.outside, h->r.count);
      return FALSE;
    }
  return TRUE;
}
