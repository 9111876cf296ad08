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

/* The host ids used by the [id_map] sections of every container (and of
 * containers being created) in a folder. */
void mgr_id_blocks_taken (const char *containers, GArray *uids, GArray *gids);

/* The host ids of one container's [id_map] (dir holds its config). */
void mgr_id_blocks_of (const char *dir, GArray *uids, GArray *gids);

/* Removes a container's folder as an ordinary user: its rootfs belongs to
 * subordinate ids, so the tree goes from inside a user namespace with the
 * container's [id_map] (and the user's own ids). Root: mgr_rm_tree. */
gboolean mgr_rm_tree_mapped (const char *dir, GError **error);
