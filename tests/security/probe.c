/* mgr-probe: tries, from inside a container, what an attacker would, and
 * says for each attempt whether it was blocked and with which errno.
 * Built static so that it runs in any rootfs. Nothing here changes the
 * host when blocked; when an attempt succeeds it stops short of harm
 * (files are opened for writing, never written).
 *
 *   mgr-probe all    every probe, one line each:
 *                    "PROBE name blocked ERRNO" | "PROBE name ALLOWED detail" | "PROBE name info detail"
 *   mgr-probe fds    the open file descriptors beyond 0-2
 *   mgr-probe alloc N  allocates and touches N MiB
 *   mgr-probe tiocsti OUT TEXT
 *                    for fds 0-2 and /dev/tty: which terminal each is
 *                    ("TTY fdN dev=MAJ:MIN rdev=MAJ:MIN" or "TTY fdN none"),
 *                    then pushes TEXT and a newline into each as typed input
 *                    ("STI fdN ok|ERRNO"); the report goes to the file OUT
 *   mgr-probe init MARKER
 *                    what PID 1 gives away: "PROBE init-exe-read info DEV:INO",
 *                    init-exe-write, init-environ (does it hold MARKER?),
 *                    init-ptrace
 *   mgr-probe race MARKER SECONDS OUT
 *                    attaches to the next process born in its pid namespace
 *                    and writes what it holds into OUT (see race())
 *   mgr-probe selfexe SECONDS OUT
 *                    the same, then follows it through its exec (a
 *                    "#!/proc/self/exe" script runs what its parent ran) and
 *                    tries to open that executable for writing once it is
 *                    gone (CVE-2019-5736); one line into OUT (see selfexe()) */
#define _GNU_SOURCE
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <linux/bpf.h>
#include <linux/keyctl.h>
#include <linux/filter.h>
#include <linux/perf_event.h>
#include <linux/seccomp.h>
#include <sched.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mount.h>
#include <sys/ptrace.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/sysmacros.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#ifndef AF_VSOCK
#define AF_VSOCK 40
#endif
#ifndef AF_ALG
#define AF_ALG 38
#endif

static void
result (const char *name, int ok, int err, const char *detail)
{
  if (ok)
    printf ("PROBE %s ALLOWED %s\n", name, detail ? detail : "");
  else
    printf ("PROBE %s blocked %s\n", name, strerrorname_np (err) ? strerrorname_np (err) : "?");
}

static void
info (const char *name, const char *detail)
{
  printf ("PROBE %s info %s\n", name, detail);
}

/* Opening for writing is the whole attack: a file that opens is writable. */
static void
open_write (const char *name, const char *path)
{
  int fd = open (path, O_WRONLY | O_CLOEXEC);
  int e = errno;
  if (fd >= 0)
    {
      struct stat st;
      /* A mask is /dev/null: "writable", but to nothing. */
      if (fstat (fd, &st) == 0 && S_ISCHR (st.st_mode) && st.st_rdev == makedev (1, 3))
        {
          printf ("PROBE %s blocked masked\n", name);
          close (fd);
          return;
        }
      close (fd);
    }
  result (name, fd >= 0, e, path);
}

static void
read_some (const char *name, const char *path)
{
  char buf[64];
  int fd = open (path, O_RDONLY | O_CLOEXEC);
  int e = errno;
  ssize_t n = fd >= 0 ? read (fd, buf, sizeof buf) : -1;
  if (fd >= 0 && n <= 0)
    printf ("PROBE %s blocked %s\n", name, n == 0 ? "empty" : strerrorname_np (errno));
  else
    result (name, n > 0, e, path);
  if (fd >= 0)
    close (fd);
}

static void
caps (void)
{
  /* sys_module 16, sys_rawio 17, sys_pacct 20, sys_time 25, audit_control 30,
   * mac_override 32, mac_admin 33, syslog 34 */
  static const int bad[] = { 16, 17, 20, 25, 30, 32, 33, 34 };
  char line[256];
  FILE *f = fopen ("/proc/self/status", "re");
  while (f && fgets (line, sizeof line, f))
    {
      unsigned long long v;
      char key[32];
      if (sscanf (line, "%31[^:]:\t%llx", key, &v) != 2)
        continue;
      if (!strcmp (key, "CapEff") || !strcmp (key, "CapBnd") || !strcmp (key, "CapPrm"))
        {
          char detail[128] = "";
          for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++)
            if (v & (1ULL << bad[i]))
              snprintf (detail + strlen (detail), sizeof detail - strlen (detail), " cap%d", bad[i]);
          char n[48];
          snprintf (n, sizeof n, "caps-%s", key);
          if (detail[0])
            result (n, 1, 0, detail);
          else
            printf ("PROBE %s blocked dropped\n", n);
        }
      if (!strcmp (key, "CapInh") || !strcmp (key, "CapAmb"))
        {
          char n[48];
          snprintf (n, sizeof n, "caps-%s", key);
          if (v)
            result (n, 1, 0, "not empty");
          else
            printf ("PROBE %s blocked empty\n", n);
        }
      if (!strcmp (key, "Seccomp"))
        {
          if (v == 2)
            printf ("PROBE seccomp-active blocked filter\n");
          else
            result ("seccomp-active", 1, 0, "no filter");
        }
      if (!strcmp (key, "NoNewPrivs"))
        info ("no-new-privs", v ? "1" : "0");
    }
  if (f)
    fclose (f);
}

