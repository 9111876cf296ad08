/* The monitor's side of a privileged container's mount calls.
 *
 * The container's seccomp filter sends mount, umount and umount2 to the
 * monitor (SECCOMP_RET_USER_NOTIF); the new mount API (fsopen, fsmount,
 * open_tree, move_mount, mount_setattr, fspick, fsconfig) is refused in the
 * filter itself with ENOSYS, which is how systemd and util-linux learn to use
 * mount(2) instead. For each notification the monitor reads the arguments
 * from the caller's memory, checks that the notification is still live, and
 * hands the work to a short-lived worker that joins the caller's mount
 * namespace, root and working directory, opens the target (and source) there
 * without magic links, asks mountpolicy.c, and mounts through the opened fds.
 * The caller's syscall is always answered by the monitor with a result:
 * never with SECCOMP_USER_NOTIF_FLAG_CONTINUE, since the caller could change
 * its memory between the check and the kernel's own read. */
#pragma once
#include <glib.h>
#include <stdbool.h>
#include <sys/types.h>

#include "mountpolicy.h"

typedef struct MgrMountNotify MgrMountNotify;

/* Says why a call was refused, for the console log (may be NULL). */
typedef void (*MgrMountNote) (void *data, const char *text);

/* Takes the listener fd; protected is the set recorded at setup. */
MgrMountNotify *mgr_mount_notify_new (int listener_fd, const struct mgr_mnt_protected *protected, MgrMountNote note,
                                      void *data);
void mgr_mount_notify_free (MgrMountNotify *n);
int mgr_mount_notify_fd (const MgrMountNotify *n);

/* Answers one pending notification. Bounded: a worker that does not finish
 * in time (a target on a hung filesystem) is killed and the call fails with
 * ETIMEDOUT. Returns false when the listener is gone (no process is left
 * under the filter): the caller stops polling it. */
bool mgr_mount_notify_handle (MgrMountNotify *n);

/* The worker's parts, for the unit tests. mgr_mount_open opens path in the
 * calling process's root and cwd (O_PATH, no magic links; follow=false
 * leaves a final symlink unfollowed) and describes it; the fd or -errno.
 * mgr_mount_describe describes an fd one has (one taken from the caller). */
int mgr_mount_open (int root_fd, const char *path, bool follow, struct mgr_mnt_obj *obj);
int mgr_mount_describe (int fd, struct mgr_mnt_obj *obj);

/* If path names one of the caller's own fds (/proc/self/fd/N or
 * /proc/thread-self/fd/N, as systemd mounts through fds it opened), takes
 * that fd from the caller (pidfd_getfd on pidfd, a pidfd of the calling
 * thread or its process) into *fd and returns 1; 0 for any other path;
 * -errno when the caller has no such fd. */
int mgr_mount_caller_fd (int pidfd, pid_t tid, const char *path, int *fd);

/* The mount a target fd is the root of, for a umount that is not lazy: the
 * folder it sits in (opened, *dir_fd, and described, *under) and its name
 * there, checked to lead to that very mount. 0 or -errno (a mount whose
 * place cannot be named from the root: then only a lazy detach through the
 * fd itself can name it). */
int mgr_mount_place (int root_fd, int fd_dir, int tfd, int *dir_fd, char *name, size_t size, struct mgr_mnt_obj *under);

/* The notification a worker acts for, to check that its caller still waits
 * right before acting (a caller killed meanwhile gets nothing mounted). */
struct mgr_mnt_live {
  int listener;
  uint64_t id;
};

/* Performs a request the policy allowed, through the fds: tfd the target,
 * sfd the source for binds and moves (or -1). fd_dir is an O_PATH fd of the
 * worker's own /proc/self/fd on the host's procfs: fd numbers resolved
 * beneath it are the opened objects, whatever the paths say by now. A
 * umount goes through umount_at (DIR_FD/NAME from mgr_mount_place, relative
 * to fd_dir, with no other reference to the mount held: the kernel counts
 * every open fd as a user) when it is given, else it detaches through tfd.
 * live, when given, is checked right before the call. made gets the new
 * superblock's root for a new mount. 0 or -errno. */
int mgr_mount_perform (const struct mgr_mnt_request *r, const char *source, const char *data, int tfd, int sfd,
                       int fd_dir, const char *umount_at, const struct mgr_mnt_live *live, struct mgr_mnt_key *made);
