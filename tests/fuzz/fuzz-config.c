/* Fuzz target: the config parser and the text editor must never crash,
 * leak or read out of bounds, whatever the bytes. */
#include "config.h"

#include <stddef.h>
#include <stdint.h>

#include "lib/loader.h"

int LLVMFuzzerTestOneInput (const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput (const uint8_t *data, size_t size)
{
  MgrLoadOptions o = { .name = "fuzz" };
  GError *e = NULL;
  MgrPlan *p = mgr_plan_load_data ((const char *) data, size, "/fuzz/config", &o, &e);
  if (p)
    {
      g_free (mgr_plan_to_text (p));
      g_free (mgr_plan_to_json (p));
      mgr_plan_free (p);
    }
  g_clear_error (&e);
  g_autofree char *text = g_strndup ((const char *) data, size);
  if (g_utf8_validate (text, -1, NULL))
    {
      g_free (mgr_config_text_set (text, "cgroup", "memory.max", "1G", NULL));
      g_free (mgr_config_text_set (text, "network eth0", NULL, NULL, NULL));
    }
  return 0;
}
