#include "config.h"

#include <endian.h>
#include <errno.h>
#include <linux/audit.h>
#include <stddef.h>
#include <libconfig.h>
#include <linux/seccomp.h>
#include <seccomp.h>
#include <string.h>
#include <fcntl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "mgr-error.h"
#include "seccomp.h"
#include "trace.h"
#include "util.h"

char *
mgr_seccomp_profile_path (const struct mgr_seccomp *s)
{
  if (s->kind == MGR_SECCOMP_FILE)
    return g_strdup (s->path);
  const char *dir = g_getenv ("MGR_SECCOMP_DIR");
  return g_build_filename (dir && *dir ? dir : MGR_DATADIR "/seccomp", "default.profile", NULL);
}

static gboolean G_GNUC_PRINTF (4, 5)
fail_at (GError **error, const char *path, const config_setting_t *s, const char *fmt, ...)
{
  va_list ap;
  va_start (ap, fmt);
  g_autofree char *msg = g_strdup_vprintf (fmt, ap);
  va_end (ap);
  g_set_error (error, MGR_ERROR, MGR_ERROR_INVALID, "%s:%d: %s", path, s ? config_setting_source_line (s) : 0, msg);
  return FALSE;
}

static gboolean
parse_errno (const config_setting_t *s, const char *path, int *out, GError **error)
{
  if (config_setting_type (s) == CONFIG_TYPE_INT)
    {
      *out = config_setting_get_int (s);
      if (*out > 0 && *out < 4096)
        return TRUE;
    }
  else if (config_setting_type (s) == CONFIG_TYPE_STRING)
    {
      const char *name = config_setting_get_string (s);
      for (int e = 1; e < 4096; e++)
        {
          const char *n = strerrorname_np (e);
          if (n && strcmp (n, name) == 0)
            return *out = e, TRUE;
        }
    }
  return fail_at (error, path, s, "errno: expected an errno name such as EPERM, or a number 1..4095");
}

/* The calls the monitor knows how to mediate (notify.c). */
static const char *const notifiable[] = { "mount", "umount", "umount2", NULL };

static gboolean
parse_action (const config_setting_t *group, const char *key, const char *path, guint32 *action, GError **error)
{
  const char *a = NULL;
  config_setting_t *s = config_setting_get_member (group, key);
  if (!s || !(a = config_setting_get_string (s)))
    return fail_at (error, path, s ? s : group, "%s: expected \"allow\", \"errno\", \"kill\", \"log\" or \"notify\"", key);
  if (strcmp (a, "allow") == 0)
    *action = SCMP_ACT_ALLOW;
  else if (strcmp (a, "kill") == 0)
    *action = SCMP_ACT_KILL_PROCESS;
  else if (strcmp (a, "log") == 0)
    *action = SCMP_ACT_LOG;
  else if (strcmp (a, "notify") == 0 && strcmp (key, "action") == 0)
    *action = SCMP_ACT_NOTIFY;
  else if (strcmp (a, "errno") == 0)
    {
      int e = EPERM;
      const char *ekey = strcmp (key, "action") == 0 ? "errno" : "default_errno";
      config_setting_t *es = config_setting_get_member (group, ekey);
      if (es && !parse_errno (es, path, &e, error))
        return FALSE;
      *action = SCMP_ACT_ERRNO (e);
    }
  else
    return fail_at (error, path, s, "%s \"%s\": expected allow, errno, kill, log or notify (a rule's action only)", key, a);
  return TRUE;
}

static const struct { const char *name; enum scmp_compare op; } ops[] = {
  { "eq", SCMP_CMP_EQ }, { "ne", SCMP_CMP_NE }, { "lt", SCMP_CMP_LT }, { "le", SCMP_CMP_LE },
  { "gt", SCMP_CMP_GT }, { "ge", SCMP_CMP_GE }, { "masked_eq", SCMP_CMP_MASKED_EQ },
};