/* Ways around the masks other than removing them: copying /proc without
 * them, copying it with them and then taking the copy apart, moving the
 * read-only /proc/sys away, naming a target through a magic link, and the
 * new mount API. */
static void
mount_variants (void)
{
  char p[64];
  int r = mount ("/proc", "/tmp/.probe-mnt", NULL, MS_BIND, NULL);
  int e = errno;
  if (r == 0)
    {
      info ("bind-proc-nonrecursive", "bound /proc without its submounts; the next probes try what that uncovers");
      open_write ("bind-proc-write-core_pattern", "/tmp/.probe-mnt/sys/kernel/core_pattern");
      read_some ("bind-proc-read-timer_list", "/tmp/.probe-mnt/timer_list");
      umount2 ("/tmp/.probe-mnt", MNT_DETACH);
    }
  else
    result ("bind-proc-nonrecursive", 0, e, NULL);
  mkdir ("/tmp/.probe-rbind", 0700);
  r = mount ("/proc", "/tmp/.probe-rbind", NULL, MS_BIND | MS_REC, NULL);
  e = errno;
  if (r == 0)
    {
      info ("rbind-proc", "bound /proc with its submounts; the next probes try to take the copy apart");
      r = mount (NULL, "/tmp/.probe-rbind/sys", NULL, MS_REMOUNT | MS_BIND, NULL);
      result ("rbind-proc-remount-sys-rw", r == 0, errno, "the copy of /proc/sys is read-write");
      r = umount2 ("/tmp/.probe-rbind/timer_list", MNT_DETACH);
      result ("rbind-proc-umount-mask", r == 0, errno, "the copy's mask over timer_list is gone");
      open_write ("rbind-proc-write-core_pattern", "/tmp/.probe-rbind/sys/kernel/core_pattern");
    }
  else
    result ("rbind-proc", 0, e, NULL);
  r = mount ("/proc/sys", "/tmp/.probe-mnt", NULL, MS_MOVE, NULL);
  result ("move-proc-sys", r == 0, errno, "the read-only /proc/sys was moved away");
  open_write ("write-core_pattern-after-move", "/proc/sys/kernel/core_pattern");
  int fd = open ("/proc/sys", O_PATH | O_CLOEXEC);
  snprintf (p, sizeof p, "/proc/self/fd/%d", fd);
  r = mount (NULL, p, NULL, MS_REMOUNT | MS_BIND, NULL);
  result ("remount-proc-sys-rw-via-fd", r == 0, errno, "/proc/sys is read-write again (target named by a magic link)");
  if (fd >= 0)
    close (fd);
  int fs = syscall (SYS_fsopen, "proc", 1 /* FSOPEN_CLOEXEC */);
  e = errno;
  if (fs >= 0 && syscall (SYS_fsconfig, fs, 6 /* FSCONFIG_CMD_CREATE */, NULL, NULL, 0) == 0)
    {
      int m = syscall (SYS_fsmount, fs, 1 /* FSMOUNT_CLOEXEC */, 0);
      e = errno;
      if (m >= 0)
        {
          info ("fsmount-proc", "a detached procfs; the next probe tries what it exposes");
          int w = openat (m, "sys/kernel/core_pattern", O_WRONLY | O_CLOEXEC);
          result ("fsmount-proc-write-core_pattern", w >= 0, errno, "core_pattern of a fresh procfs");
          if (w >= 0)
            close (w);
          close (m);
        }
      else
        result ("fsmount-proc", 0, e, NULL);
    }
  else
    result ("fsmount-proc", 0, e, NULL);
  if (fs >= 0)
    close (fs);
}

/* The masks and read-only mounts over /proc and /sys must hold against root
 * inside, whatever its capabilities: they are locked (user namespace) or
 * the mount calls are mediated (privileged). */
