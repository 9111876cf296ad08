#include "config.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/signalfd.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "create.h"
#include "netmgr.h"
#include "idblock.h"
#include "image.h"
#include "keys.h"
#include "loader.h"
#include "mgr-error.h"
#include "util.h"

static const char *
templates_dir (void)
{
  const char *e = g_getenv ("MGR_TEMPLATES_DIR");
  return e && *e ? e : MGR_DATADIR "/templates";
}

char *
mgr_template_path (const char *template, GError **error)
{
  g_autofree char *path = strchr (template, '/') ? g_strdup (template)
                                                  : g_strdup_printf ("%s/mgr-%s", templates_dir (), template);
  if (g_file_test (path, G_FILE_TEST_IS_EXECUTABLE) && !g_file_test (path, G_FILE_TEST_IS_DIR))
    return g_steal_pointer (&path);
  GString *have = g_string_new (NULL);
  g_autoptr (GDir) d = g_dir_open (templates_dir (), 0, NULL);
  for (const char *n; d && (n = g_dir_read_name (d));)
    if (g_str_has_prefix (n, "mgr-"))
      g_string_append_printf (have, "%s%s", have->len ? ", " : "", n + 4);
  g_set_error (error, MGR_ERROR, MGR_ERROR_NOT_FOUND, "no template '%s' (%s is not an executable); templates here: %s",
               template, path, have->len ? have->str : "none");
  g_string_free (have, TRUE);
  return NULL;
}

static bool
interrupted (void)
{
  sigset_t pending;
  sigpending (&pending);
  return sigismember (&pending, SIGINT) || sigismember (&pending, SIGTERM) || sigismember (&pending, SIGHUP);
}

/* Gives the caller its signal mask back. A signal that arrived meanwhile
 * has been acted on (the create failed and says so): it is taken, not left
 * to kill the caller before it can print why. */
static void
restore_signals (const sigset_t *set, const sigset_t *saved)
{
  struct timespec zero = { 0, 0 };
  while (sigtimedwait (set, NULL, &zero) > 0)
    ;
  pthread_sigmask (SIG_SETMASK, saved, NULL);
}

/* Which containers hold host ids in ranges: by name when they are in
 * containers, else with their folder. */
static char *
holders (const MgrIdRegistry *reg, const char *containers, const GArray *ranges)
{
  GString *out = g_string_new (NULL);
  g_autoptr (GPtrArray) seen = g_ptr_array_new ();
  char *real = realpath (containers, NULL);
  g_autofree char *folder = g_strdup (real ? real : containers);
  free (real);
  for (guint i = 0; i < reg->holds->len; i++)
    {
      const MgrIdHold *h = &g_array_index (reg->holds, MgrIdHold, i);
      bool inside = false;
      for (guint j = 0; j < ranges->len && !inside; j++)
        {
          const struct mgr_idmap_range *b = &g_array_index (ranges, struct mgr_idmap_range, j);
          inside = h->r.outside < (guint64) b->outside + b->count && b->outside < (guint64) h->r.outside + h->r.count;
        }
      if (!inside || h->gid || g_ptr_array_find_with_equal_func (seen, h->holder, g_str_equal, NULL))
        continue;
      g_ptr_array_add (seen, h->holder);
      g_autofree char *dir = g_path_get_dirname (h->holder), *name = mgr_id_hold_name (h);
      g_string_append_printf (out, "%s%s", out->len ? ", " : "", name);
      if (strcmp (dir, folder) != 0)
        g_string_append_printf (out, " in %s", dir);
    }
  return g_string_free (out, FALSE);
}

static guint64
block_count (const GArray *ranges)
{
  guint64 n = 0;
  for (guint i = 0; i < ranges->len; i++)
    n += g_array_index (ranges, struct mgr_idmap_range, i).count / MGR_ID_BLOCK;
  return n;
}

