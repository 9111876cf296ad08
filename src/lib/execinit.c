#include "config.h"

#include <errno.h>
#include <link.h>
#include <fcntl.h>
#include <stdbool.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/sendfile.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "execinit.h"
#include "mgr-error.h"
#include "trace.h"
#include "util.h"

#ifndef MFD_EXEC
#define MFD_EXEC 0x0010U
#endif

/* The static mgr-init, linked in as bytes: PID 1 never runs a file of the
 * host, and no installed path has to be trusted or found. */
__asm__ (".section .rodata\n"
         ".balign 16\n"
         "mgr_init_start:\n"
         ".incbin \"" MGR_INIT_BINARY "\"\n"
         "mgr_init_end:\n"
         ".previous\n");
extern const char mgr_init_start[] __asm__ ("mgr_init_start");
extern const char mgr_init_end[] __asm__ ("mgr_init_end");

int
mgr_init_memfd (GError **error)
{
  /* MFD_EXEC: where vm.memfd_noexec makes memfds non-executable by
   * default (Linux 6.3+); older kernels reject the flag. */
  _cleanup_close_ int fd = memfd_create ("mgr-init", MFD_CLOEXEC | MFD_ALLOW_SEALING | MFD_EXEC);
  if (fd < 0 && errno == EINVAL)
    fd = memfd_create ("mgr-init", MFD_CLOEXEC | MFD_ALLOW_SEALING);
  if (fd < 0)
    {
      g_set_error (error, MGR_ERROR, MGR_ERROR_FAILED, "creating the memfd for mgr-init (mgr-execute's init, mgr-attach's last step): %s%s",
                   g_strerror (errno), errno == EACCES ? " (vm.memfd_noexec = 2 forbids executable memfds)" : "");
      return -1;
    }
  for (const char *p = mgr_init_start; p < mgr_init_end;)
    {
      ssize_t n = write (fd, p, mgr_init_end - p);
      if (n < 0 && errno == EINTR)
        continue;
      if (n <= 0)
        {
          g_set_error (error, MGR_ERROR, MGR_ERROR_FAILED, "writing mgr-init into a memfd: %s",
                       g_strerror (n < 0 ? errno : EIO));
          return -1;
        }
      p += n;
    }
  /* Sealed: nobody, the container included through /proc/1/exe, can
   * change what PID 1 runs. */
  if (fcntl (fd, F_ADD_SEALS, F_SEAL_SEAL | F_SEAL_SHRINK | F_SEAL_GROW | F_SEAL_WRITE) < 0)
    {
      g_set_error (error, MGR_ERROR, MGR_ERROR_FAILED, "sealing mgr-init's memfd: %s", g_strerror (errno));
      return -1;
    }
  return mgr_steal_fd (&fd);
}

/* How much of this program's file exec needs: up to the end of the last
 * part a program header names (the segments, the headers). What lies
 * beyond is for debuggers (symbols, debug information, section headers,
 * more than half of an unstripped build) and need not be copied at every
 * attach. The whole file when in doubt. */
static off_t
loaded_size (int fd, off_t file_size)
{
  ElfW (Ehdr) eh;
  if (pread (fd, &eh, sizeof eh, 0) != (ssize_t) sizeof eh || memcmp (eh.e_ident, ELFMAG, SELFMAG) != 0
      || eh.e_phentsize != sizeof (ElfW (Phdr)) || eh.e_phnum == 0 || eh.e_phnum > 256)
    return file_size;
  ElfW (Phdr) ph[256];
  size_t len = eh.e_phnum * sizeof ph[0];
  if (pread (fd, ph, len, eh.e_phoff) != (ssize_t) len)
    return file_size;
  guint64 end = eh.e_phoff + len;
  for (int i = 0; i < eh.e_phnum; i++)
    end = MAX (end, (guint64) ph[i].p_offset + ph[i].p_filesz);
  return end <= (guint64) file_size ? (off_t) end : file_size;
}

/* Already running from a sealed copy? Only a memfd has seals. */
static bool
self_sealed (void)
{
  _cleanup_close_ int fd = open ("/proc/self/exe", O_RDONLY | O_CLOEXEC);
  int seals = fd >= 0 ? fcntl (fd, F_GET_SEALS) : -1;
  return seals >= 0 && (seals & F_SEAL_WRITE);
}

int
mgr_exec_sealed_self (GError **error)
{
  if (self_sealed ())
    return 0;
  g_autofree char *cmdline = NULL;
  gsize len = 0;
  _cleanup_close_ int self = open ("/proc/self/exe", O_RDONLY | O_CLOEXEC);
  struct stat st;
  if (self < 0 || fstat (self, &st) < 0 || !g_file_get_contents ("/proc/self/cmdline", &cmdline, &len, NULL) || len == 0)
    {
      g_set_error (error, MGR_ERROR, MGR_ERROR_FAILED, "reading this program (/proc/self/exe, cmdline): %s",
                   g_strerror (errno));
      return -1;
    }
  _cleanup_close_ int fd = memfd_create ("mgr", MFD_CLOEXEC | MFD_ALLOW_SEALING | MFD_EXEC);
  if (fd < 0 && errno == EINVAL)
    fd = memfd_create ("mgr", MFD_CLOEXEC | MFD_ALLOW_SEALING);
  off_t off = 0, size = loaded_size (self, st.st_size);
  while (fd >= 0 && off < size)
    {
      ssize_t n = sendfile (fd, self, &off, size - off);
      if (n < 0 && errno == EINTR)
        continue;
      if (n <= 0)
        {
          errno = n < 0 ? errno : EIO;
          close (fd);
          fd = -1;
        }
    }
  if (fd < 0 || fcntl (fd, F_ADD_SEALS, F_SEAL_SEAL | F_SEAL_SHRINK | F_SEAL_GROW | F_SEAL_WRITE) < 0)
    {
      g_set_error (error, MGR_ERROR, MGR_ERROR_FAILED, "making a sealed copy of mgr in memory: %s%s", g_strerror (errno),
                   errno == EACCES ? " (vm.memfd_noexec = 2 forbids executable memfds)" : "");
      return -1;
    }
  /* The same arguments, as the kernel has them (argv[0] names the verb). */
  g_autoptr (GPtrArray) argv = g_ptr_array_new ();
  for (char *a = cmdline; a < cmdline + len; a += strlen (a) + 1)
    g_ptr_array_add (argv, a);
  g_ptr_array_add (argv, NULL);
  extern char **environ;
  mgr_trace ("sealed copy made (%lld bytes): executing it", (long long) size);
  syscall (SYS_execveat, fd, "", (char **) argv->pdata, environ, AT_EMPTY_PATH);
  g_set_error (error, MGR_ERROR, MGR_ERROR_FAILED, "running the sealed copy of mgr: %s", g_strerror (errno));
  return -1;
}
