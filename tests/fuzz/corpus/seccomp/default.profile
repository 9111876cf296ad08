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
# A rule: syscalls = [names]; action = allow | errno | kill | log;
#   errno = name or number (for action errno); and optionally
#   args = ( { index = N; op = eq|ne|lt|le|gt|ge|masked_eq; value = V; mask = M; } )
#   (all conditions of one rule must hold).

default_action = "allow";

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
  # personality: the personas that weaken the process's memory protections
  # (no address randomization, page zero mappable, read implies exec,
  # compat layout). libseccomp cannot say "none of these values" in one
  # rule, so each flag is a rule; the query personality(0xffffffff) has
  # every bit set and is denied too (/proc/self/personality tells the same).
  { syscalls = [ "personality" ]; action = "errno"; errno = "EPERM";
    args = ( { index = 0; op = "masked_eq"; mask = 0x0040000; value = 0x0040000; } ); },
  { syscalls = [ "personality" ]; action = "errno"; errno = "EPERM";
    args = ( { index = 0; op = "masked_eq"; mask = 0x0100000; value = 0x0100000; } ); },
  { syscalls = [ "personality" ]; action = "errno"; errno = "EPERM";
    args = ( { index = 0; op = "masked_eq"; mask = 0x0200000; value = 0x0200000; } ); },
  { syscalls = [ "personality" ]; action = "errno"; errno = "EPERM";
    args = ( { index = 0; op = "masked_eq"; mask = 0x0400000; value = 0x0400000; } ); },
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
# the kernel's checks do not separate the two. Mounting is then denied
# outright, so /proc/sys, /sys and the masked paths stay as mgr set them
# (a remount or umount would undo them). Unsharing new namespaces stays
# allowed: without mount it opens nothing, and tools use it harmlessly.
privileged_rules = (
  { syscalls = [ "mount", "umount", "umount2", "pivot_root", "fsopen", "fsconfig", "fsmount", "fspick",
                 "move_mount", "open_tree", "mount_setattr" ];
    action = "errno"; errno = "EPERM"; }
);