/* An ordinary user's container takes a block from the user's own ranges in
 * /etc/subuid and /etc/subgid (every line of them): newuidmap maps nothing
 * else. Used up, the user learns who holds the blocks and how to get more;
 * --shared-ids takes the first block knowingly. */
static gboolean
choose_user_ids (const MgrCreateOptions *o, const MgrIdRegistry *reg, const char *containers, guint32 *uid,
                 guint32 *gid, GError **error)
{
  const char *user = g_get_user_name ();
  g_autoptr (GArray) ur = mgr_subid_ranges (o->paths->subuid, user, geteuid ());
  /* /etc/subgid is keyed by user name or uid too (newgidmap's rule). */
  g_autoptr (GArray) gr = mgr_subid_ranges (o->paths->subgid, user, geteuid ());
  if (!block_count (ur) || !block_count (gr))
    return g_set_error (error, MGR_ERROR, MGR_ERROR_PERMISSION,
                        "%s has no range of %d %s in %s, and an ordinary user's container needs its own block; "
                        "ask root for one: usermod --add-subuids 100000-165535 --add-subgids 100000-165535 %s "
                        "(mgr-checkconfig --user checks the rest)",
                        user, MGR_ID_BLOCK, !block_count (ur) ? "uids" : "gids",
                        !block_count (ur) ? o->paths->subuid : o->paths->subgid, user), FALSE;
  if (o->shared_ids)
    {
      *uid = g_array_index (ur, struct mgr_idmap_range, 0).outside;
      *gid = g_array_index (gr, struct mgr_idmap_range, 0).outside;
      return TRUE;
    }
  g_autoptr (GArray) tu = g_array_new (FALSE, FALSE, sizeof (struct mgr_idmap_range));
  g_autoptr (GArray) tg = g_array_new (FALSE, FALSE, sizeof (struct mgr_idmap_range));
  mgr_id_registry_taken (reg, NULL, tu, tg);
  if (mgr_id_block_find (ur, tu, uid) && mgr_id_block_find (gr, tg, gid))
    return TRUE;
  g_autofree char *who = holders (reg, containers, ur);
  guint64 end = 0;
  for (guint i = 0; i < ur->len; i++)
    {
      const struct mgr_idmap_range *r = &g_array_index (ur, struct mgr_idmap_range, i);
      end = MAX (end, (guint64) r->outside + r->count);
    }
  end = MAX (end, 100000);
  g_set_error (error, MGR_ERROR, MGR_ERROR_FAILED,
               "no free block of %d ids left for %s: %" G_GUINT64_FORMAT " block%s in %s and %s, all in use (by %s); "
               "ask root for more: usermod --add-subuids %" G_GUINT64_FORMAT "-%" G_GUINT64_FORMAT
               " --add-subgids %" G_GUINT64_FORMAT "-%" G_GUINT64_FORMAT " %s; or share a block knowingly with "
               "--shared-ids (mgr-checkconfig --user shows your ranges)",
               MGR_ID_BLOCK, user, block_count (ur), block_count (ur) == 1 ? "" : "s", o->paths->subuid,
               o->paths->subgid, *who ? who : "containers being created", end, end + MGR_ID_BLOCK - 1, end,
               end + MGR_ID_BLOCK - 1, user);
  return FALSE;
}

/* Chooses the container's id block: root's ranges in /etc/subuid and
 * /etc/subgid, else the pool of mgr.conf; minus every block a container of
 * any recorded folder (or one being created there) already has. */
