/* The cgroup backends write the right files: v2 names as they are, v1
 * translated. Each driver writes into a scratch folder laid out like a
 * cgroup, so this needs no cgroup mount. */
#include "config.h"

#include "lib/cgroup-internal.h"
#include "testutil.h"

static const char *const v1_files[] = {
  "memory.limit_in_bytes", "memory.soft_limit_in_bytes", "memory.memsw.limit_in_bytes", "cpu.cfs_period_us",
  "cpu.cfs_quota_us", "cpu.shares", "cpuset.cpus", "cpuset.mems", "pids.max", "blkio.weight",
  "blkio.throttle.read_bps_device", "blkio.throttle.write_bps_device", "blkio.throttle.read_iops_device",
  "blkio.throttle.write_iops_device", "devices.allow", "devices.deny", NULL,
};
static const char *const v2_files[] = { "memory.max", "memory.high", "memory.swap.max", "cpu.max", "cpu.weight",
                                        "cpuset.cpus", "cpuset.mems", "pids.max", "io.weight", "io.max", NULL };

static Hier *
scratch (int version, const char *dir, const char *const *files)
{
  Hier *h = g_new0 (Hier, 1);
  h->version = version;
  h->mount = g_strdup (dir);
  h->path = g_strdup (dir);
  for (const char *const *f = files; *f; f++)
    g_free (write_tmp (dir, *f, ""));
  return h;
}

static char *
file (const char *dir, const char *name)
{
  g_autofree char *p = g_build_filename (dir, name, NULL);
  char *t = NULL;
  ck_assert (g_file_get_contents (p, &t, NULL, NULL));
  return g_strstrip (t);
}

static MgrPlan *
plan_with (const char *cgroup_section)
{
  g_autofree char *text = g_strdup_printf ("[cgroup]\n%s", cgroup_section);
  g_autoptr (GError) e = NULL;
  MgrPlan *p = load_text (text, &e);
  ck_assert_msg (p != NULL, "%s", e ? e->message : "");
  return p;
}

static void
apply (const struct mgr_cgroup_driver *d, Hier *h, const MgrPlan *plan, const char *key)
{
  struct mgr_cgroup_key k = { key, NULL, NULL };
  g_autoptr (GError) e = NULL;
  ck_assert_msg (d->check (NULL, h, &k, plan, &e), "%s: %s", key, e ? e->message : "");
  ck_assert_msg (d->apply (NULL, h, &k, plan, &e), "%s: %s", key, e ? e->message : "");
}

#define ASSERT_FILE(dir, name, want)                                     \
  do                                                                     \
    {                                                                    \
      g_autofree char *_v = file (dir, name);                            \
      ck_assert_msg (strcmp (_v, want) == 0, "%s = '%s', want '%s'", name, _v, want); \
    }                                                                    \
  while (0)

START_TEST (test_v1_translation)
{
  char *dir = tmpdir_new ();
  Hier *h = scratch (1, dir, v1_files);
  g_autoptr (MgrPlan) p = plan_with ("memory.max = 256M\nmemory.high = 192M\nmemory.swap.max = 64M\n"
                                     "cpu.max = 50000 200000\ncpu.weight = 200\ncpuset.cpus = 0-1\npids.max = max\n"
                                     "io.weight = 500\nio.max = 8:0 rbps=1048576 wiops=100\n");
  const char *keys[] = { "memory.max", "memory.high", "memory.swap.max", "cpu.max", "cpu.weight", "cpuset.cpus",
                         "pids.max", "io.weight", "io.max", NULL };
  for (const char **k = keys; *k; k++)
    apply (&mgr_cgroup_v1_driver, h, p, *k);
  ASSERT_FILE (dir, "memory.limit_in_bytes", "268435456");
  ASSERT_FILE (dir, "memory.soft_limit_in_bytes", "201326592");
  ASSERT_FILE (dir, "memory.memsw.limit_in_bytes", "335544320"); /* memory + swap */
  ASSERT_FILE (dir, "cpu.cfs_period_us", "200000");
  ASSERT_FILE (dir, "cpu.cfs_quota_us", "50000");
  ASSERT_FILE (dir, "cpu.shares", "2048");
  ASSERT_FILE (dir, "cpuset.cpus", "0-1");
  ASSERT_FILE (dir, "pids.max", "max");
  ASSERT_FILE (dir, "blkio.weight", "50");
  ASSERT_FILE (dir, "blkio.throttle.write_iops_device", "8:0 100");
  tmpdir_free (dir);
  g_free (h->mount), g_free (h->path), g_free (h);
}
END_TEST

