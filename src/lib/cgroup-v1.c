/* cgroup v1: v2 names translated to v1 files. */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <sys/stat.h>
#include <string.h>
#include <unistd.h>

#include "cgroup-internal.h"
#include "mgr-error.h"

static char *
num (guint64 v)
{
  return v == MGR_UNLIMITED ? g_strdup ("-1") : g_strdup_printf ("%" G_GUINT64_FORMAT, v);
}

static bool
has_file (const Hier *h, const char *file)
{
  g_autofree char *p = g_build_filename (h->path, file, NULL);
  g_autofree char *pp = g_build_filename (h->mount, file, NULL);
  return g_file_test (g_file_test (h->path, G_FILE_TEST_IS_DIR) ? p : pp, G_FILE_TEST_EXISTS);
}

static gboolean
v1_check (const MgrCgroup *cg, const Hier *h, const struct mgr_cgroup_key *k, const MgrPlan *plan, GError **error)
{
  const struct mgr_cgroup_settings *s = &plan->cgroup;
  if (strcmp (k->key, "memory.swap.max") == 0)
    {
      if (!has_file (h, "memory.memsw.limit_in_bytes"))
        return g_set_error (error, MGR_ERROR, MGR_ERROR_FAILED,
                            "v1 has no swap accounting here (boot with swapaccount=1)"), FALSE;
      if (!s->memory_max.set || s->memory_max.v == MGR_UNLIMITED)
        return g_set_error (error, MGR_ERROR, MGR_ERROR_FAILED,
                            "v1 limits memory and swap together, so it needs [cgroup] memory.max too"), FALSE;
    }
  if (strcmp (k->key, "io.weight") == 0 && !has_file (h, "blkio.weight") && !has_file (h, "blkio.bfq.weight"))
    return g_set_error (error, MGR_ERROR, MGR_ERROR_FAILED, "v1 blkio has no weight file here (it needs the BFQ I/O scheduler)"), FALSE;
  if (strcmp (k->key, "io.max") == 0 && !has_file (h, "blkio.throttle.read_bps_device"))
    return g_set_error (error, MGR_ERROR, MGR_ERROR_FAILED, "v1 blkio has no throttling here"), FALSE;
  return TRUE;
}

static gboolean
write_path (const char *p, const char *v, GError **error)
{
  FILE *f = fopen (p, "we");
  if (!f || fputs (v, f) < 0 || fclose (f) != 0)
    {
      g_set_error (error, MGR_ERROR, MGR_ERROR_FAILED, "writing \"%s\" to %s: %s", v, p, g_strerror (errno));
      return FALSE;
    }
  return TRUE;
}

static gboolean
copy_from_parent (const char *dir, const char *file, GError **error)
{
  g_autofree char *parent = g_path_get_dirname (dir);
  g_autofree char *from = g_build_filename (parent, file, NULL), *to = g_build_filename (dir, file, NULL);
  g_autofree char *v = NULL;
  return g_file_get_contents (from, &v, NULL, error) && write_path (to, g_strstrip (v), error);
}

/* A new v1 cpuset is empty and refuses tasks: give it its parent's cpus and
 * mems (mgr.payload's first, from the hierarchy's root). */
static gboolean
v1_prepare_parent (const MgrCgroup *cg, const Hier *h, const MgrPlan *plan, GError **error)
{
  /* Every level from the hierarchy's root down to the parent (an OCI
   * cgroupsPath may be several deep). */
  g_autofree char *rel = g_strdup (h->parent + strlen (h->mount));
  g_autofree char *dir = g_strdup (h->mount);
  char *save = NULL;
  for (char *part = strtok_r (rel, "/", &save); part; part = strtok_r (NULL, "/", &save))
    {
      char *next = g_build_filename (dir, part, NULL);
      g_free (dir);
      dir = next;
      if (mkdir (dir, 0755) < 0 && errno != EEXIST)
        return g_set_error (error, MGR_ERROR, MGR_ERROR_FAILED, "creating %s: %s", dir, g_strerror (errno)), FALSE;
      if (g_strv_contains ((const char *const *) h->controllers, "cpuset"))
        {
          static const char *const files[] = { "cpuset.cpus", "cpuset.mems" };
          for (int i = 0; i < 2; i++)
            {
              g_autofree char *p = g_build_filename (dir, files[i], NULL), *v = NULL;
              if ((!g_file_get_contents (p, &v, NULL, NULL) || !*g_strstrip (v)) && !copy_from_parent (dir, files[i], error))
                return FALSE;
            }
        }
    }
  return TRUE;
}

