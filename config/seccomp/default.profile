# mgr's default seccomp profile (libconfig syntax).
#
# A deny list: everything not named here is allowed, so that a normal
# distribution's init boots. The denied calls reach the host kernel's
# global state (modules, kexec, keys, clock, swap, accounting), widen the
# kernel's attack surface for little use in a container (bpf, perf,
# userfaultfd, vsock, AF_ALG), or defeat the rest of the confinement
# (open_by_handle_at walks out of any mount).
#
# Keys:
#   default_action    allow | errno | kill | log
#   default_errno     with default_action = "errno"
#   rules             applied to every container
#   privileged_rules  applied only to containers without a user namespace
# A rule: syscalls = [names]; action = allow | errno | kill | log | notify;
#   (notify: only in privileged_rules, only for mount, umount and umount2,
#   which the monitor then performs or refuses itself);
#   errno = name or number (for action errno); and optionally
#   args = ( { index = N; op = eq|ne|lt|le|gt|ge|masked_eq; value = V; mask = M; } )
#   (all conditions of one rule must hold).
#   personality_allow = [ values ]: personality(2) with any other argument
#                     fails with EPERM (a second, small filter: libseccomp
#                     compares an argument only once per rule)

default_action = "allow";

# personality: Docker's list. The query (0xffffffff, which systemd's
# LockPersonality= makes) and the harmless personas PER_LINUX (0),
# PER_LINUX32 (8), each with UNAME26 (0x20000); every other value fails,
# so ADDR_NO_RANDOMIZE, MMAP_PAGE_ZERO, READ_IMPLIES_EXEC, ADDR_COMPAT_LAYOUT
# and the address-limit flags that weaken a process's memory protections
# stay denied.
personality_allow = [ 0x0, 0x8, 0x20000, 0x20008, 0xffffffff ];

rules = (
  # Kernel code and the running kernel.
  { syscalls = [ "kexec_load", "kexec_file_load", "init_module", "finit_module", "delete_module",
                 "create_module", "query_module", "get_kernel_syms" ];
    action = "errno"; errno = "EPERM"; },
  # File handles bypass mount confinement (the "shocker" escape).
  { syscalls = [ "open_by_handle_at" ]; action = "errno"; errno = "EPERM"; },
  # Keyrings are not namespaced.
  { syscalls = [ "keyctl", "add_key", "request_key" ]; action = "errno"; errno = "ENOSYS"; },
  # Large, privileged kernel interfaces.
  { syscalls = [ "bpf", "perf_event_open", "userfaultfd", "lookup_dcookie" ];
    action = "errno"; errno = "EPERM"; },
  # Hardware and host state.
  { syscalls = [ "iopl", "ioperm", "swapon", "swapoff", "acct", "settimeofday", "clock_settime",
                 "stime", "quotactl", "nfsservctl", "uselib", "ustat", "sysfs", "_sysctl", "vm86",
                 "vm86old", "kcmp", "process_vm_readv", "process_vm_writev" ];
    action = "errno"; errno = "EPERM"; },
  # adjtimex and clock_adjtime are allowed: reading the clock's state is
  # harmless, and changing it needs CAP_SYS_TIME, which every container
  # lacks by default ([capabilities] drop includes sys_time).
  # Sockets of families a container has no use for: AF_VSOCK (40) reaches
  # the hypervisor, AF_ALG (38) the kernel's crypto API.
  { syscalls = [ "socket" ]; action = "errno"; errno = "EAFNOSUPPORT";
    args = ( { index = 0; op = "eq"; value = 40; } ); },
  { syscalls = [ "socket" ]; action = "errno"; errno = "EAFNOSUPPORT";
    args = ( { index = 0; op = "eq"; value = 38; } ); },
  # umount2 with MNT_FORCE (1) can break the host's network filesystems.
  { syscalls = [ "umount2" ]; action = "errno"; errno = "EPERM";
    args = ( { index = 1; op = "masked_eq"; mask = 1; value = 1; } ); }
);

# Without a user namespace, root in the container is root on the host, and
# the kernel's checks do not separate the two: a fresh procfs or sysfs, a
# remount of /proc/sys read-write or the unmounting of a mask would reach
# the host. mount, umount and umount2 are therefore mediated ("notify"):
# the monitor performs the safe ones itself (tmpfs, ramfs, mqueue, devpts, hugetlbfs,
# binds, remounts that keep what mgr made read-only read-only, propagation
# changes, unmounting what the container mounted) and refuses the rest with
# EPERM, noted in the console log. The new mount API fails with ENOSYS, which makes systemd and
# util-linux fall back to mount(2); pivot_root is denied. Unsharing new
# namespaces stays allowed: the mediation follows a process into them.
privileged_rules = (
  { syscalls = [ "mount", "umount", "umount2" ]; action = "notify"; },
  { syscalls = [ "fsopen", "fsconfig", "fsmount", "fspick", "move_mount", "open_tree", "mount_setattr" ];
    action = "errno"; errno = "ENOSYS"; },
  { syscalls = [ "pivot_root" ]; action = "errno"; errno = "EPERM"; },
  # A second listener for the same calls: with the monitor gone the kernel
  # would let the container answer its own mount notifications (CONTINUE)
  # and so mount unmediated. seccomp(SECCOMP_SET_MODE_FILTER,
  # SECCOMP_FILTER_FLAG_NEW_LISTENER, ...) is refused.
  { syscalls = [ "seccomp" ]; action = "errno"; errno = "EPERM";
    args = ( { index = 0; op = "eq"; value = 1; }, { index = 1; op = "masked_eq"; mask = 8; value = 8; } ); }
);
