#pragma once
#include <glib.h>
#include <sys/types.h>

/* The addresses of a process's network namespace, other than loopback,
 * read from /proc/PID/net (no need to enter the namespace). */
GPtrArray *mgr_netns_addresses (pid_t pid, int family);