static gboolean
get_u64 (const config_setting_t *g, const char *key, guint64 *v)
{
  config_setting_t *s = config_setting_get_member (g, key);
  if (!s || (config_setting_type (s) != CONFIG_TYPE_INT && config_setting_type (s) != CONFIG_TYPE_INT64))
    return FALSE;
  *v = (guint64) config_setting_get_int64 (s);
  return TRUE;
}

static gboolean
add_rules (scmp_filter_ctx ctx, const config_setting_t *list, const char *path, bool privileged, bool *notify,
           GError **error)
{
  if (!list)
    return TRUE;
  if (!config_setting_is_list (list))
    return fail_at (error, path, list, "%s: expected a list ( {...}, {...} )", config_setting_name (list));
  for (int i = 0; i < config_setting_length (list); i++)
    {
      config_setting_t *rule = config_setting_get_elem (list, i);
      guint32 action;
      struct scmp_arg_cmp cmps[6];
      guint ncmp = 0;
      if (!config_setting_is_group (rule))
        return fail_at (error, path, rule, "a rule is a group { syscalls = [...]; action = ...; }");
      if (!parse_action (rule, "action", path, &action, error))
        return FALSE;
      /* Only the monitor of a privileged container listens, and it only
       * knows the mount calls: anything else would just fail with ENOSYS. */
      if (action == SCMP_ACT_NOTIFY && !privileged)
        return fail_at (error, path, rule, "action \"notify\" belongs in privileged_rules: only a privileged container's "
                        "mount calls are mediated by the monitor");
      config_setting_t *args = config_setting_get_member (rule, "args");
      for (int j = 0; args && j < config_setting_length (args); j++)
        {
          config_setting_t *a = config_setting_get_elem (args, j);
          guint64 index, value, mask = 0;
          const char *op = NULL;
          size_t k;
          if (ncmp == G_N_ELEMENTS (cmps) || !get_u64 (a, "index", &index) || index > 5 || !get_u64 (a, "value", &value)
              || !config_setting_lookup_string (a, "op", &op))
            return fail_at (error, path, a, "an argument condition is { index = 0..5; op = \"eq\"; value = N; } (at most 6)");
          for (k = 0; k < G_N_ELEMENTS (ops) && strcmp (ops[k].name, op) != 0; k++)
            ;
          if (k == G_N_ELEMENTS (ops))
            return fail_at (error, path, a, "op \"%s\": expected eq, ne, lt, le, gt, ge or masked_eq", op);
          if (ops[k].op == SCMP_CMP_MASKED_EQ && !get_u64 (a, "mask", &mask))
            return fail_at (error, path, a, "masked_eq needs mask = N");
          cmps[ncmp++] = ops[k].op == SCMP_CMP_MASKED_EQ ? (struct scmp_arg_cmp){ index, ops[k].op, mask, value }
                                                          : (struct scmp_arg_cmp){ index, ops[k].op, value, 0 };
        }
      config_setting_t *names = config_setting_get_member (rule, "syscalls");
      if (!names || !config_setting_is_array (names) || config_setting_length (names) == 0)
        return fail_at (error, path, rule, "syscalls: expected a list of names such as [ \"bpf\", \"keyctl\" ]");
      for (int j = 0; j < config_setting_length (names); j++)
        {
          const char *name = config_setting_get_string_elem (names, j);
          int nr = name ? seccomp_syscall_resolve_name (name) : __NR_SCMP_ERROR;
          if (nr == __NR_SCMP_ERROR)
            return fail_at (error, path, names, "\"%s\" is not a system call libseccomp knows", name ? name : "?");
          if (action == SCMP_ACT_NOTIFY && !g_strv_contains (notifiable, name))
            return fail_at (error, path, names, "\"%s\": the monitor mediates only mount, umount and umount2; "
                            "give it another action", name);
          if (action == SCMP_ACT_NOTIFY && ncmp)
            return fail_at (error, path, rule, "action \"notify\" takes no args: the monitor sees every call");
          *notify |= action == SCMP_ACT_NOTIFY;
          int r = seccomp_rule_add_array (ctx, action, nr, ncmp, cmps);
          if (r < 0)
            return fail_at (error, path, rule, "adding the rule for %s: %s", name, g_strerror (-r));
        }
    }
  return TRUE;
}

