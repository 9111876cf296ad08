/* The key table: every row round-trips, and each type rejects bad values. */
#include "config.h"

#include <signal.h>

#include "lib/initsig.h"
#include "lib/keys.h"
#include "testutil.h"

/* Room for any section's struct. */
union scratch {
  struct mgr_container_settings c;
  struct mgr_idmap_settings i;
  struct mgr_net n;
  struct mgr_cgroup_settings g;
  struct mgr_caps_settings caps;
  struct mgr_seccomp s;
  struct mgr_mount m;
  struct mgr_hooks h;
  struct mgr_limits l;
};

static char *
roundtrip (const struct mgr_key *k, const char *text)
{
  union scratch u;
  memset (&u, 0, sizeof u);
  g_autoptr (GError) e = NULL;
  ck_assert_msg (mgr_key_parse (k, text, &u, &e), "[%s] %s: '%s' does not parse: %s",
                 mgr_sections[k->section].name, k->key, text, e ? e->message : "");
  char *out = k->type->format (k, mgr_key_field (k, &u));
  g_autofree char *json = k->type->json (k, mgr_key_field (k, &u));
  ck_assert_ptr_nonnull (out);
  ck_assert_ptr_nonnull (json);
  k->type->clear (mgr_key_field (k, &u));
  return out;
}

START_TEST (test_every_key_roundtrips)
{
  for (size_t i = 0; i < mgr_n_keys; i++)
    {
      const struct mgr_key *k = &mgr_keys[i];
      g_autofree char *ex = roundtrip (k, k->example);
      ck_assert_msg (strcmp (ex, k->example) == 0, "[%s] %s: example '%s' prints back as '%s'",
                     mgr_sections[k->section].name, k->key, k->example, ex);
      if (k->def)
        {
          g_autofree char *d = roundtrip (k, k->def);
          ck_assert_msg (strcmp (d, k->def) == 0, "[%s] %s: default '%s' prints back as '%s'",
                         mgr_sections[k->section].name, k->key, k->def, d);
        }
    }
}
END_TEST

START_TEST (test_table_is_complete)
{
  for (size_t i = 0; i < mgr_n_keys; i++)
    {
      const struct mgr_key *k = &mgr_keys[i];
      ck_assert_msg (k->help && *k->help && k->example && k->type, "row %zu incomplete", i);
      ck_assert_ptr_eq (mgr_key_find (k->section, k->key), k); /* unique within its section */
    }
  /* The keys the design names exist. */
  static const struct { MgrSection s; const char *k; } need[] = {
    { MGR_SEC_CONTAINER, "stop.signal" }, { MGR_SEC_ID_MAP, "uid" }, { MGR_SEC_NETWORK, "ipv4.gateway" },
    { MGR_SEC_CGROUP, "memory.max" }, { MGR_SEC_CGROUP, "devices.allow" }, { MGR_SEC_CAPABILITIES, "keep" },
    { MGR_SEC_SECCOMP, "profile" }, { MGR_SEC_MOUNT, "options" }, { MGR_SEC_HOOKS, "post-stop" },
    { MGR_SEC_LIMITS, "nofile" },
  };
  for (size_t i = 0; i < G_N_ELEMENTS (need); i++)
    ck_assert_ptr_nonnull (mgr_key_find (need[i].s, need[i].k));
}
END_TEST

/* Every typed parser, fed what a careless or hostile file holds: nothing,
 * only separators, numbers past 64 bits. Each must answer (accept or a
 * message), never crash; run under valgrind or ASan to see reads past the end. */
START_TEST (test_every_key_survives_hostile_values)
{
  static const char *const hostile[] = {
    "", " ", "\t", ":", "::", ",", ",,", ";", "-", "=", "/", ".", "..", "*", "x:", ":x", " : ",
    "99999999999999999999999999", "18446744073709551615", "18446744073709551615:18446744073709551615",
    "18446744073709551615 18446744073709551615 2", "0 18446744073709551615 2",
    "1:18446744073709551616", "RTMIN+18446744073709551615", "SIGRTMAX-99999999999",
    "8:0", "8:0 rbps=", "c :", "c 1: r", "a 1:1", "0-", "-1", "99999999-1", "0-8191", "\xff\xfe", "\"",
    "'", "create=", "max 999999999999999999999",
  };
  for (size_t i = 0; i < mgr_n_keys; i++)
    for (size_t j = 0; j < G_N_ELEMENTS (hostile); j++)
      {
        const struct mgr_key *k = &mgr_keys[i];
        union scratch u;
        memset (&u, 0, sizeof u);
        g_autoptr (GError) e = NULL;
        if (mgr_key_parse (k, hostile[j], &u, &e))
          {
            g_free (k->type->format (k, mgr_key_field (k, &u)));
            g_free (k->type->json (k, mgr_key_field (k, &u)));
            k->type->clear (mgr_key_field (k, &u));
          }
        else
          ck_assert_msg (e && *e->message, "[%s] %s: '%s' failed without a message",
                         mgr_sections[k->section].name, k->key, hostile[j]);
      }
}
END_TEST

