#include "config.h"

#include <string.h>

#include "idblock.h"
#include "spawn.h"
#include <unistd.h>
#include "keys.h"
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
  g_autofree char *cfg = g_build_filename (dir, "config", NULL);
  g_autoptr (GKeyFile) kf = g_key_file_new ();
  if (!g_key_file_load_from_file (kf, cfg, G_KEY_FILE_NONE, NULL))
    return;
  add_taken (kf, "uid", uids);
  add_taken (kf, "gid", gids);
}

void
mgr_id_blocks_taken (const char *containers, GArray *uids, GArray *gids)
{
  g_autoptr (GDir) d = g_dir_open (containers, 0, NULL);
  for (const char *n; d && (n = g_dir_read_name (d));)
    {
      g_autofree char *dir = g_build_filename (containers, n, NULL);
      mgr_id_blocks_of (dir, uids, gids);
    }
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
