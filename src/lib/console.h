/* The console: a pty the monitor owns, and the history mgr-console replays. */
#pragma once
#include <glib.h>
#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>

#include "plan.h"

typedef struct {
  int master;
  int slave;
  char path[64]; /* the slave's path on the host, bound onto /dev/console */
} MgrPty;

/* Opens a pty pair (both O_CLOEXEC; the slave from the master, never by
 * path); owner/group of the slave are set when not -1, so that root of a
 * user namespace can use it. */
int mgr_pty_open (MgrPty *pty, uid_t owner, gid_t group, GError **error);
void mgr_pty_close (MgrPty *pty);

/* OCI's console socket: connects to the engine's unix socket and sends it
 * the pty's controller fd (SCM_RIGHTS). */
gboolean mgr_console_socket_send (const char *socket_path, int master, GError **error);

/* For an ordinary user's container: n pty pairs made by root of a user
 * namespace with the plan's maps, so that the slaves belong to the
 * container's root (the user cannot chown them). */
int mgr_pty_open_in_userns (MgrPty *ptys, guint n, const MgrPlan *plan, GError **error);

/* The caller's terminal, for a relay. One per process: a signal handler
 * restores it. */
typedef struct {
  int in;   /* 0 when stdin is a terminal, else -1: only then it is raw and read */
  int out;  /* where the container's terminal output goes: the first of 1, 2, 0 that is a terminal */
  int size; /* the terminal whose window size the container's follows */
  unsigned mask; /* bit N: the caller's fd N is a terminal, so the container's fd N is its pty */
} MgrCallerTty;

/* Which of the caller's fds 0-2 are terminals; false when none is. A
 * container never gets one of them: each is replaced by a pty of its own
 * that mgr relays, since any process holding a terminal can push input into
 * it (TIOCSTI) or change its settings. */
bool mgr_caller_tty (MgrCallerTty *t);
/* Puts the terminal on fd in raw mode, and restores it at mgr_term_restore
 * or when the process dies of a signal it can catch. */
void mgr_term_raw (int fd);
void mgr_term_restore (void);
/* Copies the window size of from onto the pty master to (one way only). */
void mgr_term_copy_size (int from, int to);

/* A fixed-size ring of the latest console output. */
typedef struct {
  char *buf;
  size_t size, len, head; /* head: where the next byte goes */
  bool mapped;             /* buf is an mmap of size bytes */
  int fd;                  /* the memfd mapped, or -1: the monitor's core maps it again after its exec */
} MgrRing;

void mgr_ring_init (MgrRing *r, size_t size);
void mgr_ring_free (MgrRing *r);
void mgr_ring_append (MgrRing *r, const char *data, size_t len);
/* The content in order, as at most two pieces. */
void mgr_ring_pieces (const MgrRing *r, const char **a, size_t *alen, const char **b, size_t *blen);
