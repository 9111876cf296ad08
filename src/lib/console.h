/* The console: a pty the monitor owns, and the history mgr-console replays. */
#pragma once
#include <glib.h>
#include <stddef.h>
#include <sys/types.h>

#include "plan.h"

typedef struct {
  int master;
  int slave;
  char path[64]; /* the slave's path on the host, bound onto /dev/console */
} MgrPty;

/* Opens a pty pair (both O_CLOEXEC); owner/group of the slave are set when
 * not -1, so that root of a user namespace can use it. */
int mgr_pty_open (MgrPty *pty, uid_t owner, gid_t group, GError **error);
void mgr_pty_close (MgrPty *pty);

/* For an ordinary user's container: n pty pairs made by root of a user
 * namespace with the plan's maps, so that the slaves belong to the
 * container's root (the user cannot chown them). */
int mgr_pty_open_in_userns (MgrPty *ptys, guint n, const MgrPlan *plan, GError **error);

/* A fixed-size ring of the latest console output. */
typedef struct {
  char *buf;
  size_t size, len, head; /* head: where the next byte goes */
} MgrRing;

void mgr_ring_init (MgrRing *r, size_t size);
void mgr_ring_free (MgrRing *r);
void mgr_ring_append (MgrRing *r, const char *data, size_t len);
/* The content in order, as at most two pieces. */
void mgr_ring_pieces (const MgrRing *r, const char **a, size_t *alen, const char **b, size_t *blen);
