/* mgr-execute's PID 1 (src/init/mgr-init.c), built into mgr. */
#pragma once
#include <glib.h>

/* A sealed memfd holding mgr-init, to be executed with execveat
 * (AT_EMPTY_PATH); O_CLOEXEC. -1 with error when it cannot be made. */
int mgr_init_memfd (GError **error);
