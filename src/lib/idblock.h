/* Subordinate id ranges, and the 65536-id blocks root's containers get. */
#pragma once
#include <glib.h>

#include "plan.h"

#define MGR_ID_BLOCK 65536

/* A user's ranges from an /etc/subuid-style file (by name or by id), as
 * struct mgr_idmap_range with inside = 0. */
GArray *mgr_subid_ranges (const char *path, const char *user, guint32 id);

/* The first free block of MGR_ID_BLOCK ids inside the given ranges, not
 * overlapping any of taken (struct mgr_idmap_range, host side). */
gboolean mgr_id_block_find (const GArray *ranges, const GArray *taken, guint32 *start);

/* The host ids of one container's [id_map] (dir holds its config). */
void mgr_id_blocks_of (const char *dir, GArray *uids, GArray *gids);

/* Removes a container's folder as an ordinary user: its rootfs belongs to
 * subordinate ids, so the tree goes from inside a user namespace with the
 * container's [id_map] (and the user's own ids). Root: mgr_rm_tree. */
gboolean mgr_rm_tree_mapped (const char *dir, GError **error);

/* Which folders hold containers, so that id blocks are unique across every
 * folder on the host (two folders' containers sharing host ids could reach
 * each other's files) while the blocks themselves are still derived from
 * the containers' own configs, never kept in a second database that could
 * disagree with them. The record is one canonical folder path a line, in
 * the caller's own folder (root: LOCALSTATEDIR/lib/mgr/.folders; an
 * ordinary user: ~/.local/share/mgr/.folders), read and written under the
 * lock .folders.lock beside it. A folder enters it when a container is
 * created or started there, and leaves when it no longer exists. What a scan
 * read of each config is cached in .folders.cache, used only while the
 * config's stat is the one it was read with (idblock.c says why that is
 * safe): a start with 130 containers on the host paid 1.2 ms to parse them. */
typedef struct {
  struct mgr_idmap_range r; /* host side */
  bool gid;
  char *holder;             /* the container's folder (FOLDER/NAME) */
  bool creating;            /* a .NAME.creating-* folder whose creator lives */
  bool shared;              /* its [id_map] shared = true */
} MgrIdHold;

/* The name of the container holding h. */
char *mgr_id_hold_name (const MgrIdHold *h);

typedef struct {
  int lock_fd;
  char *path;
  GPtrArray *folders; /* char *, canonical */
  GArray *holds;      /* MgrIdHold */
} MgrIdRegistry;

/* The registry file of this user. */
char *mgr_id_registry_path (void);

/* Takes the registry's lock (waiting; giving up with "interrupted" when
 * stop, if not NULL, says so), records folder (a folder of containers, NULL
 * for none) and drops recorded folders that are gone, then reads the
 * [id_map] of every container in every recorded folder. A container being
 * created counts while its creator (pid and start time in its creator file)
 * lives; a creating folder whose creator is gone is removed. Every file is
 * read without following symlinks or blocking (a FIFO is skipped). The lock
 * is held until mgr_id_registry_close. */
MgrIdRegistry *mgr_id_registry_open (const char *folder, bool (*stop) (void), GError **error);
void mgr_id_registry_close (MgrIdRegistry *r);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (MgrIdRegistry, mgr_id_registry_close)

/* The host ranges held by every container but the one in self_dir. */
void mgr_id_registry_taken (const MgrIdRegistry *r, const char *self_dir, GArray *uids, GArray *gids);

/* Records this process as the creator of a .NAME.creating-* folder. */
gboolean mgr_id_creating_mark (const char *dir, GError **error);

/* Fails, naming the holder, when the plan's [id_map] shares host ids with
 * another container of any recorded folder, unless either of them says
 * [id_map] shared = true; records the plan's folder. */
gboolean mgr_id_blocks_check (const MgrPlan *plan, GError **error);