static void
assert_rejects (MgrSection s, const char *key, const char *text, const char *needle)
{
  const struct mgr_key *k = mgr_key_find (s, key);
  union scratch u;
  memset (&u, 0, sizeof u);
  g_autoptr (GError) e = NULL;
  ck_assert_ptr_nonnull (k);
  ck_assert_msg (!mgr_key_parse (k, text, &u, &e), "%s accepted '%s'", key, text);
  ck_assert_msg (strstr (e->message, needle), "%s '%s': message '%s' lacks '%s'", key, text, e->message, needle);
}

START_TEST (test_sizes)
{
  guint64 v;
  ck_assert (mgr_parse_size ("256M", &v, NULL) && v == 256u << 20);
  ck_assert (mgr_parse_size ("1G", &v, NULL) && v == G_GUINT64_CONSTANT (1) << 30);
  ck_assert (mgr_parse_size ("1GiB", &v, NULL) && v == G_GUINT64_CONSTANT (1) << 30);
  ck_assert (mgr_parse_size ("512k", &v, NULL) && v == 512u << 10);
  ck_assert (mgr_parse_size ("4096", &v, NULL) && v == 4096);
  ck_assert (!mgr_parse_size ("99999999999999999999", &v, NULL));
  ck_assert (!mgr_parse_size ("16777216T", &v, NULL));
  assert_rejects (MGR_SEC_CGROUP, "memory.max", "256Q", "unknown unit 'Q'");
  assert_rejects (MGR_SEC_CGROUP, "memory.max", "-1", "not a size");
  assert_rejects (MGR_SEC_CGROUP, "memory.max", "lots", "not a size");
  assert_rejects (MGR_SEC_CONTAINER, "console.buffer", "1", "out of range");
}
END_TEST

START_TEST (test_signals)
{
  int s;
  ck_assert (mgr_parse_signal ("SIGPWR", &s, NULL) && s == SIGPWR);
  ck_assert (mgr_parse_signal ("pwr", &s, NULL) && s == SIGPWR);
  ck_assert (mgr_parse_signal ("15", &s, NULL) && s == SIGTERM);
  ck_assert (mgr_parse_signal ("SIGRTMIN+3", &s, NULL) && s == SIGRTMIN + 3);
  ck_assert (mgr_parse_signal ("RTMAX-1", &s, NULL) && s == SIGRTMAX - 1);
  ck_assert (!mgr_parse_signal ("SIGFOO", &s, NULL));
  ck_assert (!mgr_parse_signal ("0", &s, NULL));
  ck_assert (!mgr_parse_signal ("65", &s, NULL));
  ck_assert (!mgr_parse_signal ("SIGRTMIN+99", &s, NULL));
  assert_rejects (MGR_SEC_CONTAINER, "stop.signal", "SIGFOO", "unknown signal");
  const struct mgr_key *k = mgr_key_find (MGR_SEC_CONTAINER, "stop.signal");
  g_autofree char *a = roundtrip (k, "auto"), *b = roundtrip (k, "SIGRTMIN+3");
  ck_assert_str_eq (a, "auto");
  ck_assert_str_eq (b, "SIGRTMIN+3");
  ck_assert_str_eq (k->def, "auto");
}
END_TEST

static void
put (const char *root, const char *path, const char *content)
{
  g_autofree char *f = g_build_filename (root, path, NULL), *d = g_path_get_dirname (f);
  g_mkdir_with_parents (d, 0755);
  ck_assert (g_file_set_contents (f, content, -1, NULL));
}

static void
link_to (const char *root, const char *path, const char *target)
{
  g_autofree char *f = g_build_filename (root, path, NULL), *d = g_path_get_dirname (f);
  g_mkdir_with_parents (d, 0755);
  unlink (f);
  ck_assert (symlink (target, f) == 0);
}

