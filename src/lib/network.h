#pragma once
#include <glib.h>
#include <sys/types.h>

#include "plan.h"

struct mgr_net_auto;

/* Creates the plan's veth, macvlan and phys interfaces for the child pid
 * (still waiting before GO) and configures them inside its namespace; au
 * (plan->n_net entries, or NULL) adds what mgr-net chose for ipv4/ipv6 = auto. */
struct nl_sock;
/* A connected NETLINK_ROUTE socket in the caller's network namespace, or NULL
 * with error set; free it with nl_socket_free (or the cleanup below). */
struct nl_sock *mgr_nl_route_socket (GError **error);
void mgr_nl_sock_freep (struct nl_sock **sk);

gboolean mgr_network_setup (const MgrPlan *plan, pid_t pid, const struct mgr_net_auto *au, GError **error);
