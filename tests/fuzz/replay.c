/* Runs a fuzz target over files and folders of files (its corpus), for
 * builds without libFuzzer: every make check replays every corpus. */
#include "config.h"

#include <glib.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

int LLVMFuzzerTestOneInput (const uint8_t *data, size_t size);

static int
replay_file (const char *path)
{
  g_autofree char *data = NULL;
  gsize len;
  g_autoptr (GError) e = NULL;
  if (!g_file_get_contents (path, &data, &len, &e))
    {
      fprintf (stderr, "cannot read %s: %s\n", path, e->message);
      return -1;
    }
  /* An exact-size copy: a read one past the input is then caught by
   * valgrind, as libFuzzer's ASan build would catch it. */
  g_autofree uint8_t *exact = g_malloc (len);
  memcpy (exact, data, len);
  LLVMFuzzerTestOneInput (exact, len);
  return 1;
}

int
main (int argc, char **argv)
{
  int n = 0;
  for (int i = 1; i < argc; i++)
    {
      if (g_file_test (argv[i], G_FILE_TEST_IS_DIR))
        {
          g_autoptr (GDir) d = g_dir_open (argv[i], 0, NULL);
          const char *name;
          while (d && (name = g_dir_read_name (d)))
            {
              g_autofree char *p = g_build_filename (argv[i], name, NULL);
              int r = replay_file (p);
              if (r < 0)
                return 1;
              n += r;
            }
          continue;
        }
      int r = replay_file (argv[i]);
      if (r < 0)
        return 1;
      n += r;
    }
  printf ("replayed %d inputs\n", n);
  return n ? 0 : 1;
}
