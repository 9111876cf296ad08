/* cgroup v2: the keys are the files' own names. */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cgroup-internal.h"
#include "mgr-error.h"
#include "util.h"

static gboolean
v2_check (const MgrCgroup *cg, const Hier *h, const struct mgr_cgroup_key *k, const MgrPlan *plan, GError **error)
{
  return TRUE;
}

/* Controllers reach a cgroup only through its parents' subtree_control. */
static gboolean
enable (const char *dir, const char *controller, GError **error)
{
  g_autofree char *p = g_build_filename (dir, "cgroup.subtree_control", NULL), *cur = NULL;
  g_autofree char *v = g_strdup_printf ("+%s", controller);
  if (g_file_get_contents (p, &cur, NULL, NULL))
    {
      g_auto (GStrv) on = g_strsplit_set (g_strstrip (cur), " ", -1);
      if (g_strv_contains ((const char *const *) on, controller))
        return TRUE;
    }
  _cleanup_close_ int fd = open (p, O_WRONLY | O_CLOEXEC);
  if (fd < 0 || write (fd, v, strlen (v)) < 0)
    {
      g_set_error (error, MGR_ERROR, MGR_ERROR_FAILED, "enabling %s in %s: %s", controller, p, g_strerror (errno));
      return FALSE;
    }
  return TRUE;
}

static gboolean
v2_prepare_parent (const MgrCgroup *cg, const Hier *h, const MgrPlan *plan, GError **error)
{
  static const char *const wanted[] = { "memory", "cpu", "cpuset", "pids", "io" };
  /* Every level from the hierarchy's root down to the parent (an OCI
   * cgroupsPath may be several deep) hands the controllers on. */
  g_autofree char *rel = g_strdup (h->parent + strlen (h->mount));
  g_autofree char *dir = g_strdup (h->mount);
  char *save = NULL;
  for (char *part = strtok_r (rel, "/", &save);; part = strtok_r (NULL, "/", &save))
    {
      for (size_t i = 0; i < G_N_ELEMENTS (wanted); i++)
        if (g_strv_contains ((const char *const *) h->controllers, wanted[i]) && !enable (dir, wanted[i], error))
          return FALSE;
      if (!part)
        break;
      char *next = g_build_filename (dir, part, NULL);
      g_free (dir);
      dir = next;
      if (mkdir (dir, 0755) < 0 && errno != EEXIST)
        return g_set_error (error, MGR_ERROR, MGR_ERROR_FAILED, "creating %s: %s", dir, g_strerror (errno)), FALSE;
    }
  return TRUE;
}

/* Delegation is on the container's inner cgroup (cgroup.c make_inner). */
static gboolean
v2_prepare (const MgrCgroup *cg, const Hier *h, const MgrPlan *plan, GError **error)
{
  return TRUE;
}

static char *
num_or_max (guint64 v)
{
  return v == MGR_UNLIMITED ? g_strdup ("max") : g_strdup_printf ("%" G_GUINT64_FORMAT, v);
}

