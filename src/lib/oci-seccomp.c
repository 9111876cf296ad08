/* The linux.seccomp of the config.json that mgr-oci spec writes: mgr's
 * default profile (config/seccomp/default.profile) in the runtime spec's
 * JSON, so that a bundle made from it is confined as mgr-start confines.
 *
 * default.profile is a deny list with a second filter for personality(2);
 * the spec's JSON has neither a second filter nor two comparisons of one
 * argument in a rule, so this is the equivalent allow list: every call
 * libseccomp knows on the filter's architectures except the denied ones,
 * each condition of default.profile turned into the allow rules of its
 * complement. A call this libseccomp does not know (newer than it) fails
 * with ENOSYS, which is what its callers test for. */
#include "config.h"

#include <errno.h>
#include <seccomp.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "oci-seccomp.h"

/* default.profile's denied calls that fail with EPERM; the keyring calls
 * (ENOSYS there) are simply left out, and fail with the default ENOSYS. */
static const char *const denied_eperm[] = {
  "kexec_load", "kexec_file_load", "init_module", "finit_module", "delete_module", "create_module",
  "query_module", "get_kernel_syms", "open_by_handle_at", "bpf", "perf_event_open", "userfaultfd",
  "lookup_dcookie", "iopl", "ioperm", "swapon", "swapoff", "acct", "settimeofday", "clock_settime",
  "stime", "quotactl", "nfsservctl", "uselib", "ustat", "sysfs", "_sysctl", "vm86", "vm86old", "kcmp",
  "process_vm_readv", "process_vm_writev",
};
static const char *const denied_enosys[] = { "keyctl", "add_key", "request_key" };
/* Calls whose rules below have conditions: not in the unconditional list. */
static const char *const conditional[] = { "socket", "umount2", "personality" };

static bool
listed (const char *name, const char *const *v, size_t n)
{
  for (size_t i = 0; i < n; i++)
    if (strcmp (name, v[i]) == 0)
      return true;
  return false;
}

static void
add_names (JsonBuilder *b, const char *const *v, size_t n)
{
  json_builder_set_member_name (b, "names");
  json_builder_begin_array (b);
  for (size_t i = 0; i < n; i++)
    json_builder_add_string_value (b, v[i]);
  json_builder_end_array (b);
}

/* One rule for name: action, errnoRet (0: none), one condition on argument
 * index (op NULL: none); for SCMP_CMP_MASKED_EQ the spec's value is the
 * mask and valueTwo the datum, as libseccomp takes them. */
static void
add_rule (JsonBuilder *b, const char *name, const char *action, int errno_ret, int index, const char *op,
          guint64 value, guint64 mask)
{
  json_builder_begin_object (b);
  add_names (b, &name, 1);
  json_builder_set_member_name (b, "action");
  json_builder_add_string_value (b, action);
  if (errno_ret)
    {
      json_builder_set_member_name (b, "errnoRet");
      json_builder_add_int_value (b, errno_ret);
    }
  if (op)
    {
      bool masked = strcmp (op, "SCMP_CMP_MASKED_EQ") == 0;
      json_builder_set_member_name (b, "args");
      json_builder_begin_array (b);
      json_builder_begin_object (b);
      json_builder_set_member_name (b, "index");
      json_builder_add_int_value (b, index);
      json_builder_set_member_name (b, "value");
      json_builder_add_int_value (b, (gint64) (masked ? mask : value));
      if (masked)
        {
          json_builder_set_member_name (b, "valueTwo");
          json_builder_add_int_value (b, (gint64) value);
        }
      json_builder_set_member_name (b, "op");
      json_builder_add_string_value (b, op);
      json_builder_end_object (b);
      json_builder_end_array (b);
    }
  json_builder_end_object (b);
}

