/* Fuzz target: import-lxc translates any LXC config, and what it writes is
 * a config the loader takes or refuses with a message (mgr-download merges
 * it into a new container's file). */
#include "config.h"

#include "fuzz.h"
#include "lib/image.h"
#include "lib/loader.h"
#include "lib/lxcimport.h"

int
LLVMFuzzerTestOneInput (const uint8_t *data, size_t size)
{
  const char *path = fuzz_file (data, size);
  g_autoptr (GPtrArray) skipped = g_ptr_array_new_with_free_func (g_free);
  g_autofree char *ini = NULL;
  g_autoptr (GError) e = NULL;
  /* The same text as an image's config: untrusted, nothing opened. */
  {
    g_autofree char *text = g_strndup ((const char *) data, size);
    g_autoptr (GPtrArray) dropped = g_ptr_array_new_with_free_func (g_free);
    g_autofree char *iini = NULL;
    mgr_lxc_import_image ("meta/config", text, &iini, dropped);
    for (guint i = 0; i < dropped->len; i++)
      g_free (mgr_escape_text (dropped->pdata[i], -1));
  }
  if (!mgr_lxc_import (path, &ini, skipped, &e))
    return 0;
  MgrLoadOptions o = { .name = "fuzz" };
  g_autoptr (GError) e2 = NULL;
  MgrPlan *p = mgr_plan_load_data (ini, strlen (ini), "/fuzz/config", &o, &e2);
  if (p)
    mgr_plan_free (p);
  return 0;
}
