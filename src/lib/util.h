/* Small helpers shared by the library and the commands. */
#pragma once
#include <fcntl.h>
#include <glib.h>
#include <linux/openat2.h>
#include <stdbool.h>
#include <stddef.h>
#include <sys/syscall.h>
#include <unistd.h>

static inline void
mgr_closep (int *fd)
{
  if (*fd >= 0)
    close (*fd);
}
#define _cleanup_close_ __attribute__ ((cleanup (mgr_closep)))

/* Hands an fd on and leaves -1 behind, like g_steal_pointer. */
static inline int
mgr_steal_fd (int *fd)
{
  int r = *fd;
  *fd = -1;
  return r;
}

/* Opens name below dirfd, never leaving it and never following a link,
 * not even in the last component: for trees that a container or an image
 * wrote (both hostile). Safe in the child between clone and exec. */
static inline int
mgr_openat2_beneath (int dirfd, const char *name, int flags)
{
  struct open_how how = {
    .flags = flags | O_CLOEXEC | O_NOFOLLOW,
    .resolve = RESOLVE_BENEATH | RESOLVE_NO_SYMLINKS | RESOLVE_NO_MAGICLINKS,
  };
  return syscall (SYS_openat2, dirfd, name, &how, sizeof how);
}

/* Removes a trailing comment: '#' at the start or after white space. */
char *mgr_strip_inline_comment (char *s);

/* Levenshtein distance, for "did you mean" suggestions. */
guint mgr_edit_distance (const char *a, const char *b);

/* Writes path atomically (temporary file beside it, fsync, rename), keeping
 * the mode of an existing file, or using mode for a new one. */
gboolean mgr_write_file_atomic (const char *path, const char *data, gssize len, int mode,
                                GError **error);

/* Replaces path atomically (a temporary file beside it, then rename) but
 * without fsync, for runtime state: it describes processes that a crash of
 * the host ends anyway, and a state file that outlives them is known stale
 * by its monitor's pid and start time. The file gets mode (umask aside). */
gboolean mgr_write_file_replace (const char *path, const char *data, int mode, GError **error);

/* Appends s to out as a JSON string literal. */
void mgr_json_string (GString *out, const char *s);

/* Removes path and everything below it without following any symlink and
 * without crossing into another filesystem (a mount left inside is an
 * error, not something to empty). */
gboolean mgr_rm_tree (const char *path, GError **error);

/* Sends text with fd attached (SCM_RIGHTS). */
void mgr_send_fd (int sock, int fd, const char *text);

/* Reads a file that must be a regular file of at most max bytes, opened
 * relative to dirfd (AT_FDCWD for a path) without following a symlink in its
 * last component and without blocking (a FIFO or device in its place is an
 * error, never a wait). NULL with errno set when it is not such a file. */
char *mgr_read_regular_at (int dirfd, const char *path, gsize max, gsize *len);

#if defined(__x86_64__) && !defined(__ILP32__)
/* clone3 that runs fn (arg) in the child, on the stack ca names, and exits
 * with what it returns: for CLONE_VM | CLONE_VFORK (a child that shares our
 * memory while we wait, as posix_spawn makes it), which the plain system
 * call cannot start on a stack of its own. The child's pid, or -errno. */
struct clone_args;
long mgr_clone3_run (struct clone_args *ca, int (*fn) (void *), void *arg);
#define MGR_HAVE_CLONE3_RUN 1
#endif