static void
mounts (void)
{
  int e, r = mount (NULL, "/proc/sys", NULL, MS_REMOUNT | MS_BIND, NULL);
  result ("remount-proc-sys-rw", r == 0, errno, "/proc/sys is read-write again");
  open_write ("core_pattern-after-remount", "/proc/sys/kernel/core_pattern");
  r = mount (NULL, "/sys", NULL, MS_REMOUNT, NULL);
  result ("remount-sys-rw", r == 0, errno, "/sys is read-write again");
  r = mount (NULL, "/sys", NULL, MS_REMOUNT | MS_BIND, NULL);
  result ("remount-sys-bind-rw", r == 0, errno, "/sys is read-write again");
  open_write ("uevent_helper-after-remount", "/sys/kernel/uevent_helper");
  r = umount2 ("/proc/keys", 0);
  result ("umount-mask", r == 0, errno, "the mask over /proc/keys is gone");
  r = umount2 ("/proc/timer_list", MNT_DETACH);
  result ("umount-l-mask", r == 0, errno, "the mask over /proc/timer_list is gone");
  r = umount2 ("/sys/firmware", 0);
  result ("umount-masked-dir", r == 0, errno, "the mask over /sys/firmware is gone");
  r = umount2 ("/proc/sys", MNT_DETACH);
  result ("umount-l-proc-sys", r == 0, errno, "the read-only /proc/sys is gone");
  read_some ("read-timer_list-after-umount", "/proc/timer_list");
  mkdir ("/tmp/.probe-mnt", 0700);
  r = mount ("proc", "/tmp/.probe-mnt", "proc", 0, NULL);
  e = errno;
  if (r == 0)
    {
      /* Mounting is not the attack; what an unmasked procfs would give is. */
      info ("mount-proc", "mounted a procfs of the container's own pid namespace; the next probes try what it exposes");
      read_some ("second-proc-read-timer_list", "/tmp/.probe-mnt/timer_list");
      read_some ("second-proc-read-kcore", "/tmp/.probe-mnt/kcore");
      open_write ("second-proc-write-sysrq-trigger", "/tmp/.probe-mnt/sysrq-trigger");
      open_write ("second-proc-write-core_pattern", "/tmp/.probe-mnt/sys/kernel/core_pattern");
      open_write ("second-proc-write-modprobe", "/tmp/.probe-mnt/sys/kernel/modprobe");
      umount2 ("/tmp/.probe-mnt", MNT_DETACH);
    }
  else
    result ("mount-proc", 0, e, NULL);
  r = mount ("sysfs", "/tmp/.probe-mnt", "sysfs", 0, NULL);
  result ("mount-sysfs", r == 0, errno, "a second sysfs");
  if (r == 0)
    umount2 ("/tmp/.probe-mnt", MNT_DETACH);
  r = mount ("tmpfs", "/tmp/.probe-mnt", "tmpfs", 0, NULL);
  e = errno;
  if (r == 0)
    {
      info ("mount-tmpfs", "allowed: a tmpfs of the container's own reaches nothing of the host");
      umount2 ("/tmp/.probe-mnt", MNT_DETACH);
    }
  else
    result ("mount-tmpfs", 0, e, NULL);
  mount_variants ();
  r = mount ("cgroup", "/tmp/.probe-mnt", "cgroup", 0, "memory");
  e = errno;
  if (r == 0)
    {
      info ("mount-cgroup-v1", "mounted the memory hierarchy as the container's cgroup namespace shows it; the next probes try to change it");
      open_write ("cgroup-v1-raise-memory-limit", "/tmp/.probe-mnt/memory.limit_in_bytes");
      open_write ("cgroup-v1-release-agent", "/tmp/.probe-mnt/release_agent");
      umount2 ("/tmp/.probe-mnt", MNT_DETACH);
    }
  else
    result ("mount-cgroup-v1", 0, e, NULL);
  r = mount ("cgroup2", "/tmp/.probe-mnt", "cgroup2", 0, NULL);
  e = errno;
  if (r == 0)
    {
      info ("mount-cgroup2", "allowed: shows only the container's own cgroup (cgroup namespace)");
      umount2 ("/tmp/.probe-mnt", MNT_DETACH);
    }
  else
    result ("mount-cgroup2", 0, e, NULL);
  rmdir ("/tmp/.probe-mnt");
}

static void
devices (void)
{
  int r = mknod ("/tmp/.probe-sda", S_IFBLK | 0600, makedev (8, 0));
  int e = errno;
  result ("mknod-block", r == 0, e, "/tmp/.probe-sda");
  if (r == 0)
    {
      int fd = open ("/tmp/.probe-sda", O_RDONLY | O_CLOEXEC);
      result ("open-block-device", fd >= 0, errno, "read access to host disk 8:0");
      if (fd >= 0)
        close (fd);
      unlink ("/tmp/.probe-sda");
    }
  read_some ("read-kcore", "/proc/kcore");
  read_some ("read-keys", "/proc/keys");
  read_some ("read-timer_list", "/proc/timer_list");
  open_write ("write-sysrq-trigger", "/proc/sysrq-trigger");
  open_write ("write-core_pattern", "/proc/sys/kernel/core_pattern");
  read_some ("read-sys-firmware", "/sys/firmware/dmi/tables/DMI");
}