static gboolean
choose_ids (const MgrCreateOptions *o, const MgrIdRegistry *reg, const char *containers, guint32 *uid, guint32 *gid,
            GError **error)
{
  if (o->paths->user)
    return choose_user_ids (o, reg, containers, uid, gid, error);
  g_autoptr (GArray) ur = mgr_subid_ranges (o->paths->subuid, "root", 0);
  g_autoptr (GArray) gr = mgr_subid_ranges (o->paths->subgid, "root", 0);
  struct mgr_idmap_range pool = { 0, o->settings->idmap_pool_start, o->settings->idmap_pool_size };
  const char *from_u = o->paths->subuid, *from_g = o->paths->subgid;
  if (!ur->len)
    g_array_append_val (ur, pool), from_u = "the pool of mgr.conf (idmap_pool_start, idmap_pool_size)";
  if (!gr->len)
    g_array_append_val (gr, pool), from_g = "the pool of mgr.conf (idmap_pool_start, idmap_pool_size)";
  if (o->shared_ids)
    {
      *uid = g_array_index (ur, struct mgr_idmap_range, 0).outside;
      *gid = g_array_index (gr, struct mgr_idmap_range, 0).outside;
      return TRUE;
    }
  g_autoptr (GArray) tu = g_array_new (FALSE, FALSE, sizeof (struct mgr_idmap_range));
  g_autoptr (GArray) tg = g_array_new (FALSE, FALSE, sizeof (struct mgr_idmap_range));
  mgr_id_registry_taken (reg, NULL, tu, tg);
  if (!mgr_id_block_find (ur, tu, uid))
    return g_set_error (error, MGR_ERROR, MGR_ERROR_FAILED, "no free block of %d uids left in %s; add a range "
                        "(usermod --add-subuids START-END root) or create with --privileged", MGR_ID_BLOCK, from_u), FALSE;
  if (!mgr_id_block_find (gr, tg, gid))
    return g_set_error (error, MGR_ERROR, MGR_ERROR_FAILED, "no free block of %d gids left in %s; add a range "
                        "(usermod --add-subgids START-END root) or create with --privileged", MGR_ID_BLOCK, from_g), FALSE;
  return TRUE;
}

/* Adds every key of an INI file to text, later layers winning. */
static gboolean
merge_layer (char **text, const char *path, GError **error)
{
  g_autoptr (GKeyFile) kf = g_key_file_new ();
  g_autoptr (GError) e = NULL;
  if (!g_file_test (path, G_FILE_TEST_EXISTS))
    return TRUE;
  if (!g_key_file_load_from_file (kf, path, G_KEY_FILE_NONE, &e))
    return g_set_error (error, MGR_ERROR, MGR_ERROR_SYNTAX, "%s: %s", path, e->message), FALSE;
  return mgr_config_text_merge (text, kf, path, NULL, NULL, error);
}

char **
mgr_template_env (const MgrPaths *paths, const MgrSettings *settings)
{
  char **env = g_get_environ ();
  g_autofree char *self = g_file_read_link ("/proc/self/exe", NULL);
  env = g_environ_setenv (env, "MGR", self ? self : "mgr", TRUE);
  env = g_environ_setenv (env, "MGR_CACHE_DIR", paths->cache, TRUE);
  env = g_environ_setenv (env, "MGR_IMAGE_SERVER", settings->image_server, TRUE);
  return env;
}

/* Runs the template with SIGINT/SIGTERM/SIGHUP blocked here and unblocked
 * in it; on one of those, the template is stopped and the create fails. */