JsonNode *
mgr_oci_default_seccomp (void)
{
  guint32 arches[3] = { seccomp_arch_native () };
  const char *arch_names[3] = { NULL };
  size_t narch = 1;
  /* 32-bit programs run too, as under mgr-start (seccomp.c adds the same). */
  if (arches[0] == SCMP_ARCH_X86_64)
    {
      arch_names[0] = "SCMP_ARCH_X86_64";
      arch_names[1] = "SCMP_ARCH_X86";
      arch_names[2] = "SCMP_ARCH_X32";
      arches[1] = SCMP_ARCH_X86;
      narch = 3;
    }
  else if (arches[0] == SCMP_ARCH_AARCH64)
    {
      arch_names[0] = "SCMP_ARCH_AARCH64";
      arch_names[1] = "SCMP_ARCH_ARM";
      arches[1] = SCMP_ARCH_ARM;
      narch = 2;
    }

  g_autoptr (GHashTable) seen = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
  g_autoptr (GPtrArray) allowed = g_ptr_array_new ();
  for (size_t a = 0; a < narch; a++)
    {
      if (!arches[a])
        continue;
      for (int nr = 0; nr < 1024; nr++)
        {
          char *name = seccomp_syscall_resolve_num_arch (arches[a], nr);
          if (!name)
            continue;
          if (listed (name, denied_eperm, G_N_ELEMENTS (denied_eperm))
              || listed (name, denied_enosys, G_N_ELEMENTS (denied_enosys))
              || listed (name, conditional, G_N_ELEMENTS (conditional)) || g_hash_table_contains (seen, name))
            {
              free (name);
              continue;
            }
          char *copy = g_strdup (name);
          free (name);
          g_hash_table_add (seen, copy);
          g_ptr_array_add (allowed, copy);
        }
    }
  g_ptr_array_sort (allowed, (GCompareFunc) g_strcmp0);

  g_autoptr (JsonBuilder) b = json_builder_new ();
  json_builder_begin_object (b);
  json_builder_set_member_name (b, "defaultAction");
  json_builder_add_string_value (b, "SCMP_ACT_ERRNO");
  json_builder_set_member_name (b, "defaultErrnoRet");
  json_builder_add_int_value (b, ENOSYS);
  if (arch_names[0])
    {
      json_builder_set_member_name (b, "architectures");
      json_builder_begin_array (b);
      for (size_t a = 0; a < G_N_ELEMENTS (arch_names) && arch_names[a]; a++)
        json_builder_add_string_value (b, arch_names[a]);
      json_builder_end_array (b);
    }
  json_builder_set_member_name (b, "syscalls");
  json_builder_begin_array (b);
  json_builder_begin_object (b);
  add_names (b, (const char *const *) allowed->pdata, allowed->len);
  json_builder_set_member_name (b, "action");
  json_builder_add_string_value (b, "SCMP_ACT_ALLOW");
  json_builder_end_object (b);
  json_builder_begin_object (b);
  add_names (b, denied_eperm, G_N_ELEMENTS (denied_eperm));
  json_builder_set_member_name (b, "action");
  json_builder_add_string_value (b, "SCMP_ACT_ERRNO");
  json_builder_set_member_name (b, "errnoRet");
  json_builder_add_int_value (b, EPERM);
  json_builder_end_object (b);
  /* socket: every family but AF_ALG (38) and AF_VSOCK (40). */
  add_rule (b, "socket", "SCMP_ACT_ALLOW", 0, 0, "SCMP_CMP_LT", 38, 0);
  add_rule (b, "socket", "SCMP_ACT_ALLOW", 0, 0, "SCMP_CMP_EQ", 39, 0);
  add_rule (b, "socket", "SCMP_ACT_ALLOW", 0, 0, "SCMP_CMP_GT", 40, 0);
  add_rule (b, "socket", "SCMP_ACT_ERRNO", EAFNOSUPPORT, 0, "SCMP_CMP_EQ", 38, 0);
  add_rule (b, "socket", "SCMP_ACT_ERRNO", EAFNOSUPPORT, 0, "SCMP_CMP_EQ", 40, 0);
  /* umount2: without MNT_FORCE (1). */
  add_rule (b, "umount2", "SCMP_ACT_ALLOW", 0, 1, "SCMP_CMP_MASKED_EQ", 0, 1);
  add_rule (b, "umount2", "SCMP_ACT_ERRNO", EPERM, 1, "SCMP_CMP_MASKED_EQ", 1, 1);
  /* personality: default.profile's personality_allow, nothing else. */
  static const guint64 personas[] = { 0x0, 0x8, 0x20000, 0x20008, 0xffffffff };
  for (size_t i = 0; i < G_N_ELEMENTS (personas); i++)
    add_rule (b, "personality", "SCMP_ACT_ALLOW", 0, 0, "SCMP_CMP_EQ", personas[i], 0);
  json_builder_end_array (b);
  json_builder_end_object (b);
  return json_builder_get_root (b);
}
