/* [cgroup] devices on cgroup v2: a BPF_PROG_TYPE_CGROUP_DEVICE program,
 * assembled here from the rules (deny rules first, then allow rules, then
 * deny everything), loaded and attached to the container's cgroup. */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <linux/bpf.h>
#include <string.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "cgroup-internal.h"
#include "mgr-error.h"
#include "util.h"

#define INSN(CODE, DST, SRC, OFF, IMM) ((struct bpf_insn){ .code = (CODE), .dst_reg = (DST), .src_reg = (SRC), .off = (OFF), .imm = (IMM) })
#define LDX_W(DST, SRC, OFF) INSN (BPF_LDX | BPF_MEM | BPF_W, DST, SRC, OFF, 0)
#define MOV_REG(DST, SRC) INSN (BPF_ALU64 | BPF_MOV | BPF_X, DST, SRC, 0, 0)
#define MOV_IMM(DST, IMM) INSN (BPF_ALU64 | BPF_MOV | BPF_K, DST, 0, 0, IMM)
#define AND_IMM(DST, IMM) INSN (BPF_ALU64 | BPF_AND | BPF_K, DST, 0, 0, IMM)
#define RSH_IMM(DST, IMM) INSN (BPF_ALU64 | BPF_RSH | BPF_K, DST, 0, 0, IMM)
#define JNE_IMM(DST, IMM, OFF) INSN (BPF_JMP | BPF_JNE | BPF_K, DST, 0, OFF, IMM)
#define JEQ_IMM(DST, IMM, OFF) INSN (BPF_JMP | BPF_JEQ | BPF_K, DST, 0, OFF, IMM)
#define EXIT() INSN (BPF_JMP | BPF_EXIT, 0, 0, 0, 0)

static int
access_bits (const char *a)
{
  return (strchr (a, 'm') ? BPF_DEVCG_ACC_MKNOD : 0) | (strchr (a, 'r') ? BPF_DEVCG_ACC_READ : 0)
         | (strchr (a, 'w') ? BPF_DEVCG_ACC_WRITE : 0);
}

/* Appends one rule; the block's jumps point past its end. */
static void
add_rule (GArray *prog, const struct mgr_dev_rule *r, bool allow)
{
  struct bpf_insn block[8];
  int n = 0, mask = access_bits (r->access);
  /* r2 = access, r3 = type, r4 = major, r5 = minor */
  if (r->type != 'a')
    block[n++] = JNE_IMM (3, r->type == 'b' ? BPF_DEVCG_DEV_BLOCK : BPF_DEVCG_DEV_CHAR, 0);
  if (r->major >= 0)
    block[n++] = JNE_IMM (4, r->major, 0);
  if (r->minor >= 0)
    block[n++] = JNE_IMM (5, r->minor, 0);
  block[n++] = MOV_REG (6, 2);
  if (allow)
    {
      /* every access asked for must be allowed */
      block[n++] = AND_IMM (6, ~mask);
      block[n++] = JNE_IMM (6, 0, 0);
    }
  else
    {
      /* any access it denies */
      block[n++] = AND_IMM (6, mask);
      block[n++] = JEQ_IMM (6, 0, 0);
    }
  block[n++] = MOV_IMM (0, allow ? 1 : 0);
  block[n++] = EXIT ();
  for (int i = 0; i < n; i++)
    if (BPF_CLASS (block[i].code) == BPF_JMP && BPF_OP (block[i].code) != BPF_EXIT)
      block[i].off = n - i - 1;
  g_array_append_vals (prog, block, n);
}