static gboolean
run_template (const char *exe, char *const *argv, char *const *envp, GError **error)
{
  sigset_t set;
  sigemptyset (&set);
  sigaddset (&set, SIGINT), sigaddset (&set, SIGTERM), sigaddset (&set, SIGHUP);
  pid_t parent = getpid ();
  pid_t pid = fork ();
  if (pid == 0)
    {
      sigset_t none;
      sigemptyset (&none);
      sigprocmask (SIG_SETMASK, &none, NULL);
      /* A create that is SIGKILLed takes its template along, so that the
       * next create can remove the folder it leaves. */
      prctl (PR_SET_PDEATHSIG, SIGKILL);
      if (getppid () != parent)
        _exit (1);
      /* A process group of its own, so that a stop reaches what the
       * template runs (curl, tar) and not only the shell, which would wait
       * for its foreground child before running its cleanup trap. */
      setpgid (0, 0);
      execve (exe, argv, envp);
      fprintf (stderr, "mgr-create: executing %s: %s\n", exe, g_strerror (errno));
      _exit (127);
    }
  if (pid < 0)
    return g_set_error (error, MGR_ERROR, MGR_ERROR_FAILED, "fork: %s", g_strerror (errno)), FALSE;
  _cleanup_close_ int sfd = signalfd (-1, &set, SFD_CLOEXEC);
  _cleanup_close_ int pfd = syscall (SYS_pidfd_open, pid, 0);
  struct pollfd p[2] = { { pfd, POLLIN }, { sfd, POLLIN } };
  int status = 0;
  bool stopped_by_signal = false;
  while (poll (p, 2, -1) < 0 && errno == EINTR)
    ;
  if (p[1].revents)
    {
      /* Leave the signal pending: the caller removes the folder and says so. */
      stopped_by_signal = true;
      kill (-pid, SIGTERM);
      struct pollfd w = { pfd, POLLIN };
      if (poll (&w, 1, 5000) == 0)
        kill (-pid, SIGKILL);
    }
  waitpid (pid, &status, 0);
  if (stopped_by_signal)
    return g_set_error (error, MGR_ERROR, MGR_ERROR_FAILED, "interrupted"), FALSE;
  if (!g_spawn_check_wait_status (status, NULL))
    return g_set_error (error, MGR_ERROR, MGR_ERROR_FAILED, "the template %s failed (%s %d)", exe,
                        WIFEXITED (status) ? "exit status" : "signal",
                        WIFEXITED (status) ? WEXITSTATUS (status) : WTERMSIG (status)), FALSE;
  return TRUE;
}

/* --rootfs-in-place for a container with a user namespace: the folder's
 * files, owned by ids below 65536 as a rootfs made on the host is, move into
 * the container's block (id + start), links themselves and not what they
 * point to. A file already in the block is left: a second run, or a
 * hard link met twice, shifts nothing twice. Anything else refuses. Device
 * nodes are not shifted. */