/* stop.signal = auto: what init is, read inside the rootfs only. */
START_TEST (test_stop_signal_auto)
{
  g_autofree char *tmp = g_dir_make_tmp ("mgr-initsig-XXXXXX", NULL);
  g_autofree char *root = g_build_filename (tmp, "rootfs", NULL);
  char *init[] = { "/sbin/init", NULL };
  MgrPlan p = { 0 };
  p.container.rootfs = root;
  p.container.init = init;
  p.container.stop_signal = MGR_SIGNAL_AUTO;
  MgrInitKind kind;

  put (root, "lib/systemd/systemd", "\177ELF...");
  link_to (root, "sbin/init", "/lib/systemd/systemd");
  ck_assert_int_eq (mgr_plan_stop_signal (&p, NULL, &kind), SIGRTMIN + 3);
  ck_assert_int_eq (kind, MGR_INIT_SYSTEMD);

  /* A link that climbs out names the host's file: it must not be read. */
  put (tmp, "outside/systemd", "\177ELF...");
  link_to (root, "sbin/init", "../../../outside/systemd");
  ck_assert_int_eq (mgr_plan_stop_signal (&p, NULL, &kind), SIGTERM);
  ck_assert_int_eq (kind, MGR_INIT_OTHER);
  g_autofree char *abs = g_build_filename (tmp, "outside/systemd", NULL);
  link_to (root, "sbin/init", abs);
  ck_assert_int_eq (mgr_plan_stop_signal (&p, NULL, &kind), SIGTERM);

  put (root, "bin/busybox", "\177ELF... BusyBox v1.35.0 ...");
  link_to (root, "sbin/init", "../bin/busybox");
  ck_assert_int_eq (mgr_plan_stop_signal (&p, NULL, &kind), SIGPWR);
  ck_assert_int_eq (kind, MGR_INIT_BUSYBOX);

  unlink (g_build_filename (root, "sbin/init", NULL));
  put (root, "sbin/init", "\177ELF... INIT_VERSION=sysvinit-3.06 ...");
  ck_assert_int_eq (mgr_plan_stop_signal (&p, NULL, &kind), SIGPWR);
  ck_assert_int_eq (kind, MGR_INIT_SYSVINIT);

  put (root, "sbin/init", "#!/bin/sh\nexec sleep 1000\n");
  ck_assert_int_eq (mgr_plan_stop_signal (&p, NULL, &kind), SIGTERM);
  /* What mgr-execute runs is judged instead of init. */
  ck_assert_int_eq (mgr_plan_stop_signal (&p, "/bin/busybox", &kind), SIGPWR);
  p.container.stop_signal = SIGUSR2;
  ck_assert_int_eq (mgr_plan_stop_signal (&p, NULL, NULL), SIGUSR2);

  g_autofree char *cmd = g_strdup_printf ("rm -rf '%s'", tmp);
  ck_assert (system (cmd) == 0);
}
END_TEST

START_TEST (test_durations)
{
  const struct mgr_key *k = mgr_key_find (MGR_SEC_CONTAINER, "stop.timeout");
  struct mgr_container_settings c = { 0 };
  ck_assert (mgr_key_parse (k, "30", &c, NULL) && c.stop_timeout.v == 30000);
  ck_assert (mgr_key_parse (k, "2m", &c, NULL) && c.stop_timeout.v == 120000);
  ck_assert (mgr_key_parse (k, "250ms", &c, NULL) && c.stop_timeout.v == 250);
  assert_rejects (MGR_SEC_CONTAINER, "stop.timeout", "30 seconds", "not a duration");
  assert_rejects (MGR_SEC_CONTAINER, "stop.timeout", "soon", "not a duration");
}
END_TEST

START_TEST (test_idmaps)
{
  const struct mgr_key *k = mgr_key_find (MGR_SEC_ID_MAP, "uid");
  struct mgr_idmap_settings m = { 0 };
  ck_assert (mgr_key_parse (k, "0 100000 1000, 1000 1000 1, 1001 101001 64535", &m, NULL));
  ck_assert_uint_eq (m.uid.n, 3);
  guint32 out;
  ck_assert (mgr_idmap_to_host (&m.uid, 1000, &out) && out == 1000);
  ck_assert (mgr_idmap_to_host (&m.uid, 1001, &out) && out == 101001);
  ck_assert (!mgr_idmap_to_host (&m.uid, 65536, &out));
  k->type->clear (&m.uid);
  assert_rejects (MGR_SEC_ID_MAP, "uid", "0 100000 65536, 1000 200000 10", "overlap inside the container");
  assert_rejects (MGR_SEC_ID_MAP, "uid", "0 100000 65536, 70000 100010 10", "overlap on the host");
  assert_rejects (MGR_SEC_ID_MAP, "uid", "0 4294967000 65536", "goes past id 4294967294");
  assert_rejects (MGR_SEC_ID_MAP, "uid", "4294967290 0 10", "goes past");
  assert_rejects (MGR_SEC_ID_MAP, "uid", "0 100000", "not 'inside outside count'");
  assert_rejects (MGR_SEC_ID_MAP, "uid", "0 100000 0", "count of 0");
  /* 2^64-1 + 2 wraps to 1: each part is range-checked alone. */
  assert_rejects (MGR_SEC_ID_MAP, "uid", "18446744073709551615 0 2", "goes past");
  assert_rejects (MGR_SEC_LIMITS, "nofile", "", "empty value");
}
END_TEST