/* At most this many values in personality_allow: the program's jumps are
 * 8-bit offsets. */
#define PERSONALITY_MAX 32

/* The second program: for each ABI of the filter, personality(2) whose
 * argument (the low 32 bits, as the kernel takes an unsigned int) is not in
 * the list fails with EPERM; every other call is allowed (the first program
 * decides those, and kills unknown ABIs). */
static gboolean
personality_program (const uint32_t *arches, guint narch, const guint32 *values, guint nvalues, struct sock_fprog *out,
                     const char *path, GError **error)
{
  struct { uint32_t arch; uint32_t nr; } pairs[6];
  guint npair = 0;
  for (guint i = 0; i < narch; i++)
    {
      int nr = seccomp_syscall_resolve_name_arch (arches[i], "personality");
      if (nr >= 0 && npair < G_N_ELEMENTS (pairs))
        pairs[npair++] = (typeof (pairs[0])){ arches[i], nr };
    }
  /* x32 shares AUDIT_ARCH_X86_64 and marks its numbers with bit 30. */
  for (guint i = 0, n = npair; i < n; i++)
    if (pairs[i].arch == SCMP_ARCH_X32)
      pairs[i].arch = AUDIT_ARCH_X86_64;
  guint len = npair * 5 + 1 + 1 + nvalues + 2, pc = 0;
  struct sock_filter *f = g_new0 (struct sock_filter, len);
  guint check = npair * 5 + 1;
  for (guint i = 0; i < npair; i++)
    {
      f[pc++] = (struct sock_filter) BPF_STMT (BPF_LD | BPF_W | BPF_ABS, offsetof (struct seccomp_data, arch));
      f[pc++] = (struct sock_filter) BPF_JUMP (BPF_JMP | BPF_JEQ | BPF_K, pairs[i].arch, 0, 3);
      f[pc++] = (struct sock_filter) BPF_STMT (BPF_LD | BPF_W | BPF_ABS, offsetof (struct seccomp_data, nr));
      f[pc++] = (struct sock_filter) BPF_JUMP (BPF_JMP | BPF_JEQ | BPF_K, pairs[i].nr, 0, 1);
      f[pc] = (struct sock_filter) BPF_STMT (BPF_JMP | BPF_JA | BPF_K, check - pc - 1);
      pc++;
    }
  f[pc++] = (struct sock_filter) BPF_STMT (BPF_RET | BPF_K, SECCOMP_RET_ALLOW);
  g_assert (pc == check);
#if __BYTE_ORDER == __LITTLE_ENDIAN
  const guint lo = offsetof (struct seccomp_data, args[0]);
#else
  const guint lo = offsetof (struct seccomp_data, args[0]) + 4;
#endif
  f[pc++] = (struct sock_filter) BPF_STMT (BPF_LD | BPF_W | BPF_ABS, lo);
  for (guint i = 0; i < nvalues; i++, pc++)
    f[pc] = (struct sock_filter) BPF_JUMP (BPF_JMP | BPF_JEQ | BPF_K, values[i], len - 1 - pc - 1, 0);
  f[pc++] = (struct sock_filter) BPF_STMT (BPF_RET | BPF_K, SECCOMP_RET_ERRNO | EPERM);
  f[pc++] = (struct sock_filter) BPF_STMT (BPF_RET | BPF_K, SECCOMP_RET_ALLOW);
  g_assert (pc == len);
  if (npair == 0)
    {
      g_free (f);
      return fail_at (error, path, NULL, "personality_allow: personality(2) is unknown on this architecture");
    }
  *out = (struct sock_fprog){ len, f };
  return TRUE;
}