static gboolean
v1_prepare (const MgrCgroup *cg, const Hier *h, const MgrPlan *plan, GError **error)
{
  if (g_strv_contains ((const char *const *) h->controllers, "cpuset"))
    return copy_from_parent (h->path, "cpuset.cpus", error) && copy_from_parent (h->path, "cpuset.mems", error);
  return TRUE;
}

static gboolean
write_rule (int fd, const Hier *h, const char *file, const char *rule, GError **error)
{
  if (write (fd, rule, strlen (rule)) >= 0)
    return TRUE;
  g_set_error (error, MGR_ERROR, MGR_ERROR_FAILED, "writing \"%s\" to %s/%s: %s", rule, h->path, file, g_strerror (errno));
  return FALSE;
}

static gboolean
devices (const Hier *h, const MgrPlan *plan, GError **error)
{
  /* The kernel takes each write as one rule: each file is opened once, not
   * once per rule (11 opens of cgroupfs files per start by default). */
  const struct mgr_dev_rules *lists[] = { &plan->cgroup.devices_allow, &plan->cgroup.devices_deny };
  const char *files[] = { "devices.allow", "devices.deny" };
  int fds[2] = { -1, -1 };
  gboolean ok = TRUE;
  for (int l = 0; l < 2 && ok; l++)
    {
      g_autofree char *p = g_build_filename (h->path, files[l], NULL);
      if ((fds[l] = open (p, O_WRONLY | O_CLOEXEC)) < 0)
        ok = (g_set_error (error, MGR_ERROR, MGR_ERROR_FAILED, "opening %s: %s", p, g_strerror (errno)), FALSE);
    }
  ok = ok && write_rule (fds[1], h, files[1], "a", error);
  for (int l = 0; l < 2 && ok; l++)
    for (guint i = 0; i < lists[l]->n && ok; i++)
      {
        const struct mgr_dev_rule *r = &lists[l]->v[i];
        g_autofree char *ma = r->major < 0 ? g_strdup ("*") : g_strdup_printf ("%" G_GINT64_FORMAT, r->major);
        g_autofree char *mi = r->minor < 0 ? g_strdup ("*") : g_strdup_printf ("%" G_GINT64_FORMAT, r->minor);
        g_autofree char *rule = g_strdup_printf ("%c %s:%s %s", r->type, ma, mi, r->access);
        ok = write_rule (fds[l], h, files[l], rule, error);
      }
  for (int l = 0; l < 2; l++)
    if (fds[l] >= 0)
      close (fds[l]);
  return ok;
}

