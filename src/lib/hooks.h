/* [hooks]: programs run at points of a container's life.
 *   pre-start  host, before the namespaces exist; failing aborts the start
 *   pre-mount  in the container's namespaces, before its mounts
 *   mount      in the container's namespaces, after its mounts, before pivot_root
 *   start      inside the container (a path in the rootfs), just before init
 *   stop       host, when the container is asked to stop
 *   post-stop  host, after the container has stopped
 * Each gets MGR_NAME, MGR_CONFIG_FILE, MGR_ROOTFS_PATH, MGR_ROOTFS_MOUNT,
 * MGR_HOOK_TYPE, and MGR_PID where there is an init. */
#pragma once
#include <glib.h>
#include <sys/types.h>

#include "plan.h"

char **mgr_hook_env (const MgrPlan *plan, const char *type, pid_t pid);

/* Runs a host hook and waits; a failure carries its exit status and stderr. */
gboolean mgr_hook_run (const MgrPlan *plan, const char *type, char *const *argv, pid_t pid, GError **error);