START_TEST (test_capabilities)
{
  guint64 m;
  ck_assert (mgr_caps_parse ("chown cap_kill CAP_SYS_ADMIN", &m, NULL));
  ck_assert (m == ((1ull << 0) | (1ull << 5) | (1ull << 21)));
  g_autofree char *s = mgr_caps_format (m);
  ck_assert_str_eq (s, "chown kill sys_admin");
  ck_assert (mgr_caps_parse ("none", &m, NULL) && m == 0);
  ck_assert (!mgr_caps_parse ("sys_everything", &m, NULL));
  ck_assert (!mgr_caps_parse ("21", &m, NULL));
  assert_rejects (MGR_SEC_CAPABILITIES, "drop", "sys_modules", "not a capability");
}
END_TEST

START_TEST (test_network_values)
{
  assert_rejects (MGR_SEC_NETWORK, "ipv4", "10.0.3.15", "no prefix length");
  assert_rejects (MGR_SEC_NETWORK, "ipv4", "10.0.3.300/24", "not an IPv4 address");
  assert_rejects (MGR_SEC_NETWORK, "ipv4", "10.0.3.1/33", "prefix length");
  assert_rejects (MGR_SEC_NETWORK, "ipv6", "10.0.3.1/24", "not an IPv6 address");
  assert_rejects (MGR_SEC_NETWORK, "ipv4.gateway", "10.0.3.1/24", "no prefix");
  assert_rejects (MGR_SEC_NETWORK, "hwaddr", "01:16:3e:00:00:01", "multicast");
  assert_rejects (MGR_SEC_NETWORK, "hwaddr", "00:16:3e:00:00", "six octets");
  assert_rejects (MGR_SEC_NETWORK, "type", "bridge", "not one of veth, macvlan, phys, empty, none");
  assert_rejects (MGR_SEC_NETWORK, "mtu", "40", "out of range");
  assert_rejects (MGR_SEC_NETWORK, "link", "a-very-long-bridge-name", "1 to 15");
}
END_TEST

START_TEST (test_cgroup_values)
{
  assert_rejects (MGR_SEC_CGROUP, "cpu.max", "50000 100000 7", "QUOTA [PERIOD]");
  assert_rejects (MGR_SEC_CGROUP, "cpu.max", "10 100000", ">= 1000");
  assert_rejects (MGR_SEC_CGROUP, "cpu.weight", "0", "out of range");
  assert_rejects (MGR_SEC_CGROUP, "cpuset.cpus", "3-1", "not a valid range");
  assert_rejects (MGR_SEC_CGROUP, "devices.allow", "c 1:3 rwx", "access");
  assert_rejects (MGR_SEC_CGROUP, "devices.allow", "x 1:3 rw", "TYPE MAJOR:MINOR ACCESS");
  assert_rejects (MGR_SEC_CGROUP, "io.max", "8:0", "limits nothing");
  assert_rejects (MGR_SEC_CGROUP, "pids.max", "-5", "whole number");
  const struct mgr_key *k = mgr_key_find (MGR_SEC_CGROUP, "cpuset.cpus");
  g_autofree char *canon = roundtrip (k, "3,0-1,2, 7");
  ck_assert_str_eq (canon, "0-3,7");
  k = mgr_key_find (MGR_SEC_CGROUP, "cpu.max");
  g_autofree char *cm = roundtrip (k, "max");
  ck_assert_str_eq (cm, "max 100000");
}
END_TEST