static gboolean
v2_apply (const MgrCgroup *cg, const Hier *h, const struct mgr_cgroup_key *k, const MgrPlan *plan, GError **error)
{
  const struct mgr_cgroup_settings *s = &plan->cgroup;
  const char *key = k->key;
  g_autofree char *v = NULL;
  if (strcmp (key, "memory.max") == 0)
    v = num_or_max (s->memory_max.v);
  else if (strcmp (key, "memory.high") == 0)
    v = num_or_max (s->memory_high.v);
  else if (strcmp (key, "memory.swap.max") == 0)
    v = num_or_max (s->memory_swap_max.v);
  else if (strcmp (key, "cpu.max") == 0)
    {
      g_autofree char *q = num_or_max (s->cpu_max.quota);
      v = g_strdup_printf ("%s %" G_GUINT64_FORMAT, q, s->cpu_max.period);
    }
  else if (strcmp (key, "cpu.weight") == 0)
    v = num_or_max (s->cpu_weight.v);
  else if (strcmp (key, "cpuset.cpus") == 0)
    v = g_strdup (s->cpuset_cpus);
  else if (strcmp (key, "cpuset.mems") == 0)
    v = g_strdup (s->cpuset_mems);
  else if (strcmp (key, "pids.max") == 0)
    v = num_or_max (s->pids_max.v);
  else if (strcmp (key, "io.weight") == 0)
    v = g_strdup_printf ("default %" G_GUINT64_FORMAT, s->io_weight.v);
  else if (strcmp (key, "io.max") == 0)
    {
      for (guint i = 0; i < s->io_max.n; i++)
        {
          const struct mgr_io_limit *l = &s->io_max.v[i];
          g_autofree char *r = num_or_max (l->rbps), *w = num_or_max (l->wbps), *ri = num_or_max (l->riops),
                          *wi = num_or_max (l->wiops);
          g_autofree char *line = g_strdup_printf ("%u:%u rbps=%s wbps=%s riops=%s wiops=%s", l->major, l->minor, r, w, ri, wi);
          if (!mgr_cgroup_write (h, "io.max", line, error))
            return FALSE;
        }
      return TRUE;
    }
  /* One program holds both lists: either key rebuilds it and replaces the
   * one attached (at start, the second build replaces the first). */
  else if (strcmp (key, "devices.allow") == 0 || strcmp (key, "devices.deny") == 0)
    return mgr_cgroup_bpf_devices (h, plan, error);
  return mgr_cgroup_write (h, key, v, error);
}

gboolean
mgr_cgroup_wait_for (const Hier *h, const char *file, const char *want, int timeout_ms)
{
  for (int waited = 0; waited <= timeout_ms; waited += 10)
    {
      g_autofree char *v = mgr_cgroup_read (h, file);
      if (v && strstr (v, want))
        return TRUE;
      /* cgroup.events notifies (POLLPRI) on change; freezer.state does not. */
      g_autofree char *p = g_build_filename (h->path, file, NULL);
      _cleanup_close_ int fd = open (p, O_RDONLY | O_CLOEXEC);
      struct pollfd pf = { fd, POLLPRI };
      if (strcmp (file, "cgroup.events") != 0 || fd < 0 || poll (&pf, 1, 10) <= 0)
        g_usleep (10000);
    }
  return FALSE;
}

static gboolean
v2_freeze (const Hier *h, bool frozen, GError **error)
{
  if (!mgr_cgroup_write (h, "cgroup.freeze", frozen ? "1" : "0", error))
    return FALSE;
  if (!mgr_cgroup_wait_for (h, "cgroup.events", frozen ? "frozen 1" : "frozen 0", 60000))
    return g_set_error (error, MGR_ERROR, MGR_ERROR_FAILED, "%s did not %s in 60s", h->path, frozen ? "freeze" : "thaw"), FALSE;
  return TRUE;
}

static bool
v2_is_frozen (const Hier *h)
{
  g_autofree char *v = mgr_cgroup_read (h, "cgroup.events");
  return v && strstr (v, "frozen 1");
}

static gint64
v2_memory (const Hier *h)
{
  g_autofree char *v = mgr_cgroup_read (h, "memory.current");
  return v ? g_ascii_strtoll (v, NULL, 10) : -1;
}

static gint64
v2_cpu (const Hier *h)
{
  g_autofree char *v = mgr_cgroup_read (h, "cpu.stat");
  const char *u = v ? strstr (v, "usage_usec ") : NULL;
  return u ? g_ascii_strtoll (u + 11, NULL, 10) : -1;
}

const struct mgr_cgroup_driver mgr_cgroup_v2_driver = {
  v2_check, v2_prepare_parent, v2_prepare, v2_apply, v2_freeze, v2_is_frozen, v2_memory, v2_cpu,
};