static void
syscalls (void)
{
  long r;
  errno = 0;
  r = syscall (SYS_kexec_load, 0, 0, NULL, 0);
  result ("kexec_load", r == 0, errno, NULL);
  r = syscall (SYS_kexec_file_load, -1, -1, 0, "", 0);
  result ("kexec_file_load", r == 0 || errno == EBADF, errno, "reached the kernel's kexec code");
  r = syscall (SYS_init_module, NULL, 0, "");
  result ("init_module", r == 0 || errno == EFAULT, errno, "reached the module loader");
  r = syscall (SYS_finit_module, -1, "", 0);
  result ("finit_module", r == 0 || errno == EBADF, errno, "reached the module loader");
  r = syscall (SYS_delete_module, "probe_nonexistent", 0);
  result ("delete_module", r == 0 || errno == ENOENT, errno, "reached the module code");
  r = syscall (SYS_keyctl, KEYCTL_GET_KEYRING_ID, KEY_SPEC_SESSION_KEYRING, 0);
  char serial[64];
  snprintf (serial, sizeof serial, "session keyring serial %ld", r);
  result ("keyctl", r >= 0, errno, serial);
  r = syscall (SYS_add_key, "user", "probe", "x", 1, KEY_SPEC_PROCESS_KEYRING);
  result ("add_key", r >= 0, errno, NULL);
  struct
  {
    struct file_handle fh;
    unsigned char pad[128];
  } h = { .fh.handle_bytes = 128 };
  int mount_id;
  if (name_to_handle_at (AT_FDCWD, "/", &h.fh, &mount_id, 0) == 0)
    {
      int fd = open_by_handle_at (AT_FDCWD, &h.fh, O_RDONLY);
      result ("open_by_handle_at", fd >= 0, errno, "opened a file by handle");
      if (fd >= 0)
        close (fd);
    }
  else
    result ("open_by_handle_at", 0, errno, NULL);
  union bpf_attr attr;
  memset (&attr, 0, sizeof attr);
  attr.map_type = BPF_MAP_TYPE_ARRAY;
  attr.key_size = 4;
  attr.value_size = 4;
  attr.max_entries = 1;
  r = syscall (SYS_bpf, BPF_MAP_CREATE, &attr, sizeof attr);
  result ("bpf", r >= 0, errno, "created a bpf map");
  if (r >= 0)
    close (r);
  struct perf_event_attr pa;
  memset (&pa, 0, sizeof pa);
  pa.size = sizeof pa;
  pa.type = PERF_TYPE_SOFTWARE;
  pa.config = PERF_COUNT_SW_CPU_CLOCK;
  pa.disabled = 1;
  r = syscall (SYS_perf_event_open, &pa, 0, -1, -1, 0);
  result ("perf_event_open", r >= 0, errno, NULL);
  if (r >= 0)
    close (r);
  r = syscall (SYS_userfaultfd, O_CLOEXEC);
  result ("userfaultfd", r >= 0, errno, NULL);
  if (r >= 0)
    close (r);
  int s = socket (AF_VSOCK, SOCK_STREAM | SOCK_CLOEXEC, 0);
  result ("socket-AF_VSOCK", s >= 0, errno, NULL);
  if (s >= 0)
    close (s);
  s = socket (AF_ALG, SOCK_SEQPACKET | SOCK_CLOEXEC, 0);
  result ("socket-AF_ALG", s >= 0, errno, NULL);
  if (s >= 0)
    close (s);
  r = syscall (SYS_iopl, 3);
  result ("iopl", r == 0, errno, NULL);
  r = syscall (SYS_swapoff, "/nonexistent");
  result ("swapoff", r == 0 || errno == ENOENT, errno, "reached the swap code");
  /* Personas that weaken memory protection, alone, with PER_LINUX32, and
   * with high bits the kernel ignores (it takes an unsigned int). */
  static const struct { const char *name; unsigned long v; } weak[] = {
    { "personality-ADDR_NO_RANDOMIZE", 0x0040000 }, { "personality-READ_IMPLIES_EXEC", 0x0400000 },
    { "personality-MMAP_PAGE_ZERO", 0x0100000 },    { "personality-ADDR_COMPAT_LAYOUT", 0x0200000 },
    { "personality-ADDR_LIMIT_3GB", 0x8000000 },    { "personality-ADDR_LIMIT_32BIT", 0x0800000 },
    { "personality-LINUX32+ADDR_NO_RANDOMIZE", 0x0040008 },
    { "personality-ADDR_NO_RANDOMIZE-high-bits", 0x100040000UL },
    { "personality-all-but-one-bit", 0xfffffffeUL },
  };
  for (size_t i = 0; i < sizeof weak / sizeof weak[0]; i++)
    {
      r = syscall (SYS_personality, weak[i].v);
      result (weak[i].name, r != -1, errno, NULL);
      if (r != -1)
        syscall (SYS_personality, 0);
    }
  /* What systemd needs (LockPersonality= queries, then sets PER_LINUX):
   * reported as info so the suite can assert it works. */
  static const struct { const char *name; unsigned long v; } harmless[] = {
    { "personality-query", 0xffffffffUL }, { "personality-PER_LINUX", 0 }, { "personality-PER_LINUX32", 8 },
    { "personality-UNAME26", 0x20000 },    { "personality-PER_LINUX32+UNAME26", 0x20008 },
  };
  for (size_t i = 0; i < sizeof harmless / sizeof harmless[0]; i++)
    {
      errno = 0;
      r = syscall (SYS_personality, harmless[i].v);
      info (harmless[i].name, r != -1 ? "works" : strerrorname_np (errno));
    }
  syscall (SYS_personality, 0);
  struct timespec ts;
  clock_gettime (CLOCK_REALTIME, &ts);
  r = clock_settime (CLOCK_REALTIME, &ts);
  result ("clock_settime", r == 0, errno, NULL);
  r = umount2 ("/tmp", MNT_FORCE);
  result ("umount2-MNT_FORCE", r == 0, errno, NULL);
}

