/* Fuzz target: an OCI bundle's config.json becomes a plan or is refused
 * with a message naming the field; the same text as exec's --process, as
 * update's --resources, and as hooks. */
#include "config.h"

#include "fuzz.h"
#include "lib/oci.h"

int
LLVMFuzzerTestOneInput (const uint8_t *data, size_t size)
{
  (void) fuzz_file; /* the parser takes text, not a path */
  g_autofree char *json = g_strndup ((const char *) data, size);
  MgrSeccomp sc;
  g_autoptr (GError) e = NULL;
  g_autoptr (MgrPlan) plan = mgr_oci_plan (json, strlen (json), "/nonexistent-bundle", "fuzz", &sc, &e);
  mgr_seccomp_clear (&sc);
  g_clear_error (&e);
  if (plan)
    {
      mgr_oci_process (plan, json, strlen (json), &e);
      g_clear_error (&e);
    }
  g_autoptr (MgrPlan) res = g_new0 (MgrPlan, 1);
  mgr_oci_resources (res, json, strlen (json), &e);
  g_clear_error (&e);
  g_autoptr (GPtrArray) hooks = mgr_oci_hooks (json, strlen (json), "poststop", &e);
  return 0;
}
