/* Fuzz target: a seccomp profile compiles or is refused with a message,
 * for unprivileged and privileged containers alike. */
#include "config.h"

#include "fuzz.h"
#include "lib/seccomp.h"

int
LLVMFuzzerTestOneInput (const uint8_t *data, size_t size)
{
  const char *path = fuzz_file (data, size);
  for (int privileged = 0; privileged < 2; privileged++)
    {
      MgrSeccomp sc;
      g_autoptr (GError) e = NULL;
      if (mgr_seccomp_compile (path, privileged, &sc, &e))
        mgr_seccomp_clear (&sc);
    }
  return 0;
}
