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
 * leaves a final symlink unfollowed) and describes it; the fd or -errno. */
int mgr_mount_open (int root_fd, const char *path, bool follow, struct mgr_mnt_obj *obj);

/* Performs a request the policy allowed, through the fds: tfd the target,
 * sfd the source for binds and moves (or -1). fd_dir is an O_PATH fd of the
 * worker's own /proc/self/fd on the host's procfs: fd numbers resolved
 * beneath it are the opened objects, whatever the paths say by now. made
 * gets the new superblock's root for a new mount. 0 or -errno. */
int mgr_mount_perform (const struct mgr_mnt_request *r, const char *source, const char *data, int tfd, int sfd,
                       int fd_dir, struct mgr_mnt_key *made);
