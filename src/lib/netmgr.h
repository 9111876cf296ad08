/* mgr-net: the managed bridge (mgrbr0), its NAT and port forwards in the
 * nftables table inet mgr, dnsmasq on the bridge alone, and the addresses
 * that containers with ipv4 = auto / ipv6 = auto receive on it. */
#pragma once
#include <glib.h>
#include <stdbool.h>

#include "plan.h"
#include "settings.h"

/* What mgr-net up applied, as containers and status read it back. */
typedef struct {
  char *state;   /* the state folder: MGR_NET_STATE, else RUNSTATEDIR/mgr/net */
  char *bridge;
  guint32 net4;  /* the IPv4 subnet, host byte order */
  guint prefix4;
  bool has6;
  guint8 net6[16]; /* the /64 */
  bool nat, dhcp, dns;
  char *domain;
} MgrNetConfig;

void mgr_net_config_free (MgrNetConfig *c);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (MgrNetConfig, mgr_net_config_free)

/* The state folder (tests point MGR_NET_STATE elsewhere). */
char *mgr_net_state_dir (void);

/* mgr.conf's net_* settings checked and resolved. */
MgrNetConfig *mgr_net_config_from_settings (const MgrSettings *s, GError **error);

/* Idempotent: makes what is missing, repairs what differs (the table is
 * rebuilt with the forwards of running containers, stale ones dropped),
 * restarts dnsmasq if it died. */
gboolean mgr_net_up (const MgrNetConfig *c, GError **error);
/* Removes everything up made: dnsmasq, the table, the bridge (or only its
 * addresses if it was there before), the state folder. */
gboolean mgr_net_down (GError **error);
/* Text or JSON; FALSE when mgr-net is not up (the text says so). */
gboolean mgr_net_status (bool json, char **out, GError **error);
/* TRUE when mgr-net up has run (and down has not); the bridge's name in *bridge. */
gboolean mgr_net_is_up (char **bridge);
/* The managed bridge's name: what up applied, else mgr.conf's
 * default_bridge (for errors that should say "run mgr-net up"). */
char *mgr_net_managed_bridge (void);

/* What the allocator chose for one [network] section. */
struct mgr_net_auto {
  bool has4, has6, has_mac;
  struct mgr_addr v4, gw4, v6, gw6;
  guint8 mac[6];
};

/* At start, in the monitor: for each [network] with ipv4/ipv6 = auto or
 * forward, checks that it is a veth on the managed bridge, picks stable free
 * addresses and a MAC, registers them (dnsmasq's fixed lease and DNS name),
 * adds the forwards to the table. *out has plan->n_net entries (NULL when the
 * plan needs none of that). Nothing is left registered on failure. */
gboolean mgr_net_attach (const MgrPlan *plan, const char *id, struct mgr_net_auto **out, GError **error);
/* Before the first boot, for a container with automatic addresses while
 * dnsmasq serves DNS: etc/resolv.conf in its rootfs names dnsmasq's
 * addresses and the domain as search. The rootfs is hostile: a symlink is
 * left alone (*note says so), a FIFO, device, folder or hard link is
 * refused with an error; nothing outside the rootfs is ever opened. A new
 * file is given to uid:gid (the container's root). */
gboolean mgr_net_resolv_conf (const MgrPlan *plan, const struct mgr_net_auto *au, uid_t uid, gid_t gid, char **note,
                              GError **error);
/* At stop: removes the container's registration and forwards. */
void mgr_net_detach (const char *id);

/* The [network eth0] section that new containers get while mgr-net is up
 * and net_default is set; NULL otherwise. */
char *mgr_net_default_section (const MgrSettings *s);
