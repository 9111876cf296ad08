/* Shared by the fuzz targets: parsers that read a path get the input
 * through one private file, rewritten for each input. */
#ifndef MGR_FUZZ_H
#define MGR_FUZZ_H

#include <fcntl.h>
#include <glib.h>
#include <glib/gstdio.h>
#include <stdint.h>
#include <stdlib.h>
#include <unistd.h>

int LLVMFuzzerTestOneInput (const uint8_t *data, size_t size);

static char *fuzz_dir;

static void
fuzz_cleanup (void)
{
  g_autofree char *f = g_build_filename (fuzz_dir, "input", NULL);
  g_unlink (f);
  g_rmdir (fuzz_dir);
}

/* Writes the input to DIR/input (a folder private to this process) and
 * returns that path; aborts on failure, which is not a finding. */
static const char *
fuzz_file (const uint8_t *data, size_t size)
{
  static char *path;
  if (!path)
    {
      fuzz_dir = g_dir_make_tmp ("mgr-fuzz-XXXXXX", NULL);
      g_assert (fuzz_dir);
      path = g_build_filename (fuzz_dir, "input", NULL);
      atexit (fuzz_cleanup);
    }
  int fd = open (path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC | O_NOFOLLOW, 0600);
  g_assert (fd >= 0);
  for (size_t off = 0; off < size;)
    {
      ssize_t n = write (fd, data + off, size - off);
      g_assert (n > 0);
      off += (size_t) n;
    }
  close (fd);
  return path;
}

#endif