static gboolean
shift_tree (int dirfd, const char *where, guint32 uid, guint32 gid, int depth, GError **error)
{
  if (depth > 256)
    return g_set_error (error, MGR_ERROR, MGR_ERROR_FAILED, "%s: folders nested too deep", where), FALSE;
  _cleanup_close_ int dup_fd = dup (dirfd);
  DIR *d = dup_fd < 0 ? NULL : fdopendir (dup_fd);
  if (!d)
    return g_set_error (error, MGR_ERROR, MGR_ERROR_IO, "reading %s: %s", where, g_strerror (errno)), FALSE;
  dup_fd = -1;
  gboolean ok = TRUE;
  for (struct dirent *e; ok && (e = readdir (d));)
    {
      if (strcmp (e->d_name, ".") == 0 || strcmp (e->d_name, "..") == 0)
        continue;
      struct stat st;
      g_autofree char *p = g_build_filename (where, e->d_name, NULL);
      if (fstatat (dirfd, e->d_name, &st, AT_SYMLINK_NOFOLLOW) < 0)
        {
          g_set_error (error, MGR_ERROR, MGR_ERROR_IO, "%s: %s", p, g_strerror (errno));
          ok = FALSE;
          break;
        }
      /* A device node stays the host's: given to the container's root it
       * would be a way to the host's device. */
      if (S_ISCHR (st.st_mode) || S_ISBLK (st.st_mode))
        continue;
      bool in_u = st.st_uid >= uid && st.st_uid - uid < MGR_ID_BLOCK, in_g = st.st_gid >= gid && st.st_gid - gid < MGR_ID_BLOCK;
      if ((!in_u && st.st_uid >= MGR_ID_BLOCK) || (!in_g && st.st_gid >= MGR_ID_BLOCK))
        {
          g_set_error (error, MGR_ERROR, MGR_ERROR_FAILED,
                       "%s is owned by %u:%u, which is neither below %d nor in the container's block (%u, %u): "
                       "it cannot be shifted; fix its owner, or create with --privileged",
                       p, st.st_uid, st.st_gid, MGR_ID_BLOCK, uid, gid);
          ok = FALSE;
          break;
        }
      if ((!in_u || !in_g)
          && fchownat (dirfd, e->d_name, in_u ? st.st_uid : st.st_uid + uid, in_g ? st.st_gid : st.st_gid + gid,
                       AT_SYMLINK_NOFOLLOW) < 0)
        {
          g_set_error (error, MGR_ERROR, MGR_ERROR_IO, "shifting the owner of %s: %s", p, g_strerror (errno));
          ok = FALSE;
          break;
        }
      /* chown clears set-id bits: they come back, now for the block's ids. */
      if ((!in_u || !in_g) && S_ISREG (st.st_mode) && (st.st_mode & (S_ISUID | S_ISGID)))
        fchmodat (dirfd, e->d_name, st.st_mode & 07777, 0);
      if (S_ISDIR (st.st_mode))
        {
          _cleanup_close_ int sub = openat (dirfd, e->d_name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
          if (sub < 0)
            {
              g_set_error (error, MGR_ERROR, MGR_ERROR_IO, "opening %s: %s", p, g_strerror (errno));
              ok = FALSE;
              break;
            }
          ok = shift_tree (sub, p, uid, gid, depth + 1, error);
        }
    }
  closedir (d);
  return ok;
}

static gboolean
shift_rootfs (const char *dir, guint32 uid, guint32 gid, GError **error)
{
  _cleanup_close_ int fd = open (dir, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
  struct stat st;
  if (fd < 0 || fstat (fd, &st) < 0)
    return g_set_error (error, MGR_ERROR, MGR_ERROR_IO, "--rootfs %s: %s", dir, g_strerror (errno)), FALSE;
  if (st.st_uid < MGR_ID_BLOCK && fchown (fd, st.st_uid + uid, st.st_gid < MGR_ID_BLOCK ? st.st_gid + gid : st.st_gid) < 0)
    return g_set_error (error, MGR_ERROR, MGR_ERROR_IO, "shifting the owner of %s: %s", dir, g_strerror (errno)), FALSE;
  return shift_tree (fd, dir, uid, gid, 0, error);
}

gboolean
mgr_create (const MgrCreateOptions *o, GError **error)
{
  const char *containers = o->paths->containers;
  g_autofree char *exe = o->rootfs_dir ? g_strdup ("--rootfs-in-place") : mgr_template_path (o->template, error);
  if (!exe || !mgr_name_check (o->name, error))
    return FALSE;
  if (o->rootfs_dir && !g_path_is_absolute (o->rootfs_dir))
    return g_set_error (error, MGR_ERROR, MGR_ERROR_USAGE, "--rootfs %s: give an absolute path", o->rootfs_dir), FALSE;
  if (o->rootfs_dir && !g_file_test (o->rootfs_dir, G_FILE_TEST_IS_DIR))
    return g_set_error (error, MGR_ERROR, MGR_ERROR_NOT_FOUND, "--rootfs %s: no such folder", o->rootfs_dir), FALSE;
  if (o->paths->user && o->privileged)
    return g_set_error (error, MGR_ERROR, MGR_ERROR_PERMISSION,
                        "--privileged: an ordinary user's container always has a user namespace (root inside "
                        "is one of your subordinate ids); leave the option out"), FALSE;
  g_autofree char *target = g_build_filename (containers, o->name, NULL);
  /* A user's folders say nothing to other users. */
  if (o->paths->user && g_mkdir_with_parents (o->paths->cache, 0700) < 0)
    return g_set_error (error, MGR_ERROR, MGR_ERROR_IO, "creating %s: %s", o->paths->cache, g_strerror (errno)), FALSE;
  if (g_mkdir_with_parents (containers, o->paths->user ? 0700 : 0755) < 0)
    return g_set_error (error, MGR_ERROR, MGR_ERROR_IO, "creating %s: %s", containers, g_strerror (errno)), FALSE;
  if (g_file_test (target, G_FILE_TEST_EXISTS) || g_file_test (target, G_FILE_TEST_IS_SYMLINK))
    return g_set_error (error, MGR_ERROR, MGR_ERROR_FAILED, "%s exists already (mgr-destroy -n %s removes a container)",
                        target, o->name), FALSE;

  /* Ctrl-C, kill and hang-up wait until a step is over; then everything made
   * so far goes. No step waits with them blocked: the registry's lock is
   * waited for in slices that look at them, its scan never blocks (FIFOs are
   * skipped), and the template is watched with a signalfd. The caller's
   * mask comes back at the end. */
  sigset_t set, saved;
  sigemptyset (&set);
  sigaddset (&set, SIGINT), sigaddset (&set, SIGTERM), sigaddset (&set, SIGHUP);
  pthread_sigmask (SIG_BLOCK, &set, &saved);

  /* The registry's lock covers choosing ids and writing them where the next
   * create will see them: the new folder's config, with this process
   * recorded as its creator so that a later create can tell a folder left by
   * a killed create from one still being made. */
  g_autoptr (MgrIdRegistry) reg = mgr_id_registry_open (containers, interrupted, error);
  if (!reg)
    return restore_signals (&set, &saved), FALSE;
  g_autofree char *tmpl = g_strdup_printf ("%s/.%s.creating-XXXXXX", containers, o->name);
  /* 0700: a rootfs holds setuid binaries and device nodes that must not
   * be reachable by other users (for a user namespace, the mapped root gets
   * in through the group below). */
  g_autofree char *tmp = g_mkdtemp_full (tmpl, 0700) ? g_strdup (tmpl) : NULL;
  if (!tmp)
    return g_set_error (error, MGR_ERROR, MGR_ERROR_IO, "creating %s: %s", tmpl, g_strerror (errno)),
           restore_signals (&set, &saved), FALSE;
  g_autofree char *cfg = g_build_filename (tmp, "config", NULL);
  g_autofree char *rootfs = g_build_filename (tmp, "rootfs", NULL);
  g_autofree char *text = NULL, *tconf = NULL;
  guint32 uid = 0, gid = 0;
  bool mapped = !o->privileged;
  /* -f with its own [id_map] chooses the ids itself. */
  g_autofree char *own_map = NULL;
  if (o->config_file)
    {
      g_autoptr (GKeyFile) kf = g_key_file_new ();
      if (g_key_file_load_from_file (kf, o->config_file, G_KEY_FILE_NONE, NULL))
        own_map = g_key_file_get_value (kf, "id_map", "uid", NULL);
    }
  gboolean ok = FALSE;
  {
    char *now;
    time_t t = time (NULL);
    char when[64];
    strftime (when, sizeof when, "%Y-%m-%d %H:%M", localtime (&t));
    g_autofree char *how = o->rootfs_dir ? g_strdup_printf ("--rootfs-in-place from %s", o->rootfs_dir)
                                         : g_strdup_printf ("-t %s", o->template);
    now = g_strdup_printf ("# Container %s, made by mgr-create %s on %s.\n"
                           "# Every key: man mgr.container.conf, or mgr-config list.\n", o->name, how, when);
    text = now;
  }
  if (!mgr_id_creating_mark (tmp, error))
    goto fail;
  if (mapped && own_map)
    {
      /* The template unpacks as the block the file maps container root to. */
      g_autoptr (GKeyFile) kf = g_key_file_new ();
      g_key_file_load_from_file (kf, o->config_file, G_KEY_FILE_NONE, NULL);
      g_autofree char *gm = g_key_file_get_value (kf, "id_map", "gid", NULL);
      guint64 in, out, in2, out2;
      if (!gm || sscanf (own_map, "%" G_GUINT64_FORMAT " %" G_GUINT64_FORMAT, &in, &out) != 2
          || sscanf (gm, "%" G_GUINT64_FORMAT " %" G_GUINT64_FORMAT, &in2, &out2) != 2 || in || in2)
        {
          g_set_error (error, MGR_ERROR, MGR_ERROR_INVALID,
                       "%s: [id_map] uid and gid must both start by mapping container id 0 (such as uid = 0 100000 65536)",
                       o->config_file);
          goto fail;
        }
      uid = out, gid = out2;
    }
  else if (mapped && !choose_ids (o, reg, containers, &uid, &gid, error))
    goto fail;
  /* Root's template unpacks as the container's root: let it in (0710
   * root:GID, see below). An ordinary user cannot give a folder to a
   * subordinate group: there the container's root passes as "other"
   * (0711), and the user's own 0700 containers folder keeps everyone else
   * out. */
  if (mapped && o->paths->user && chmod (tmp, 0711) < 0)
    {
      g_set_error (error, MGR_ERROR, MGR_ERROR_IO, "chmod %s: %s", tmp, g_strerror (errno));
      goto fail;
    }
  if (mapped && !o->paths->user && (chown (tmp, 0, gid) < 0 || chmod (tmp, 0710) < 0))
    {
      g_set_error (error, MGR_ERROR, MGR_ERROR_IO, "giving %s to the container's group %u: %s", tmp, gid, g_strerror (errno));
      goto fail;
    }
  if (mapped && !own_map)
    {
      g_autofree char *u = g_strdup_printf ("0 %u %d", uid, MGR_ID_BLOCK), *g = g_strdup_printf ("0 %u %d", gid, MGR_ID_BLOCK);
      g_autofree char *t1 = mgr_config_text_set (text, "id_map", "uid", u, error);
      g_autofree char *t2 = t1 ? mgr_config_text_set (t1, "id_map", "gid", g, error) : NULL;
      /* Shared knowingly: mgr-start then lets it share (and others share with it). */
      g_autofree char *t3 = t2 && o->shared_ids ? mgr_config_text_set (t2, "id_map", "shared", "true", error) : NULL;
      if (!t2 || (o->shared_ids && !t3) || !mgr_write_file_atomic (cfg, t3 ? t3 : t2, -1, 0644, error))
        goto fail;
    }
  g_clear_pointer (&reg, mgr_id_registry_close);

  if (o->rootfs_dir)
    {
      char *t = mgr_config_text_set (text, "container", "rootfs", o->rootfs_dir, error);
      if (!t || (mapped && !shift_rootfs (o->rootfs_dir, uid, gid, error)))
        {
          g_free (t);
          goto fail;
        }
      g_free (text);
      text = t;
    }
  else
  {
    g_autoptr (GStrvBuilder) b = g_strv_builder_new ();
    g_autofree char *us = g_strdup_printf ("%u", uid), *gs = g_strdup_printf ("%u", gid);
    g_strv_builder_add_many (b, exe, "--name", o->name, "--path", tmp, "--rootfs", rootfs, NULL);
    if (mapped)
      g_strv_builder_add_many (b, "--mapped-uid", us, "--mapped-gid", gs, NULL);
    if (o->template_args && o->template_args[0])
      {
        g_strv_builder_add (b, "--");
        g_strv_builder_addv (b, (const char **) o->template_args);
      }
    g_auto (GStrv) argv = g_strv_builder_end (b);
    g_auto (GStrv) envp = mgr_template_env (o->paths, o->settings);
    /* Where the container will be: what an image's LXC_PATH becomes. */
    envp = g_environ_setenv (envp, "MGR_CONTAINER_PATH", target, TRUE);
    if (interrupted () || !run_template (exe, argv, envp, error))
      goto fail;
  }

  /* The config: default.conf, the template's, -f, then the id map. The
   * template's layer speaks for the image: untrusted, it may set only what
   * stays inside the container. */
  tconf = g_build_filename (tmp, "template.conf", NULL);
  if (!merge_layer (&text, o->paths->default_conf, error) || !mgr_image_merge_layer (&text, tconf, o->notes, error)
      || (o->config_file && !merge_layer (&text, o->config_file, error)))
    goto fail;
  unlink (tconf);
  /* The managed bridge, for root's new containers, only while mgr-net is
   * up: a container made on a host without it must still start there (its
   * tests, CI, a machine whose admin never ran mgr-net). */
  if (!o->paths->user && o->settings && !g_str_has_prefix (text, "[network ") && !strstr (text, "\n[network "))
    {
      g_autofree char *net = mgr_net_default_section (o->settings);
      if (net)
        {
          char *t = g_strconcat (text, net, NULL);
          g_free (text);
          text = t;
        }
    }
  if (mapped)
    {
      g_autofree char *u = g_strdup_printf ("0 %u %d", uid, MGR_ID_BLOCK), *g = g_strdup_printf ("0 %u %d", gid, MGR_ID_BLOCK);
      g_autofree char *existing = mgr_config_text_get (text, "id_map", "uid");
      if (!existing)
        {
          char *t1 = mgr_config_text_set (text, "id_map", "uid", u, error);
          g_free (text);
          text = t1 ? mgr_config_text_set (t1, "id_map", "gid", g, error) : NULL;
          g_free (t1);
          if (text && o->shared_ids)
            {
              char *t2 = mgr_config_text_set (text, "id_map", "shared", "true", error);
              g_free (text);
              text = t2;
            }
          if (!text)
            goto fail;
        }
    }
  {
    g_autofree char *final_cfg = g_build_filename (target, "config", NULL);
    MgrLoadOptions lo = { .name = o->name };
    g_autoptr (MgrPlan) plan = mgr_plan_load_data (text, -1, final_cfg, &lo, error);
    if (!plan)
      {
        g_prefix_error (error, "the new container's config would be invalid:\n");
        goto fail;
      }
    /* The container's root (its host gid once it is root inside) looks up
     * its rootfs through this folder at start: it may pass through it
     * (0710 root:GID), and nobody else may. */
    for (guint i = 0; plan->user_namespace && !o->paths->user && i < plan->id_map.gid.n; i++)
      if (plan->id_map.gid.r[i].inside == 0
          && (chown (tmp, 0, plan->id_map.gid.r[i].outside) < 0 || chmod (tmp, 0710) < 0))
        {
          g_set_error (error, MGR_ERROR, MGR_ERROR_IO, "giving %s to the container's root group %u: %s", tmp,
                       plan->id_map.gid.r[i].outside, g_strerror (errno));
          goto fail;
        }
  }
  if (interrupted () || !mgr_write_file_atomic (cfg, text, -1, 0644, error))
    goto fail;
  {
    g_autofree char *creator = g_build_filename (tmp, "creator", NULL);
    unlink (creator);
  }
  if (renameat2 (AT_FDCWD, tmp, AT_FDCWD, target, RENAME_NOREPLACE) < 0)
    {
      g_set_error (error, MGR_ERROR, MGR_ERROR_IO, "moving %s to %s: %s", tmp, target, g_strerror (errno));
      goto fail;
    }
  ok = TRUE;
fail:
  if (!ok)
    {
      g_autoptr (GError) rm = NULL;
      if (interrupted () && error)
        {
          g_clear_error (error);
          g_set_error (error, MGR_ERROR, MGR_ERROR_FAILED, "interrupted by a signal; %s is not created", o->name);
        }
      if (!(o->paths->user ? mgr_rm_tree_mapped (tmp, &rm) : mgr_rm_tree (tmp, &rm)))
        g_prefix_error (error, "(and %s could not be removed: %s) ", tmp, rm->message);
    }
  restore_signals (&set, &saved);
  return ok;
}