START_TEST (test_misc_values)
{
  assert_rejects (MGR_SEC_CONTAINER, "environment", "TERM", "NAME=VALUE");
  assert_rejects (MGR_SEC_CONTAINER, "environment", "1X=2", "valid variable name");
  assert_rejects (MGR_SEC_CONTAINER, "init", "sbin/init", "absolute path");
  assert_rejects (MGR_SEC_CONTAINER, "init", "/sbin/init 'unterminated", "cannot split");
  assert_rejects (MGR_SEC_CONTAINER, "cwd", "/srv/../etc", "'..'");
  assert_rejects (MGR_SEC_CONTAINER, "hostname", "web_1", "not allowed in a hostname");
  assert_rejects (MGR_SEC_CONTAINER, "autostart", "maybe", "not a boolean");
  assert_rejects (MGR_SEC_MOUNT, "options", "bind,size=10M", "bind mounts take none");
  assert_rejects (MGR_SEC_MOUNT, "options", "bind,create=pipe", "create= takes dir or file");
  assert_rejects (MGR_SEC_LIMITS, "nofile", "4096:1024", "soft limit is above");
  assert_rejects (MGR_SEC_LIMITS, "nofile", "lots", "SOFT:HARD");
  assert_rejects (MGR_SEC_SECCOMP, "profile", "strict", "default, unconfined");
  const struct mgr_key *k = mgr_key_find (MGR_SEC_CONTAINER, "init");
  g_autofree char *q = roundtrip (k, "/bin/sh -c 'echo hi there'");
  ck_assert_str_eq (q, "/bin/sh -c 'echo hi there'");
}
END_TEST

/* What an image may set is a deliberate, short list: a key added to the
 * table stays the administrator's until it is added here too. */
START_TEST (test_image_trust)
{
  static const char *const taken[] = { "container.hostname", "container.init", "container.cwd", "container.uid",
                                       "container.gid", "container.environment", "container.stop.signal",
                                       "container.stop.timeout", "container.tty.count", NULL };
  static const char *const limits[] = { "cgroup.memory.max", "cgroup.memory.high", "cgroup.memory.swap.max",
                                        "cgroup.cpu.max", "cgroup.cpuset.cpus", "cgroup.cpuset.mems",
                                        "cgroup.pids.max", "cgroup.io.max", "cgroup.devices.deny",
                                        "capabilities.drop", NULL };
  for (size_t i = 0; i < mgr_n_keys; i++)
    {
      const struct mgr_key *k = &mgr_keys[i];
      g_autofree char *full = g_strdup_printf ("%s.%s", mgr_sections[k->section].name, k->key);
      MgrImageTrust want = g_strv_contains (taken, full)    ? MGR_IMAGE_TAKEN
                           : g_strv_contains (limits, full) ? MGR_IMAGE_LIMIT
                           : k->section == MGR_SEC_LIMITS   ? MGR_IMAGE_LIMIT
                                                            : MGR_IMAGE_NEVER;
      ck_assert_msg (k->image == want, "%s: an image's trust is %d, want %d", full, k->image, want);
      if (mgr_sections[k->section].named)
        ck_assert_msg (k->image == MGR_IMAGE_NEVER, "%s: a named section's key from an image", full);
    }
}
END_TEST

START_TEST (test_suggestions)
{
  ck_assert_str_eq (mgr_key_suggest (MGR_SEC_CGROUP, "memory.limit"), "memory.max");
  ck_assert_str_eq (mgr_key_suggest (MGR_SEC_CGROUP, "memory.limit_in_bytes"), "memory.max");
  ck_assert_str_eq (mgr_key_suggest (MGR_SEC_CGROUP, "memroy.max"), "memory.max");
  ck_assert_str_eq (mgr_key_suggest (MGR_SEC_CGROUP, "cpu.shares"), "cpu.weight");
  ck_assert_str_eq (mgr_key_suggest (MGR_SEC_CONTAINER, "stop.timout"), "stop.timeout");
  ck_assert_ptr_null (mgr_key_suggest (MGR_SEC_CONTAINER, "completely_unrelated"));
  ck_assert_str_eq (mgr_section_suggest ("contaner"), "[container]");
  ck_assert_str_eq (mgr_section_suggest ("netwrok eth0"), "[network eth0]");
  ck_assert_ptr_null (mgr_section_suggest ("zzzzzzzz"));
}
END_TEST

static Suite *
keys_suite (void)
{
  Suite *s = suite_create ("keys");
  TCase *tc = tcase_create ("table");
  tcase_add_test (tc, test_every_key_roundtrips);
  tcase_add_test (tc, test_table_is_complete);
  tcase_add_test (tc, test_every_key_survives_hostile_values);
  tcase_add_test (tc, test_sizes);
  tcase_add_test (tc, test_signals);
  tcase_add_test (tc, test_stop_signal_auto);
  tcase_add_test (tc, test_durations);
  tcase_add_test (tc, test_idmaps);
  tcase_add_test (tc, test_capabilities);
  tcase_add_test (tc, test_network_values);
  tcase_add_test (tc, test_cgroup_values);
  tcase_add_test (tc, test_misc_values);
  tcase_add_test (tc, test_suggestions);
  tcase_add_test (tc, test_image_trust);
  suite_add_tcase (s, tc);
  return s;
}

RUN_SUITE (keys_suite)