static gboolean
parse_personality (const config_setting_t *s, scmp_filter_ctx ctx, const char *path, struct sock_fprog *out,
                   GError **error)
{
  guint32 values[PERSONALITY_MAX];
  int n = config_setting_length (s);
  if (!config_setting_is_array (s) || n == 0 || n > PERSONALITY_MAX)
    return fail_at (error, path, s, "personality_allow: expected a list of 1..%d values such as [ 0x0, 0xffffffff ]",
                    PERSONALITY_MAX);
  for (int i = 0; i < n; i++)
    {
      config_setting_t *e = config_setting_get_elem (s, i);
      /* libconfig reads 0xffffffff as the 32-bit int -1: hex spells bits. */
      long long v = config_setting_type (e) == CONFIG_TYPE_INT ? (guint32) config_setting_get_int (e)
                                                               : config_setting_get_int64 (e);
      if ((config_setting_type (e) != CONFIG_TYPE_INT && config_setting_type (e) != CONFIG_TYPE_INT64) || v < 0
          || v > 0xffffffffLL)
        return fail_at (error, path, s, "personality_allow: element %d is not a number 0..0xffffffff", i + 1);
      values[i] = v;
    }
  uint32_t arches[4];
  guint narch = 0;
  arches[narch++] = seccomp_arch_native ();
  static const uint32_t extra[] = { SCMP_ARCH_X86, SCMP_ARCH_X32, SCMP_ARCH_ARM };
  for (guint i = 0; i < G_N_ELEMENTS (extra); i++)
    if (extra[i] != arches[0] && seccomp_arch_exist (ctx, extra[i]) == 0)
      arches[narch++] = extra[i];
  return personality_program (arches, narch, values, n, out, path, error);
}

static void
config_destroyp (config_t *c)
{
  config_destroy (c);
}

gboolean
mgr_seccomp_export (void *ctx, const char *what, MgrSeccomp *out, GError **error)
{
  _cleanup_close_ int fd = memfd_create ("mgr-seccomp", MFD_CLOEXEC);
  off_t size;
  int r = fd < 0 ? -errno : seccomp_export_bpf (ctx, fd);
  if (r < 0 || (size = lseek (fd, 0, SEEK_END)) <= 0 || lseek (fd, 0, SEEK_SET) < 0)
    {
      g_set_error (error, MGR_ERROR, MGR_ERROR_FAILED, "seccomp profile %s: exporting the filter: %s", what,
                   g_strerror (r < 0 ? -r : errno));
      return FALSE;
    }
  struct sock_filter *f = g_malloc (size);
  if (read (fd, f, size) != size)
    {
      g_free (f);
      g_set_error (error, MGR_ERROR, MGR_ERROR_FAILED, "seccomp profile %s: reading the filter back", what);
      return FALSE;
    }
  g_free (out->prog.filter);
  out->prog = (struct sock_fprog){ size / sizeof (struct sock_filter), f };
  return TRUE;
}

/* Compiles the profile's text (read from path once, so that what is hashed
 * for the cache is what is compiled). */
