/* Fuzz target: import-lxc translates any LXC config, and what it writes is
 * a config the loader takes or refuses with a message (mgr-download merges
 * it into a new container's file). */
#include "config.h"

#include "fuzz.h"
#include "lib/loader.h"
#include "lib/lxcimport.h"

int
LLVMFuzzerTestOneInput (const uint8_t *data, size_t size)
{
  const char *path = fuzz_file (data, size);
  g_autoptr (GPtrArray) skipped = g_ptr_array_new_with_free_func (g_free);
  g_autofree char *ini = NULL;
  g_autoptr (GError) e = NULL;
  if (!mgr_lxc_import (path, &ini, skipped, &e))
    return 0;
  MgrLoadOptions o = { .name = "fuzz" };
  g_autoptr (GError) e2 = NULL;
  MgrPlan *p = mgr_plan_load_data (ini, strlen (ini), "/fuzz/config", &o, &e2);
  if (p)
    mgr_plan_free (p);
  return 0;
}