/* Whether a process descends from the container's init: then any
 * namespace it has, the container made itself (systemd gives services a
 * UTS or mount namespace of their own), and joining it is no escape. What
 * came in from outside (mgr-attach) has parent 0 inside. */
static int
from_init (const char *pid)
{
  int p = atoi (pid);
  for (int depth = 0; p > 1 && depth < 64; depth++)
    {
      char path[64], line[256];
      int ppid = -1;
      snprintf (path, sizeof path, "/proc/%d/status", p);
      FILE *f = fopen (path, "re");
      while (f && fgets (line, sizeof line, f))
        if (sscanf (line, "PPid: %d", &ppid) == 1)
          break;
      if (f)
        fclose (f);
      if (ppid < 0)
        return 0;
      p = ppid;
    }
  return p == 1 && atoi (pid) != 1;
}

static void
namespaces (void)
{
  static const char *const kinds[] = { "mnt", "pid", "net", "uts", "ipc", "user", "cgroup" };
  int escaped = 0, tried = 0;
  char detail[256] = "";
  DIR *d = opendir ("/proc");
  struct dirent *e;
  while (d && (e = readdir (d)))
    {
      if (e->d_name[0] < '0' || e->d_name[0] > '9' || from_init (e->d_name))
        continue;
      for (size_t k = 0; k < sizeof kinds / sizeof kinds[0]; k++)
        {
          char p[128], self[128];
          struct stat a, b;
          snprintf (p, sizeof p, "/proc/%s/ns/%s", e->d_name, kinds[k]);
          snprintf (self, sizeof self, "/proc/self/ns/%s", kinds[k]);
          if (stat (p, &a) < 0 || stat (self, &b) < 0 || a.st_ino == b.st_ino)
            continue;
          int fd = open (p, O_RDONLY | O_CLOEXEC);
          tried++;
          if (fd >= 0 && setns (fd, 0) == 0)
            {
              escaped++;
              snprintf (detail, sizeof detail, "joined %s", p);
            }
          if (fd >= 0)
            close (fd);
        }
    }
  if (d)
    closedir (d);
  if (escaped)
    result ("setns-foreign", 1, 0, detail);
  else
    printf ("PROBE setns-foreign blocked %s\n", tried ? "EPERM" : "none-reachable");
}

static int
list_fds (char *out, size_t len)
{
  int n = 0;
  DIR *d = opendir ("/proc/self/fd");
  struct dirent *e;
  out[0] = '\0';
  while (d && (e = readdir (d)))
    {
      int fd = atoi (e->d_name);
      if (e->d_name[0] == '.' || fd <= 2 || fd == dirfd (d))
        continue;
      char p[64], target[256] = "";
      snprintf (p, sizeof p, "/proc/self/fd/%d", fd);
      ssize_t l = readlink (p, target, sizeof target - 1);
      if (l > 0)
        target[l] = '\0';
      snprintf (out + strlen (out), len - strlen (out), " %d=%.60s", fd, target);
      n++;
    }
  if (d)
    closedir (d);
  return n;
}

static void
fds (void)
{
  char buf[1024];
  int n = list_fds (buf, sizeof buf);
  if (n)
    result ("inherited-fds", 1, 0, buf);
  else
    printf ("PROBE inherited-fds blocked none\n");
}

static void
cwd_escape (void)
{
  struct stat root, here;
  for (int i = 0; i < 64; i++)
    if (chdir ("..") < 0)
      break;
  stat ("/", &root);
  stat (".", &here);
  int out = root.st_dev != here.st_dev || root.st_ino != here.st_ino;
  char cwd[256] = "";
  if (!getcwd (cwd, sizeof cwd))
    snprintf (cwd, sizeof cwd, "(unreachable)");
  result ("cwd-outside-rootfs", out, EPERM, cwd);
}

