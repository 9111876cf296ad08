/* The plan: a container's config, parsed, validated and resolved.
 *
 * Every field starts "unset" (zero); the key table (keys.c) is the only code
 * that fills it, and the loader (config.c) runs the cross-field checks once.
 * The executor reads a finished plan and nothing else.  Between clone and exec
 * the child only reads these fields: it never frees or grows them. */
#pragma once
#include <glib.h>
#include <stdbool.h>
#include <stdint.h>
#include <sys/resource.h>

#define MGR_UNLIMITED G_MAXUINT64 /* "max" in cgroup values, "unlimited" in limits */
#define MGR_IDMAP_MAX 340         /* ranges the kernel accepts in one uid_map */

/* A number that may be absent from the config. */
struct mgr_u64 {
  bool set;
  guint64 v;
};

struct mgr_idmap_range {
  guint32 inside;
  guint32 outside;
  guint32 count;
};

struct mgr_idmap {
  guint n;
  struct mgr_idmap_range *r;
};

struct mgr_addr {
  int family; /* AF_INET or AF_INET6 */
  guint8 addr[16];
  guint prefix; /* 0..32 or 0..128; for a gateway the full length */
};

struct mgr_addr_list {
  guint n;
  struct mgr_addr *v;
  bool automatic; /* "auto": mgr-net picks the address at start (n is 0) */
};

/* forward = tcp:8080:80: the host's port to the container's. */
struct mgr_forward {
  int proto; /* IPPROTO_TCP or IPPROTO_UDP */
  guint16 host_port, port;
};

struct mgr_forward_list {
  guint n;
  struct mgr_forward *v;
};

struct mgr_caps {
  bool set;
  guint64 mask; /* bit N = capability N */
};

struct mgr_cpu_max {
  bool set;
  guint64 quota; /* MGR_UNLIMITED for "max" */
  guint64 period;
};

struct mgr_dev_rule {
  char type;  /* 'a', 'b' or 'c' */
  gint64 major; /* -1 for '*' */
  gint64 minor;
  char access[4]; /* subset of "rwm" */
};

struct mgr_dev_rules {
  bool set;
  guint n;
  struct mgr_dev_rule *v;
};

struct mgr_io_limit {
  guint32 major, minor;
  guint64 rbps, wbps, riops, wiops; /* MGR_UNLIMITED when not limited */
};

struct mgr_io_limits {
  guint n;
  struct mgr_io_limit *v;
};

struct mgr_rlimit {
  bool set;
  guint64 soft, hard; /* MGR_UNLIMITED = RLIM_INFINITY */
};

enum mgr_mount_create { MGR_CREATE_NONE, MGR_CREATE_DIR, MGR_CREATE_FILE };

struct mgr_mount_opts {
  bool set;
  unsigned long flags;       /* MS_RDONLY, MS_NOSUID, ... */
  unsigned long clear;       /* flags asked off explicitly (rw, suid, dev, exec) */
  unsigned long propagation; /* MS_PRIVATE, MS_SLAVE, MS_SHARED, MS_UNBINDABLE or 0 */
  bool bind;
  bool recursive;
  bool optional;
  enum mgr_mount_create create;
  bool copy_up; /* OCI's tmpcopyup: what the rootfs had at the target is copied into the new tmpfs */
  char *data; /* filesystem-specific options, comma-separated, or NULL */
  char *text; /* the canonical option string, for printing */
};

enum mgr_seccomp_kind { MGR_SECCOMP_DEFAULT, MGR_SECCOMP_UNCONFINED, MGR_SECCOMP_FILE };

struct mgr_seccomp {
  bool set;
  enum mgr_seccomp_kind kind;
  char *path;
};

#define MGR_SIGNAL_AUTO (-1)

struct mgr_container_settings {
  char *rootfs;
  char *hostname;
  char **init; /* argv */
  char *cwd;
  struct mgr_u64 uid, gid;
  char **environment; /* NAME=VALUE */
  int stop_signal; /* or MGR_SIGNAL_AUTO: chosen by what init is (initsig.h) */
  struct mgr_u64 stop_timeout; /* milliseconds */
  bool autostart;
  struct mgr_u64 autostart_delay; /* milliseconds */
  struct mgr_u64 tty_count;
  char *console_log;
  struct mgr_u64 console_buffer; /* bytes */
  bool nesting; /* user namespace: /proc and /sys stay the container's own, unlocked */
};

struct mgr_idmap_settings {
  struct mgr_idmap uid, gid;
  bool shared; /* shares host ids with other containers knowingly */
};

enum mgr_net_type { MGR_NET_VETH, MGR_NET_MACVLAN, MGR_NET_PHYS, MGR_NET_EMPTY, MGR_NET_NONE };
enum mgr_macvlan_mode { MGR_MACVLAN_BRIDGE, MGR_MACVLAN_PRIVATE, MGR_MACVLAN_VEPA, MGR_MACVLAN_PASSTHRU };