gboolean
mgr_cgroup_bpf_devices (const Hier *h, const MgrPlan *plan, GError **error)
{
  g_autoptr (GArray) prog = g_array_new (FALSE, FALSE, sizeof (struct bpf_insn));
  const struct bpf_insn head[] = {
    LDX_W (2, 1, 0), MOV_REG (3, 2), AND_IMM (3, 0xffff), RSH_IMM (2, 16), LDX_W (4, 1, 4), LDX_W (5, 1, 8),
  };
  const struct bpf_insn tail[] = { MOV_IMM (0, 0), EXIT () };
  g_array_append_vals (prog, head, G_N_ELEMENTS (head));
  for (guint i = 0; i < plan->cgroup.devices_deny.n; i++)
    add_rule (prog, &plan->cgroup.devices_deny.v[i], false);
  for (guint i = 0; i < plan->cgroup.devices_allow.n; i++)
    add_rule (prog, &plan->cgroup.devices_allow.v[i], true);
  g_array_append_vals (prog, tail, G_N_ELEMENTS (tail));

  static char log[65536];
  union bpf_attr load = { 0 };
  load.prog_type = BPF_PROG_TYPE_CGROUP_DEVICE;
  load.insns = (guint64) (uintptr_t) prog->data;
  load.insn_cnt = prog->len;
  load.license = (guint64) (uintptr_t) "GPL";
  _cleanup_close_ int pfd = syscall (SYS_bpf, BPF_PROG_LOAD, &load, sizeof load);
  if (pfd < 0)
    {
      /* Again with the verifier's log, only to say why. */
      log[0] = '\0';
      load.log_buf = (guint64) (uintptr_t) log;
      load.log_size = sizeof log;
      load.log_level = 1;
      int r = syscall (SYS_bpf, BPF_PROG_LOAD, &load, sizeof load);
      if (r >= 0)
        close (r);
      const char *last = strrchr (g_strchomp (log), '\n');
      g_set_error (error, MGR_ERROR, MGR_ERROR_FAILED, "loading the device program (%u instructions): %s%s%s", prog->len,
                   g_strerror (errno), log[0] ? ": " : "", last ? last + 1 : log);
      return FALSE;
    }
  _cleanup_close_ int cfd = open (h->path, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (cfd < 0)
    {
      g_set_error (error, MGR_ERROR, MGR_ERROR_FAILED, "opening the cgroup %s: %s", h->path, g_strerror (errno));
      return FALSE;
    }
  /* Programs attached with BPF_F_ALLOW_MULTI all run, and every one must
   * allow: a second program only ever tightens, so a live change that
   * loosens devices would never take effect. The new program replaces the
   * old one (atomically, BPF_F_REPLACE, when there is one as there should
   * be), or is attached before the old ones are detached, so the cgroup is
   * never without a program. Only programs on this cgroup itself are
   * touched: those the container attached below it are its own. */
  guint32 ids[64], n_ids = 0;
  union bpf_attr query = { 0 };
  query.query.target_fd = cfd;
  query.query.attach_type = BPF_CGROUP_DEVICE;
  query.query.prog_ids = (guint64) (uintptr_t) ids;
  query.query.prog_cnt = G_N_ELEMENTS (ids);
  if (syscall (SYS_bpf, BPF_PROG_QUERY, &query, sizeof query) == 0)
    n_ids = query.query.prog_cnt;
  else if (errno == ENOSPC)
    {
      g_set_error (error, MGR_ERROR, MGR_ERROR_FAILED, "the cgroup %s holds more than %zu device programs",
                   h->path, G_N_ELEMENTS (ids));
      return FALSE;
    }
  int old[G_N_ELEMENTS (ids)];
  guint n_old = 0;
  for (guint i = 0; i < n_ids; i++)
    {
      union bpf_attr get = { 0 };
      get.prog_id = ids[i];
      int fd = syscall (SYS_bpf, BPF_PROG_GET_FD_BY_ID, &get, sizeof get);
      if (fd >= 0)
        old[n_old++] = fd;
    }
  union bpf_attr attach = { 0 };
  attach.target_fd = cfd;
  attach.attach_bpf_fd = pfd;
  attach.attach_type = BPF_CGROUP_DEVICE;
  attach.attach_flags = BPF_F_ALLOW_MULTI;
  if (n_old == 1)
    {
      attach.attach_flags |= BPF_F_REPLACE;
      attach.replace_bpf_fd = old[0];
    }
  int r = syscall (SYS_bpf, BPF_PROG_ATTACH, &attach, sizeof attach);
  if (r < 0 && n_old == 1 && errno == EINVAL)
    {
      /* Before Linux 5.6: no BPF_F_REPLACE. */
      attach.attach_flags = BPF_F_ALLOW_MULTI;
      attach.replace_bpf_fd = 0;
      r = syscall (SYS_bpf, BPF_PROG_ATTACH, &attach, sizeof attach);
    }
  int e = errno;
  for (guint i = 0; i < n_old; i++)
    {
      if (r == 0 && !(attach.attach_flags & BPF_F_REPLACE))
        {
          union bpf_attr detach = { 0 };
          detach.target_fd = cfd;
          detach.attach_bpf_fd = old[i];
          detach.attach_type = BPF_CGROUP_DEVICE;
          if (syscall (SYS_bpf, BPF_PROG_DETACH, &detach, sizeof detach) < 0 && errno != ENOENT && r == 0)
            {
              r = -1;
              e = errno;
            }
        }
      close (old[i]);
    }
  if (r < 0)
    {
      g_set_error (error, MGR_ERROR, MGR_ERROR_FAILED, "attaching the device program to %s: %s", h->path, g_strerror (e));
      return FALSE;
    }
  return TRUE;
}