static void
tiocsti (const char *out, const char *text)
{
  FILE *f = fopen (out, "we");
  if (!f)
    {
      perror (out);
      exit (1);
    }
  int fds[4] = { 0, 1, 2, open ("/dev/tty", O_RDWR | O_NOCTTY | O_NONBLOCK | O_CLOEXEC) };
  const char *names[4] = { "fd0", "fd1", "fd2", "devtty" };
  int tty_err = errno;
  for (int i = 0; i < 4; i++)
    {
      struct stat st;
      if (fds[i] >= 0 && fstat (fds[i], &st) == 0 && S_ISCHR (st.st_mode) && isatty (fds[i]))
        fprintf (f, "TTY %s dev=%u:%u rdev=%u:%u\n", names[i], major (st.st_dev), minor (st.st_dev),
                 major (st.st_rdev), minor (st.st_rdev));
      else
        fprintf (f, "TTY %s none %s\n", names[i], fds[i] < 0 ? strerrorname_np (tty_err) : "");
    }
  for (int i = 0; i < 4; i++)
    {
      if (fds[i] < 0 || !isatty (fds[i]))
        continue;
      int err = 0;
      for (size_t k = 0; k <= strlen (text) && !err; k++)
        if (ioctl (fds[i], TIOCSTI, text[k] ? &text[k] : "\n") < 0)
          err = errno;
      fprintf (f, "STI %s %s\n", names[i], err ? strerrorname_np (err) : "ok");
    }
  fclose (f);
}

/* What PID 1 (mgr-execute's init) gives away to the command. */
static void
init_probe (const char *marker)
{
  struct stat st;
  char detail[128];
  int fd = open ("/proc/1/exe", O_RDONLY | O_CLOEXEC);
  int e = errno;
  if (fd >= 0 && fstat (fd, &st) == 0)
    {
      snprintf (detail, sizeof detail, "%lu:%lu", (unsigned long) st.st_dev, (unsigned long) st.st_ino);
      info ("init-exe-read", detail);
      close (fd);
    }
  else
    result ("init-exe-read", 0, e, NULL);
  fd = open ("/proc/1/exe", O_WRONLY | O_CLOEXEC);
  e = errno;
  if (fd >= 0)
    close (fd);
  result ("init-exe-write", fd >= 0, e, "/proc/1/exe");

  static char buf[65536];
  fd = open ("/proc/1/environ", O_RDONLY | O_CLOEXEC);
  e = errno;
  ssize_t n = fd >= 0 ? read (fd, buf, sizeof buf - 1) : -1;
  if (n < 0 && fd >= 0)
    e = errno;
  if (fd >= 0)
    close (fd);
  if (n < 0)
    result ("init-environ", 0, e, NULL);
  else
    {
      int found = 0;
      size_t ml = strlen (marker);
      buf[n] = '\0';
      for (char *v = buf; v < buf + n; v += strlen (v) + 1)
        if (!strncmp (v, marker, ml))
          found = 1;
      snprintf (detail, sizeof detail, "%zd bytes%s", n, found ? ", with the caller's marker" : "");
      if (found)
        result ("init-environ", 1, 0, detail);
      else
        info ("init-environ", detail);
    }

  if (ptrace (PTRACE_ATTACH, 1, NULL, NULL) == 0)
    {
      waitpid (1, NULL, __WALL);
      ptrace (PTRACE_DETACH, 1, NULL, NULL);
      result ("init-ptrace", 1, 0, "attached to PID 1");
    }
  else
    result ("init-ptrace", 0, errno, NULL);
}

static unsigned long long
cap_line (const char *status, const char *name)
{
  const char *p = strstr (status, name);
  return p ? strtoull (p + strlen (name), NULL, 16) : 0;
}

/* Waits for the next process born in this pid namespace (mgr-attach's
 * command, between its fork and its exec) and attaches to it the moment it
 * exists: what does it hold? Its capabilities against ours, its environment
 * against MARKER, its executable. One line into OUT. */