static gboolean
compile_text (const char *path, const char *text, bool privileged, MgrSeccomp *out, GError **error)
{
  __attribute__ ((cleanup (config_destroyp))) config_t cfg;
  config_init (&cfg);
  *out = (MgrSeccomp){ 0 };
  g_autofree char *dir = g_path_get_dirname (path);
  config_set_include_dir (&cfg, dir);
  if (!config_read_string (&cfg, text))
    {
      if (config_error_type (&cfg) == CONFIG_ERR_FILE_IO)
        g_set_error (error, MGR_ERROR, MGR_ERROR_IO, "seccomp profile %s: cannot read it", path);
      else
        g_set_error (error, MGR_ERROR, MGR_ERROR_SYNTAX, "seccomp profile %s:%d: %s", path,
                     config_error_line (&cfg), config_error_text (&cfg));
      return FALSE;
    }
  config_setting_t *root = config_root_setting (&cfg);
  static const char *const known[] = { "default_action", "default_errno", "rules", "privileged_rules",
                                       "personality_allow", NULL };
  for (int i = 0; i < config_setting_length (root); i++)
    {
      config_setting_t *s = config_setting_get_elem (root, i);
      if (!g_strv_contains (known, config_setting_name (s)))
        return fail_at (error, path, s, "%s: unknown setting (known: default_action, default_errno, rules, privileged_rules, personality_allow)",
                        config_setting_name (s));
    }
  guint32 def;
  if (!parse_action (root, "default_action", path, &def, error))
    return FALSE;
  scmp_filter_ctx ctx = seccomp_init (def);
  if (!ctx)
    return g_set_error (error, MGR_ERROR, MGR_ERROR_FAILED, "seccomp_init failed"), FALSE;
  /* The filter must cover every ABI a process can switch to: a 64-bit
   * filter alone is bypassed by int 0x80. */
  if (seccomp_arch_native () == SCMP_ARCH_X86_64)
    {
      seccomp_arch_add (ctx, SCMP_ARCH_X86);
      seccomp_arch_add (ctx, SCMP_ARCH_X32);
    }
  else if (seccomp_arch_native () == SCMP_ARCH_AARCH64)
    seccomp_arch_add (ctx, SCMP_ARCH_ARM);
  bool notify = false;
  gboolean ok = add_rules (ctx, config_setting_get_member (root, "rules"), path, false, &notify, error)
                && (!privileged
                    || add_rules (ctx, config_setting_get_member (root, "privileged_rules"), path, true, &notify, error));
  out->notify = notify;
  config_setting_t *pers = config_setting_get_member (root, "personality_allow");
  if (ok && pers)
    ok = parse_personality (pers, ctx, path, &out->personality, error);
  if (ok)
    ok = mgr_seccomp_export (ctx, path, out, error);
  seccomp_release (ctx);
  if (!ok)
    mgr_seccomp_clear (out);
  return ok;
}

/* ---- The compiled filters' cache ----
 * Compiling a profile for three ABIs costs more than the rest of the
 * monitor's preparation, and gives the same program every time: root's
 * starts and attaches keep it in a root-owned folder, one file per key.
 * The key hashes everything the program depends on: mgr's version,
 * libseccomp's (run-time) version, the native architecture, privileged or
 * not, and the profile's bytes. A file is used only if the folder and the
 * file belong to root, are writable by no one else, the file is regular
 * (never followed as a symlink) and its own key and checksum match; any
 * doubt means compiling, as without a cache. Written to a temporary name
 * and renamed: readers see a whole file or none.
 *
 * An ordinary user's starts and attaches keep theirs in their own cache
 * folder ($XDG_CACHE_HOME/mgr/seccomp, else ~/.cache/mgr/seccomp), on the
 * same terms with the user in root's place: the filter only confines the
 * user's own containers, so what the user could write there gives them
 * nothing their config does not; what their containers' ids (subordinate,
 * not the user's) or other users could write is never used. */
#define CACHE_MAGIC "mgr-seccomp-bpf 1\n"
#define CACHE_MAX (1024 * 1024)

struct cache_head {
  char magic[sizeof CACHE_MAGIC - 1];
  guint8 key[32];
  guint32 notify;
  guint32 prog_len;
  guint32 pers_len;
};

static char *
cache_dir (void)
{
  const char *e = g_getenv ("MGR_SECCOMP_CACHE");
  if (e && *e)
    return g_strdup (e);
  if (geteuid () == 0)
    return g_strdup (MGR_LOCALSTATEDIR "/cache/mgr/seccomp");
  return g_build_filename (g_get_user_cache_dir (), "mgr", "seccomp", NULL);
}

static void
cache_key (const char *text, bool privileged, guint8 key[32])
{
  g_autoptr (GChecksum) ck = g_checksum_new (G_CHECKSUM_SHA256);
  const struct scmp_version *v = seccomp_version ();
  g_autofree char *what = g_strdup_printf ("%s\n%s\nlibseccomp %u.%u.%u\narch %u\nprivileged %d\n", CACHE_MAGIC,
                                           PACKAGE_VERSION, v ? v->major : 0, v ? v->minor : 0, v ? v->micro : 0,
                                           seccomp_arch_native (), privileged);
  g_checksum_update (ck, (const guchar *) what, strlen (what));
  g_checksum_update (ck, (const guchar *) text, strlen (text));
  gsize len = 32;
  g_checksum_get_digest (ck, key, &len);
}

