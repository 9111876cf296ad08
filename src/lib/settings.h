/* Where things live, and the system settings of mgr.conf (libconfig syntax). */
#pragma once
#include <glib.h>
#include <stdbool.h>
#include <sys/types.h>

typedef struct {
  bool user;             /* an ordinary user's layout (XDG folders) */
  char *containers;      /* the folder of containers: -P or container_path */
  char *runtime;         /* monitor sockets, pids, locks */
  char *cache;           /* downloaded images */
  char *default_conf;    /* defaults merged into new containers' configs */
  char *system_conf;     /* mgr.conf */
  char *user_conf;       /* ~/.config/mgr/mgr.conf, or NULL for root */
  char *subuid, *subgid; /* /etc/subuid, /etc/subgid */
} MgrPaths;

typedef struct {
  char *container_path;
  char *cache_path;
  char *image_server;
  char *default_bridge;
  gint64 idmap_pool_start;
  gint64 idmap_pool_size;
  char *log_level;
  /* The managed bridge of mgr-net (its name is default_bridge). */
  char *net_ipv4;   /* its IPv4 subnet, "10.0.3.0/24" */
  char *net_ipv6;   /* "auto" (a ULA /64 from the machine id), "none", or PREFIX/64 */
  bool net_nat;     /* masquerade the subnet's traffic out of the host */
  bool net_dhcp;    /* dnsmasq serves DHCP (and router advertisements) */
  bool net_dns;     /* dnsmasq serves DNS, NAME.<net_domain> for containers */
  char *net_domain; /* "mgr" */
  bool net_default; /* new containers get a veth on it with ipv4 = auto while it is up */
} MgrSettings;

/* The paths for the calling user (root when euid is 0). Environment
 * variables MGR_SYSCONFDIR and MGR_SUBUID/MGR_SUBGID override the compiled-in
 * locations, for tests. */
MgrPaths *mgr_paths_new (void);
void mgr_paths_free (MgrPaths *paths);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (MgrPaths, mgr_paths_free)

/* Reads a libconfig file into s, over what s holds. A missing file is not an
 * error; an unknown or mistyped setting is, naming the file and line. */
gboolean mgr_settings_load_file (MgrSettings *s, const char *path, GError **error);

/* Defaults, then the system file, then (for users) their own file; applies
 * container_path and cache_path to paths. */
MgrSettings *mgr_settings_load (MgrPaths *paths, GError **error);
void mgr_settings_free (MgrSettings *s);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (MgrSettings, mgr_settings_free)

/* "web" is a valid container name; "../x", "a/b", "" are not. */
gboolean mgr_name_check (const char *name, GError **error);