struct mgr_net {
  char *name; /* the interface's name inside the container: the section's name */
  int type;   /* enum mgr_net_type */
  char *link;
  char *hwaddr; /* may contain 'x' digits, randomised at start */
  struct mgr_u64 mtu;
  struct mgr_addr_list ipv4, ipv6;
  struct mgr_addr_list ipv4_gateway, ipv6_gateway; /* at most one each */
  bool up;
  int macvlan_mode; /* enum mgr_macvlan_mode */
  char *veth_host;  /* host-side name of a veth pair, or NULL for a generated one */
  struct mgr_forward_list forward;
};

struct mgr_cgroup_settings {
  struct mgr_u64 memory_max, memory_high, memory_swap_max;
  struct mgr_cpu_max cpu_max;
  struct mgr_u64 cpu_weight;
  char *cpuset_cpus, *cpuset_mems;
  struct mgr_u64 pids_max;
  struct mgr_u64 io_weight;
  struct mgr_io_limits io_max;
  struct mgr_dev_rules devices_allow, devices_deny;
  char *optional; /* keys that may be skipped where the host cannot honour them */
};

struct mgr_caps_settings {
  struct mgr_caps drop, keep;
  bool no_new_privs;
  guint64 effective; /* resolved: what the container keeps */
};

struct mgr_mount {
  char *name; /* the section's name */
  char *source;
  char *target; /* absolute inside the container */
  char *type;
  struct mgr_mount_opts options;
};

struct mgr_hooks {
  char **pre_start, **pre_mount, **mount, **start, **stop, **post_stop;
};

struct mgr_limits {
  struct mgr_rlimit r[RLIM_NLIMITS];
};

/* What an OCI bundle's config.json says that an INI config has no key for
 * (oci.c fills it; set is false for an INI config). With set, the config
 * lists the whole tree itself: the executor makes no /proc, /sys, /dev,
 * /run or cgroup view of its own, creates exactly the namespaces in
 * ns_flags, and masks and makes read-only exactly the paths given. */
enum { MGR_NS_NET, MGR_NS_IPC, MGR_NS_UTS, MGR_NS_PID, MGR_NS_CGROUP, MGR_NS_MNT, MGR_NS_COUNT };

struct mgr_device_node {
  char *path;  /* absolute inside the container */
  char type;   /* 'c', 'b', 'u' or 'p' */
  guint32 major, minor;
  guint32 mode; /* permission bits */
  guint32 uid, gid;
};

/* A hook of the bundle run by the container's first process (createContainer,
 * startContainer), prepared before clone. */
struct mgr_oci_hook {
  char *path;
  char **args;
  char **env;
  int timeout; /* seconds, 0: none */
};

struct mgr_oci_settings {
  bool set;
  char *id;
  int ns_flags;                 /* CLONE_NEW* to create */
  char *ns_join[MGR_NS_COUNT];  /* namespaces to join, by path */
  bool hostname_set;
  unsigned long root_propagation; /* 0: MS_SLAVE | MS_REC */
  bool root_readonly;
  char **masked, **readonly;    /* absolute paths */
  struct mgr_device_node *devices;
  guint n_devices;
  char **sysctl;                /* "net.ipv4.ip_forward=1" */
  guint32 *groups;              /* additional gids */
  guint n_groups;
  int umask;                    /* -1: leave it */
  guint64 cap_bounding, cap_effective, cap_permitted, cap_inheritable, cap_ambient;
  bool oom_score_adj_set;
  int oom_score_adj;
  bool terminal;
  guint16 console_rows, console_cols; /* process.consoleSize, 0: unset */
  char *apparmor;               /* process.apparmorProfile, or NULL */
  char *domainname;             /* or NULL */
  char *cgroups_path;           /* relative to each hierarchy's root */
  int exec_fifo;                /* the child waits on it for start: an fd open O_RDWR */
  int keep_fds;                 /* fds 3..3+keep_fds-1 cross exec (--preserve-fds, LISTEN_FDS) */
  char **annotations;           /* key, value, key, value, ..., NULL */
  struct mgr_oci_hook *create_container, *start_container;
  guint n_create_container, n_start_container;
  int state_fd;                 /* the state JSON those hooks read on stdin (a memfd), or -1 */
};

typedef struct mgr_plan {
  char *name;        /* NULL when loaded with --file */
  char *dir;         /* the container's folder */
  char *config_path;

  struct mgr_container_settings container;
  struct mgr_idmap_settings id_map;
  struct mgr_net *net;
  guint n_net;
  struct mgr_cgroup_settings cgroup;
  struct mgr_caps_settings caps;
  struct mgr_seccomp seccomp;
  struct mgr_mount *mounts;
  guint n_mounts;
  struct mgr_hooks hooks;
  struct mgr_limits limits;

  struct mgr_oci_settings oci;

  bool user_namespace; /* resolved: [id_map] is set */
  bool share_host_net; /* resolved: a [network] of type none */
} MgrPlan;

void mgr_plan_free (MgrPlan *plan);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (MgrPlan, mgr_plan_free)

/* The plan as the user reads it: every section and key, resolved. */
char *mgr_plan_to_text (const MgrPlan *plan);
char *mgr_plan_to_json (const MgrPlan *plan);

/* Maps an id through a map; returns FALSE when it is not mapped. */
bool mgr_idmap_to_host (const struct mgr_idmap *map, guint32 inside, guint32 *outside);