static void
race (const char *marker, int seconds, const char *out)
{
  static char status[8192], env[65536], own[8192], path[64];
  FILE *f = fopen (out, "we");
  if (!f)
    exit (1);
  int fd = open ("/proc/self/status", O_RDONLY | O_CLOEXEC);
  ssize_t n = read (fd, own, sizeof own - 1);
  own[n > 0 ? n : 0] = '\0';
  close (fd);
  time_t end = time (NULL) + seconds;
  while (time (NULL) < end)
    {
      char buf[32] = "";
      fd = open ("/proc/sys/kernel/ns_last_pid", O_RDONLY | O_CLOEXEC);
      n = fd >= 0 ? read (fd, buf, sizeof buf - 1) : -1;
      if (fd >= 0)
        close (fd);
      pid_t next = atoi (buf) + 1;
      for (int spin = 0; spin < 20000; spin++)
        {
          if (ptrace (PTRACE_ATTACH, next, NULL, NULL) < 0)
            continue;
          waitpid (next, NULL, __WALL);
          snprintf (path, sizeof path, "/proc/%d/status", next);
          fd = open (path, O_RDONLY | O_CLOEXEC);
          n = fd >= 0 ? read (fd, status, sizeof status - 1) : -1;
          status[n > 0 ? n : 0] = '\0';
          if (fd >= 0)
            close (fd);
          snprintf (path, sizeof path, "/proc/%d/environ", next);
          fd = open (path, O_RDONLY | O_CLOEXEC);
          n = fd >= 0 ? read (fd, env, sizeof env - 1) : -1;
          if (fd >= 0)
            close (fd);
          int found = 0;
          for (ssize_t i = 0; i + (ssize_t) strlen (marker) <= n; i++)
            if (!memcmp (env + i, marker, strlen (marker)))
              found = 1;
          struct stat st = { 0 };
          snprintf (path, sizeof path, "/proc/%d/exe", next);
          stat (path, &st);
          unsigned long long eff = cap_line (status, "CapEff:\t"), bnd = cap_line (own, "CapBnd:\t");
          fprintf (f, "RACE caught pid %d: caps %s (CapEff %llx, ours bounded by %llx), environ %s, exe %lu:%lu\n", next,
                   eff & ~bnd ? "BEYOND-OURS" : "within-ours", eff, bnd, found ? "HAS-MARKER" : "clean",
                   (unsigned long) st.st_dev, (unsigned long) st.st_ino);
          ptrace (PTRACE_DETACH, next, NULL, NULL);
          fclose (f);
          return;
        }
    }
  fprintf (f, "RACE none caught\n");
  fclose (f);
}

/* CVE-2019-5736 as runc met it: the command the caller names is a
 * "#!/proc/self/exe" script, so its exec runs whatever its parent was
 * running. Catches the next process born here, stops it right after that
 * exec, keeps its executable open read-only, kills it, then reopens that
 * file for writing through /proc/self/fd (retrying while something still
 * executes it: ETXTBSY). Never writes: an open that succeeds on a memfd
 * with F_SEAL_WRITE is "sealed". */
static void
selfexe (int seconds, const char *out)
{
  FILE *f = fopen (out, "we");
  if (!f)
    exit (1);
  time_t end = time (NULL) + seconds;
  while (time (NULL) < end)
    {
      char buf[32] = "", path[64];
      int fd = open ("/proc/sys/kernel/ns_last_pid", O_RDONLY | O_CLOEXEC);
      ssize_t n = fd >= 0 ? read (fd, buf, sizeof buf - 1) : -1;
      if (fd >= 0)
        close (fd);
      buf[n > 0 ? n : 0] = '\0';
      pid_t next = atoi (buf) + 1;
      for (int spin = 0; spin < 20000; spin++)
        {
          if (ptrace (PTRACE_ATTACH, next, NULL, NULL) < 0)
            continue;
          int st;
          waitpid (next, &st, __WALL);
          ptrace (PTRACE_SETOPTIONS, next, NULL, (void *) PTRACE_O_TRACEEXEC);
          ptrace (PTRACE_CONT, next, NULL, NULL);
          /* Until its exec (or its end); other stops are passed on. A
           * process that ends without one was not the command (a shell's
           * fork, say): the next one is waited for. */
          int ended = 0;
          for (;;)
            {
              if (waitpid (next, &st, __WALL) < 0 || WIFEXITED (st) || WIFSIGNALED (st))
                {
                  ended = 1;
                  break;
                }
              if (st >> 8 == (SIGTRAP | (PTRACE_EVENT_EXEC << 8)))
                break;
              ptrace (PTRACE_CONT, next, NULL, (void *) (long) (WIFSTOPPED (st) ? WSTOPSIG (st) : 0));
            }
          if (ended)
            break;
          struct stat sb = { 0 };
          snprintf (path, sizeof path, "/proc/%d/exe", next);
          stat (path, &sb);
          int ro = open (path, O_RDONLY | O_CLOEXEC);
          int ro_err = errno;
          kill (next, SIGKILL);
          ptrace (PTRACE_DETACH, next, NULL, NULL);
          waitpid (next, NULL, __WALL);
          char verdict[128];
          if (ro < 0)
            snprintf (verdict, sizeof verdict, "blocked %s (opening it)", strerrorname_np (ro_err));
          else
            {
              snprintf (path, sizeof path, "/proc/self/fd/%d", ro);
              int w = -1;
              while ((w = open (path, O_WRONLY | O_CLOEXEC)) < 0 && errno == ETXTBSY && time (NULL) < end)
                usleep (20000);
              int seals = w >= 0 ? fcntl (w, F_GET_SEALS) : -1;
              if (w < 0)
                snprintf (verdict, sizeof verdict, "blocked %s", strerrorname_np (errno));
              else if (seals >= 0 && (seals & F_SEAL_WRITE))
                snprintf (verdict, sizeof verdict, "blocked sealed");
              else
                snprintf (verdict, sizeof verdict, "ALLOWED");
              if (w >= 0)
                close (w);
              close (ro);
            }
          fprintf (f, "SELFEXE caught pid %d: exe %lu:%lu, write %s\n", next, (unsigned long) sb.st_dev,
                   (unsigned long) sb.st_ino, verdict);
          fclose (f);
          return;
        }
    }
  fprintf (f, "SELFEXE none caught\n");
  fclose (f);
}