static void
sum_of (const void *data, size_t len, guint8 sum[32])
{
  g_autoptr (GChecksum) ck = g_checksum_new (G_CHECKSUM_SHA256);
  g_checksum_update (ck, data, len);
  gsize n = 32;
  g_checksum_get_digest (ck, sum, &n);
}

/* The cache folder, opened, if it can be trusted (made when absent). */
static int
cache_open_dir (bool create)
{
  g_autofree char *dir = cache_dir ();
  if (create)
    {
      g_autofree char *parent = g_path_get_dirname (dir);
      if (g_mkdir_with_parents (parent, geteuid () == 0 ? 0755 : 0700) < 0 || (mkdir (dir, 0700) < 0 && errno != EEXIST))
        return -1;
    }
  int fd = open (dir, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
  struct stat st;
  if (fd >= 0 && (fstat (fd, &st) < 0 || st.st_uid != geteuid () || (st.st_mode & 022)))
    {
      close (fd);
      return -1;
    }
  return fd;
}

static gboolean
cache_load (const guint8 key[32], MgrSeccomp *out)
{
  _cleanup_close_ int dfd = cache_open_dir (false);
  if (dfd < 0)
    return FALSE;
  g_autofree char *name = g_compute_checksum_for_data (G_CHECKSUM_SHA256, key, 32);
  _cleanup_close_ int fd = openat (dfd, name, O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC);
  struct stat st;
  if (fd < 0 || fstat (fd, &st) < 0 || !S_ISREG (st.st_mode) || st.st_uid != geteuid () || (st.st_mode & 022)
      || st.st_size < (off_t) (sizeof (struct cache_head) + 32) || st.st_size > CACHE_MAX)
    return FALSE;
  g_autofree guint8 *buf = g_malloc (st.st_size);
  if (pread (fd, buf, st.st_size, 0) != st.st_size)
    return FALSE;
  struct cache_head h;
  memcpy (&h, buf, sizeof h);
  size_t body = sizeof h + ((size_t) h.prog_len + h.pers_len) * sizeof (struct sock_filter);
  guint8 sum[32];
  if (memcmp (h.magic, CACHE_MAGIC, sizeof h.magic) != 0 || memcmp (h.key, key, 32) != 0 || h.prog_len == 0
      || h.prog_len > BPF_MAXINSNS || h.pers_len > BPF_MAXINSNS || body + 32 != (size_t) st.st_size)
    return FALSE;
  sum_of (buf, body, sum);
  if (memcmp (sum, buf + body, 32) != 0)
    return FALSE;
  *out = (MgrSeccomp){ .notify = h.notify != 0 };
  out->prog = (struct sock_fprog){ h.prog_len, g_memdup2 (buf + sizeof h, h.prog_len * sizeof (struct sock_filter)) };
  if (h.pers_len)
    out->personality = (struct sock_fprog){ h.pers_len, g_memdup2 (buf + sizeof h + h.prog_len * sizeof (struct sock_filter),
                                                                   h.pers_len * sizeof (struct sock_filter)) };
  return TRUE;
}

/* Best effort: a cache that cannot be written only means compiling next time. */
static void
cache_store (const guint8 key[32], const MgrSeccomp *s)
{
  if (!s->prog.len)
    return;
  _cleanup_close_ int dfd = cache_open_dir (true);
  if (dfd < 0)
    return;
  struct cache_head h = { .notify = s->notify, .prog_len = s->prog.len, .pers_len = s->personality.len };
  memcpy (h.magic, CACHE_MAGIC, sizeof h.magic);
  memcpy (h.key, key, 32);
  GByteArray *b = g_byte_array_new ();
  g_byte_array_append (b, (const guint8 *) &h, sizeof h);
  g_byte_array_append (b, (const guint8 *) s->prog.filter, s->prog.len * sizeof (struct sock_filter));
  if (s->personality.len)
    g_byte_array_append (b, (const guint8 *) s->personality.filter, s->personality.len * sizeof (struct sock_filter));
  guint8 sum[32];
  sum_of (b->data, b->len, sum);
  g_byte_array_append (b, sum, 32);
  g_autofree char *name = g_compute_checksum_for_data (G_CHECKSUM_SHA256, key, 32);
  g_autofree char *tmp = g_strdup_printf (".%s.%d", name, (int) getpid ());
  int fd = openat (dfd, tmp, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0644);
  if (fd >= 0)
    {
      bool ok = write (fd, b->data, b->len) == (ssize_t) b->len && fchmod (fd, 0644) == 0;
      ok = close (fd) == 0 && ok;
      if (!ok || renameat (dfd, tmp, dfd, name) < 0)
        unlinkat (dfd, tmp, 0);
    }
  g_byte_array_unref (b);
}

/* The profile's text, read once. */
static char *
read_profile (const char *path, GError **error)
{
  char *text = NULL;
  gsize len;
  if (!g_file_get_contents (path, &text, &len, NULL))
    return g_set_error (error, MGR_ERROR, MGR_ERROR_IO, "seccomp profile %s: cannot read it", path), NULL;
  if (memchr (text, '\0', len))
    {
      g_free (text);
      return g_set_error (error, MGR_ERROR, MGR_ERROR_SYNTAX, "seccomp profile %s: a NUL byte: not a text file", path), NULL;
    }
  return text;
}

gboolean
mgr_seccomp_compile (const char *path, bool privileged, MgrSeccomp *out, GError **error)
{
  *out = (MgrSeccomp){ 0 };
  g_autofree char *text = read_profile (path, error);
  return text && compile_text (path, text, privileged, out, error);
}

gboolean
mgr_seccomp_for_plan (const MgrPlan *plan, MgrSeccomp *out, GError **error)
{
  *out = (MgrSeccomp){ 0 };
  if (plan->seccomp.kind == MGR_SECCOMP_UNCONFINED)
    return TRUE;
  bool privileged = !plan->user_namespace;
  g_autofree char *path = mgr_seccomp_profile_path (&plan->seccomp);
  g_autofree char *text = read_profile (path, error);
  if (!text)
    return g_prefix_error (error, "[seccomp] profile: "), FALSE;
  /* Root's cache, or the user's own (cache_dir). */
  guint8 key[32];
  bool cache = true;
  if (cache)
    {
      cache_key (text, privileged, key);
      if (cache_load (key, out))
        {
          mgr_trace ("seccomp: filter from the cache");
          return TRUE;
        }
    }
  if (!compile_text (path, text, privileged, out, error))
    return g_prefix_error (error, "[seccomp] profile: "), FALSE;
  mgr_trace ("seccomp: filter compiled");
  if (cache)
    cache_store (key, out);
  return TRUE;
}

void
mgr_seccomp_clear (MgrSeccomp *s)
{
  g_clear_pointer (&s->prog.filter, g_free);
  s->prog.len = 0;
  g_clear_pointer (&s->personality.filter, g_free);
  s->personality.len = 0;
}

int
mgr_seccomp_load (const MgrSeccomp *s, int *listener)
{
  if (listener)
    *listener = -1;
  if (!s || !s->prog.len)
    return 0;
  if (s->personality.len && syscall (SYS_seccomp, SECCOMP_SET_MODE_FILTER, 0, &s->personality) < 0)
    return -errno;
  bool listen = listener && s->notify;
  int r = syscall (SYS_seccomp, SECCOMP_SET_MODE_FILTER, listen ? SECCOMP_FILTER_FLAG_NEW_LISTENER : 0, &s->prog);
  if (r < 0)
    return -errno;
  if (listen)
    *listener = r;
  return 0;
}