static gboolean
v1_apply (const MgrCgroup *cg, const Hier *h, const struct mgr_cgroup_key *k, const MgrPlan *plan, GError **error)
{
  const struct mgr_cgroup_settings *s = &plan->cgroup;
  const char *key = k->key;
  if (strcmp (key, "memory.max") == 0)
    {
      g_autofree char *v = num (s->memory_max.v);
      return mgr_cgroup_write (h, "memory.limit_in_bytes", v, error);
    }
  if (strcmp (key, "memory.high") == 0)
    {
      g_autofree char *v = num (s->memory_high.v);
      return mgr_cgroup_write (h, "memory.soft_limit_in_bytes", v, error);
    }
  if (strcmp (key, "memory.swap.max") == 0)
    {
      guint64 sum = s->memory_swap_max.v == MGR_UNLIMITED ? MGR_UNLIMITED : s->memory_max.v + s->memory_swap_max.v;
      g_autofree char *v = num (sum);
      return mgr_cgroup_write (h, "memory.memsw.limit_in_bytes", v, error);
    }
  if (strcmp (key, "cpu.max") == 0)
    {
      g_autofree char *period = num (s->cpu_max.period), *quota = num (s->cpu_max.quota);
      return mgr_cgroup_write (h, "cpu.cfs_period_us", period, error) && mgr_cgroup_write (h, "cpu.cfs_quota_us", quota, error);
    }
  if (strcmp (key, "cpu.weight") == 0)
    {
      /* systemd's mapping: weight 100 is 1024 shares. */
      g_autofree char *v = g_strdup_printf ("%" G_GUINT64_FORMAT, MAX (2, s->cpu_weight.v * 1024 / 100));
      return mgr_cgroup_write (h, "cpu.shares", v, error);
    }
  if (strcmp (key, "cpuset.cpus") == 0)
    return mgr_cgroup_write (h, "cpuset.cpus", s->cpuset_cpus, error);
  if (strcmp (key, "cpuset.mems") == 0)
    return mgr_cgroup_write (h, "cpuset.mems", s->cpuset_mems, error);
  if (strcmp (key, "pids.max") == 0)
    {
      g_autofree char *v = s->pids_max.v == MGR_UNLIMITED ? g_strdup ("max") : num (s->pids_max.v);
      return mgr_cgroup_write (h, "pids.max", v, error);
    }
  if (strcmp (key, "io.weight") == 0)
    {
      g_autofree char *v = g_strdup_printf ("%" G_GUINT64_FORMAT, CLAMP (s->io_weight.v / 10, 10, 1000));
      return has_file (h, "blkio.weight") ? mgr_cgroup_write (h, "blkio.weight", v, error)
                                          : mgr_cgroup_write (h, "blkio.bfq.weight", v, error);
    }
  if (strcmp (key, "io.max") == 0)
    {
      static const char *const files[] = { "blkio.throttle.read_bps_device", "blkio.throttle.write_bps_device",
                                           "blkio.throttle.read_iops_device", "blkio.throttle.write_iops_device" };
      for (guint i = 0; i < s->io_max.n; i++)
        {
          const struct mgr_io_limit *l = &s->io_max.v[i];
          const guint64 vals[] = { l->rbps, l->wbps, l->riops, l->wiops };
          for (int j = 0; j < 4; j++)
            {
              g_autofree char *v = g_strdup_printf ("%u:%u %" G_GUINT64_FORMAT, l->major, l->minor,
                                                    vals[j] == MGR_UNLIMITED ? 0 : vals[j]);
              if (!mgr_cgroup_write (h, files[j], v, error))
                return FALSE;
            }
        }
      return TRUE;
    }
  if (strcmp (key, "devices.allow") == 0)
    return devices (h, plan, error);
  if (strcmp (key, "devices.deny") == 0)
    return TRUE; /* written with devices.allow: order matters */
  return g_set_error (error, MGR_ERROR, MGR_ERROR_FAILED, "no v1 translation"), FALSE;
}

static gboolean
v1_freeze (const Hier *h, bool frozen, GError **error)
{
  if (!mgr_cgroup_write (h, "freezer.state", frozen ? "FROZEN" : "THAWED", error))
    return FALSE;
  if (!mgr_cgroup_wait_for (h, "freezer.state", frozen ? "FROZEN" : "THAWED", 60000))
    return g_set_error (error, MGR_ERROR, MGR_ERROR_FAILED, "%s/freezer.state did not reach %s in 60s", h->path,
                        frozen ? "FROZEN" : "THAWED"), FALSE;
  return TRUE;
}

static bool
v1_is_frozen (const Hier *h)
{
  g_autofree char *v = mgr_cgroup_read (h, "freezer.state");
  return v && strcmp (v, "FROZEN") == 0;
}

static gint64
v1_memory (const Hier *h)
{
  g_autofree char *v = mgr_cgroup_read (h, "memory.usage_in_bytes");
  return v ? g_ascii_strtoll (v, NULL, 10) : -1;
}

static gint64
v1_cpu (const Hier *h)
{
  g_autofree char *v = mgr_cgroup_read (h, "cpuacct.usage");
  return v ? g_ascii_strtoll (v, NULL, 10) / 1000 : -1;
}

const struct mgr_cgroup_driver mgr_cgroup_v1_driver = {
  v1_check, v1_prepare_parent, v1_prepare, v1_apply, v1_freeze, v1_is_frozen, v1_memory, v1_cpu,
};