/* A second seccomp listener: an allow-all filter asking for a notification
 * fd. Harmless itself, but with the monitor gone it would let a privileged
 * container answer its own mount notifications. Run in a child: a filter
 * that went in stays. */
static void
listener (void)
{
  pid_t pid = fork ();
  if (pid == 0)
    {
      struct sock_filter allow[] = { BPF_STMT (BPF_RET | BPF_K, SECCOMP_RET_ALLOW) };
      struct sock_fprog prog = { 1, allow };
      long r = syscall (SYS_seccomp, SECCOMP_SET_MODE_FILTER, SECCOMP_FILTER_FLAG_NEW_LISTENER, &prog);
      result ("seccomp-new-listener", r >= 0, errno, "a notification fd of its own");
      _exit (0);
    }
  waitpid (pid, NULL, 0);
}

/* Mounts through /proc/self/fd/N, as systemd makes them (mount_nofollow):
 * what is allowed through a path must work through the caller's fd, what
 * is refused must stay refused. One line each: FD name ok|errno. */
static void
fd_line (const char *name, int r)
{
  printf ("FD %s %s\n", name, r == 0 ? "ok" : strerror (errno));
}

static void
fdmount (void)
{
  char p[64];
  mkdir ("/tmp/fdm", 0755);
  int d = open ("/tmp/fdm", O_PATH | O_NOFOLLOW | O_DIRECTORY | O_CLOEXEC);
  snprintf (p, sizeof p, "/proc/self/fd/%d", d);
  fd_line ("tmpfs", mount ("fdm", p, "tmpfs", MS_NOSUID | MS_NODEV, "mode=700"));
  int m = open ("/tmp/fdm", O_PATH | O_NOFOLLOW | O_DIRECTORY | O_CLOEXEC);
  snprintf (p, sizeof p, "/proc/self/fd/%d", m);
  fd_line ("bind-remount-ro", mount (NULL, p, NULL, MS_BIND | MS_REMOUNT | MS_RDONLY | MS_NOSUID | MS_NODEV, NULL));
  close (m);
  fd_line ("umount", umount2 ("/tmp/fdm", UMOUNT_NOFOLLOW));
  int sys = open ("/proc/sys", O_PATH | O_NOFOLLOW | O_DIRECTORY | O_CLOEXEC);
  snprintf (p, sizeof p, "/proc/self/fd/%d", sys);
  fd_line ("proc-sys-rw", mount (NULL, p, NULL, MS_BIND | MS_REMOUNT, NULL));
  int mask = open ("/proc/timer_list", O_PATH | O_NOFOLLOW | O_CLOEXEC);
  snprintf (p, sizeof p, "/proc/self/fd/%d", mask);
  fd_line ("umount-mask", umount2 (p, 0));
  fd_line ("proc-on-fd", mount ("proc", "/proc/self/fd/0", "proc", 0, NULL));
  fd_line ("no-such-fd", mount ("t", "/proc/self/fd/987", "tmpfs", 0, NULL));
}

int
main (int argc, char **argv)
{
  const char *what = argc > 1 ? argv[1] : "all";
  setvbuf (stdout, NULL, _IOLBF, 0);
  if (!strcmp (what, "fds"))
    fds ();
  else if (!strcmp (what, "all"))
    {
      fds ();
      caps ();
      devices ();
      mounts ();
      syscalls ();
      namespaces ();
      cwd_escape ();
    }
  else if (!strcmp (what, "alloc") && argc > 2)
    {
      /* Touch N MiB, a MiB at a time: past memory.max the kernel kills us. */
      long mb = atol (argv[2]);
      for (long i = 0; i < mb; i++)
        {
          char *p = malloc (1 << 20);
          if (!p)
            return 1;
          memset (p, 1, 1 << 20);
        }
      printf ("allocated %ld MiB\n", mb);
    }
  else if (!strcmp (what, "listener"))
    listener ();
  else if (!strcmp (what, "fdmount"))
    fdmount ();
  else if (!strcmp (what, "tiocsti") && argc > 3)
    tiocsti (argv[2], argv[3]);
  else if (!strcmp (what, "init") && argc > 2)
    init_probe (argv[2]);
  else if (!strcmp (what, "race") && argc > 4)
    race (argv[2], atoi (argv[3]), argv[4]);
  else if (!strcmp (what, "selfexe") && argc > 3)
    selfexe (atoi (argv[2]), argv[3]);
  else
    {
      fprintf (stderr, "usage: mgr-probe all|fds|listener|fdmount|alloc MIB|tiocsti OUT TEXT|init MARKER|race MARKER SECONDS OUT|selfexe SECONDS OUT\n");
      return 2;
    }
  return 0;
}
