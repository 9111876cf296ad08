/* Programs that processes inside a container may come to see: mgr-execute's
 * PID 1 (src/init/mgr-init.c, built into mgr), and mgr itself. */
#pragma once
#include <glib.h>

/* A sealed memfd holding mgr-init, to be executed with execveat
 * (AT_EMPTY_PATH); O_CLOEXEC. -1 with error when it cannot be made. */
int mgr_init_memfd (GError **error);

/* Executes this program again from a sealed memfd copy of itself, with the
 * same arguments and environment, unless it already runs from one (then 0).
 * For a process that forks into a container's pid namespace: between its
 * fork and its exec, /proc/PID/exe inside must not be the host's file
 * (CVE-2019-5736, as runc does). -1 with error when it cannot. */
int mgr_exec_sealed_self (GError **error);