START_TEST (test_v1_unlimited_and_limits)
{
  char *dir = tmpdir_new ();
  Hier *h = scratch (1, dir, v1_files);
  g_autoptr (MgrPlan) p = plan_with ("memory.max = max\ncpu.max = max\n");
  apply (&mgr_cgroup_v1_driver, h, p, "memory.max");
  apply (&mgr_cgroup_v1_driver, h, p, "cpu.max");
  ASSERT_FILE (dir, "memory.limit_in_bytes", "-1");
  ASSERT_FILE (dir, "cpu.cfs_quota_us", "-1");
  /* v1 limits memory and swap together: swap alone cannot be said. */
  g_autoptr (MgrPlan) q = plan_with ("memory.swap.max = 64M\n");
  struct mgr_cgroup_key k = { "memory.swap.max", NULL, NULL };
  g_autoptr (GError) e = NULL;
  ck_assert (!mgr_cgroup_v1_driver.check (NULL, h, &k, q, &e));
  ck_assert (strstr (e->message, "needs [cgroup] memory.max"));
  tmpdir_free (dir);
  g_free (h->mount), g_free (h->path), g_free (h);
}
END_TEST

START_TEST (test_v1_devices)
{
  char *dir = tmpdir_new ();
  Hier *h = scratch (1, dir, v1_files);
  g_autoptr (MgrPlan) p = plan_with ("devices.allow = c 1:3 rwm, c 136:* rw\ndevices.deny = c 1:3 m\n");
  apply (&mgr_cgroup_v1_driver, h, p, "devices.allow");
  /* Files of a real cgroup take each write as a rule; each file is opened
   * once, so these plain files keep every write, one after the other: all
   * the rules, in order, "a" (deny all) first. */
  ASSERT_FILE (dir, "devices.allow", "c 1:3 rwmc 136:* rw");
  ASSERT_FILE (dir, "devices.deny", "ac 1:3 m");
  tmpdir_free (dir);
  g_free (h->mount), g_free (h->path), g_free (h);
}
END_TEST

START_TEST (test_v2_names)
{
  char *dir = tmpdir_new ();
  Hier *h = scratch (2, dir, v2_files);
  g_autoptr (MgrPlan) p = plan_with ("memory.max = 256M\nmemory.swap.max = max\ncpu.max = max\ncpu.weight = 50\n"
                                     "pids.max = 100\nio.weight = 300\nio.max = 8:16 wbps=2097152\n");
  const char *keys[] = { "memory.max", "memory.swap.max", "cpu.max", "cpu.weight", "pids.max", "io.weight", "io.max", NULL };
  for (const char **k = keys; *k; k++)
    apply (&mgr_cgroup_v2_driver, h, p, *k);
  ASSERT_FILE (dir, "memory.max", "268435456");
  ASSERT_FILE (dir, "memory.swap.max", "max");
  ASSERT_FILE (dir, "cpu.max", "max 100000");
  ASSERT_FILE (dir, "cpu.weight", "50");
  ASSERT_FILE (dir, "pids.max", "100");
  ASSERT_FILE (dir, "io.weight", "default 300");
  ASSERT_FILE (dir, "io.max", "8:16 rbps=max wbps=2097152 riops=max wiops=max");
  tmpdir_free (dir);
  g_free (h->mount), g_free (h->path), g_free (h);
}
END_TEST

START_TEST (test_optional_key_names)
{
  g_autoptr (GError) e = NULL;
  g_autoptr (MgrPlan) bad = load_text ("[cgroup]\noptional = memory.limit\n", &e);
  ck_assert_ptr_null (bad);
  ck_assert (strstr (e->message, "not a [cgroup] key") && strstr (e->message, "memory.max"));
}
END_TEST

static Suite *
cgroup_suite (void)
{
  Suite *s = suite_create ("cgroup");
  TCase *tc = tcase_create ("translation");
  tcase_add_test (tc, test_v1_translation);
  tcase_add_test (tc, test_v1_unlimited_and_limits);
  tcase_add_test (tc, test_v1_devices);
  tcase_add_test (tc, test_v2_names);
  tcase_add_test (tc, test_optional_key_names);
  suite_add_tcase (s, tc);
  return s;
}

RUN_SUITE (cgroup_suite)
