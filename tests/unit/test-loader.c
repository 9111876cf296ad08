/* The loader: errors name file, line, section and key; defaults and
 * cross-field rules resolve into the plan. */
#include "config.h"

#include <signal.h>

#include "testutil.h"

static const char *good =
  "# a comment\n"
  "[container]\n"
  "rootfs = rootfs   # inline comment\n"
  "stop.signal = SIGPWR\n"
  "[id_map]\n"
  "uid = 0 100000 65536\n"
  "gid = 0 100000 65536\n"
  "[network eth0]\n"
  "type = veth\n"
  "link = mgrbr0\n"
  "ipv4 = 10.0.3.15/24\n"
  "ipv4.gateway = 10.0.3.1\n"
  "[cgroup]\n"
  "memory.max = 256M\n"
  "[mount data]\n"
  "source = data\n"
  "target = /data\n"
  "options = bind,ro,create=dir\n";

START_TEST (test_good_config)
{
  g_autoptr (GError) e = NULL;
  g_autoptr (MgrPlan) p = load_text (good, &e);
  ck_assert_msg (p != NULL, "%s", e ? e->message : "");
  ck_assert_str_eq (p->container.rootfs, "/tmp/mgr-test/web/rootfs");
  ck_assert_str_eq (p->container.hostname, "web"); /* the container's name */
  ck_assert_str_eq (p->container.init[0], "/sbin/init");
  ck_assert_int_eq (p->container.stop_signal, SIGPWR);
  ck_assert_uint_eq (p->container.stop_timeout.v, 30000);
  ck_assert (p->user_namespace);
  ck_assert_uint_eq (p->n_net, 1);
  ck_assert_str_eq (p->net[0].name, "eth0");
  ck_assert (p->net[0].up);
  ck_assert_uint_eq (p->cgroup.memory_max.v, 256u << 20);
  ck_assert (!p->cgroup.pids_max.set);
  ck_assert_uint_eq (p->n_mounts, 1);
  ck_assert_str_eq (p->mounts[0].source, "/tmp/mgr-test/web/data");
  ck_assert (p->mounts[0].options.bind && p->mounts[0].options.create == MGR_CREATE_DIR);
  /* Default drop list: sys_module (16) is gone, chown (0) stays. */
  ck_assert (!(p->caps.effective & (1ull << 16)));
  ck_assert (p->caps.effective & 1ull);
  g_autofree char *json = mgr_plan_to_json (p);
  ck_assert (strstr (json, "\"memory.max\": 268435456"));
  g_autofree char *text = mgr_plan_to_text (p);
  ck_assert (strstr (text, "memory.max = 256M"));
}
END_TEST

START_TEST (test_unknown_key_suggests)
{
  assert_load_fails ("[cgroup]\nmemory.limit = 1G\n", "/tmp/mgr-test/web/config:2: [cgroup] memory.limit",
                     "unknown key", "did you mean memory.max?");
  assert_load_fails ("[contaner]\nrootfs = x\n", "config:1: [contaner]", "unknown section", "[container]");
}
END_TEST

START_TEST (test_bad_values_named)
{
  assert_load_fails ("[cgroup]\nmemory.max = 256Q\n", "config:2: [cgroup] memory.max", "'256Q'",
                     "unknown unit", "expected bytes with an optional K, M, G or T suffix");
  assert_load_fails ("[container]\n\nstop.signal = SIGTERMINATE\n", "config:3: [container] stop.signal",
                     "unknown signal", "SIGPWR");
  assert_load_fails ("[id_map]\nuid = 0 100000 65536, 10 300000 5\ngid = 0 100000 65536\n", "[id_map] uid",
                     "overlap");
}
END_TEST

START_TEST (test_cross_field)
{
  assert_load_fails ("[capabilities]\ndrop = sys_time\nkeep = chown\n", "[capabilities] keep",
                     "conflicts with [capabilities] drop");
  assert_load_fails ("[network eth0]\ntype = veth\n", "[network eth0] type", "veth needs link");
  assert_load_fails ("[network eth0]\ntype = macvlan\n", "macvlan needs link");
  assert_load_fails ("[network eth0]\ntype = empty\nipv4 = 10.0.0.2/24\n", "[network eth0] ipv4",
                     "no effect with type = empty");
  assert_load_fails ("[network eth0]\ntype = none\n[network eth1]\ntype = empty\n", "must be the only");
  assert_load_fails ("[network eth0]\nlink = br0\nipv4.gateway = 10.0.0.1\n", "needs an address");
  assert_load_fails ("[id_map]\nuid = 0 100000 65536\n", "[id_map] gid", "missing");
  assert_load_fails ("[container]\nuid = 70000\n[id_map]\nuid = 0 100000 65536\ngid = 0 100000 65536\n",
                     "[container] uid", "not mapped");
  assert_load_fails ("[mount data]\nsource = /srv\n", "[mount data]", "target: missing");
  assert_load_fails ("[mount data]\ntarget = /x\noptions = bind\n", "source: missing");
  assert_load_fails ("[mount data]\ntarget = /x\n", "type: missing");
  assert_load_fails ("[network eth0/1]\ntype = empty\n", "not an interface name");
}
END_TEST

START_TEST (test_keep_replaces_default_drop)
{
  g_autoptr (GError) e = NULL;
  g_autoptr (MgrPlan) p = load_text ("[capabilities]\nkeep = chown kill\n", &e);
  ck_assert_msg (p != NULL, "%s", e ? e->message : "");
  ck_assert_uint_eq (p->caps.effective, (1ull << 0) | (1ull << 5));
  ck_assert (!p->caps.drop.set);
}
END_TEST

START_TEST (test_syntax_and_duplicates)
{
  assert_load_fails ("[container]\nrootfs = a\nrootfs = b\n", "line 3", "set twice (first at line 2)");
  assert_load_fails ("rootfs = a\n", "line 1", "before any [section]");
  assert_load_fails ("[container]\njust words\n", "line 2", "not 'key = value'");
  assert_load_fails ("[cgroup]\n[cgroup]\n", "appears twice");
  assert_load_fails ("[container\n", "not a [section] header");
}
END_TEST

START_TEST (test_all_errors_at_once)
{
  g_autoptr (GError) e = NULL;
  g_autoptr (MgrPlan) p = load_text ("[cgroup]\nmemory.limit = 1G\npids.max = lots\n[bogus]\n", &e);
  ck_assert_ptr_null (p);
  ck_assert (strstr (e->message, "memory.limit") && strstr (e->message, "pids.max") && strstr (e->message, "[bogus]"));
  ck_assert_int_eq (e->code, MGR_ERROR_UNKNOWN_KEY);
}
END_TEST

START_TEST (test_not_text)
{
  g_autoptr (GError) e = NULL;
  MgrLoadOptions o = { 0 };
  g_autoptr (MgrPlan) p = mgr_plan_load_data ("[container]\0x", 13, "/x/config", &o, &e);
  ck_assert_ptr_null (p);
  ck_assert (strstr (e->message, "not a text file"));
}
END_TEST

START_TEST (test_defaults_and_overrides)
{
  char *dir = tmpdir_new ();
  g_autofree char *defaults = write_tmp (dir, "default.conf",
                                         "[container]\nstop.timeout = 5s\n[cgroup]\npids.max = 100\n"
                                         "[network eth9]\ntype = empty\n");
  g_autofree char *cfg = write_tmp (dir, "config", "[container]\nstop.timeout = 7s\n");
  const char *ovr[] = { "cgroup.memory.max=64M", "container.hostname=other", NULL };
  MgrLoadOptions o = { .name = "web", .defaults_path = defaults, .overrides = ovr };
  g_autoptr (GError) e = NULL;
  g_autoptr (MgrPlan) p = mgr_plan_load (cfg, &o, &e);
  ck_assert_msg (p != NULL, "%s", e ? e->message : "");
  ck_assert_uint_eq (p->container.stop_timeout.v, 7000); /* the file beats default.conf */
  ck_assert_uint_eq (p->cgroup.pids_max.v, 100);         /* default.conf beats the table */
  ck_assert_uint_eq (p->cgroup.memory_max.v, 64u << 20);  /* -s */
  ck_assert_str_eq (p->container.hostname, "other");
  ck_assert_uint_eq (p->n_net, 0); /* named sections of default.conf are mgr-create's */
  g_clear_pointer (&p, mgr_plan_free);

  /* A bad default.conf is named as such. */
  g_free (write_tmp (dir, "default.conf", "[cgroup]\npids.max = many\n"));
  p = mgr_plan_load (cfg, &(MgrLoadOptions){ .defaults_path = defaults }, &e);
  ck_assert_ptr_null (p);
  ck_assert (strstr (e->message, "default.conf") && strstr (e->message, "pids.max"));
  g_clear_error (&e);

  const char *bad[] = { "cgroup.memory.limit=1G", NULL };
  p = mgr_plan_load (cfg, &(MgrLoadOptions){ .overrides = bad }, &e);
  ck_assert_ptr_null (p);
  ck_assert (strstr (e->message, "-s cgroup.memory.limit=1G") && strstr (e->message, "memory.max"));
  tmpdir_free (dir);
}
END_TEST

START_TEST (test_unprivileged_user)
{
  char *dir = tmpdir_new ();
  g_autofree char *subuid = write_tmp (dir, "subuid", "other:500000:65536\nanna:200000:65536\n");
  g_autofree char *subgid = write_tmp (dir, "subgid", "anna:300000:65536\n");
  MgrLoadOptions o = { .name = "web", .unprivileged = true, .user = "anna", .uid = 1000, .gid = 1000,
                       .subuid = subuid, .subgid = subgid };
  g_autoptr (GError) e = NULL;
  g_autoptr (MgrPlan) p = mgr_plan_load_data ("[container]\n", -1, "/h/web/config", &o, &e);
  ck_assert_ptr_null (p);
  ck_assert (strstr (e->message, "[id_map]: missing"));
  g_clear_error (&e);

  p = mgr_plan_load_data ("[id_map]\nuid = 0 200000 65536\ngid = 0 300000 1000, 1000 1000 1\n", -1,
                          "/h/web/config", &o, &e);
  ck_assert_msg (p != NULL, "%s", e ? e->message : "");
  g_clear_pointer (&p, mgr_plan_free);

  p = mgr_plan_load_data ("[id_map]\nuid = 0 500000 65536\ngid = 0 300000 65536\n", -1, "/h/web/config", &o, &e);
  ck_assert_ptr_null (p);
  ck_assert_msg (strstr (e->message, "[id_map] uid") && strstr (e->message, "not in anna's ranges")
                 && strstr (e->message, "0 200000 65536"), "%s", e->message);
  g_clear_error (&e);

  o.user = "bob";
  p = mgr_plan_load_data ("[id_map]\nuid = 0 200000 65536\ngid = 0 300000 65536\n", -1, "/h/web/config", &o, &e);
  ck_assert_ptr_null (p);
  ck_assert (strstr (e->message, "usermod --add-subuids"));
  tmpdir_free (dir);
}
END_TEST

START_TEST (test_key_paths)
{
  MgrKeyPath kp;
  ck_assert (mgr_key_path_parse ("cgroup.memory.max", &kp, NULL));
  ck_assert_str_eq (kp.group, "cgroup");
  ck_assert_str_eq (kp.key->key, "memory.max");
  mgr_key_path_clear (&kp);
  ck_assert (mgr_key_path_parse ("network.eth0.100.ipv4.gateway", &kp, NULL));
  ck_assert_str_eq (kp.group, "network eth0.100");
  ck_assert_str_eq (kp.key->key, "ipv4.gateway");
  mgr_key_path_clear (&kp);
  ck_assert (mgr_key_path_parse ("mount.data", &kp, NULL));
  ck_assert_ptr_null (kp.key);
  ck_assert_str_eq (kp.group, "mount data");
  mgr_key_path_clear (&kp);
  g_autoptr (GError) e = NULL;
  ck_assert (!mgr_key_path_parse ("cgroups.memory.max", &kp, &e));
  ck_assert (strstr (e->message, "[cgroup]"));
  g_clear_error (&e);
  ck_assert (!mgr_key_path_parse ("cgroup.memory.limit", &kp, &e));
  ck_assert (strstr (e->message, "did you mean memory.max"));
}
END_TEST

static Suite *
loader_suite (void)
{
  Suite *s = suite_create ("loader");
  TCase *tc = tcase_create ("load");
  tcase_add_test (tc, test_good_config);
  tcase_add_test (tc, test_unknown_key_suggests);
  tcase_add_test (tc, test_bad_values_named);
  tcase_add_test (tc, test_cross_field);
  tcase_add_test (tc, test_keep_replaces_default_drop);
  tcase_add_test (tc, test_syntax_and_duplicates);
  tcase_add_test (tc, test_all_errors_at_once);
  tcase_add_test (tc, test_not_text);
  tcase_add_test (tc, test_defaults_and_overrides);
  tcase_add_test (tc, test_unprivileged_user);
  tcase_add_test (tc, test_key_paths);
  suite_add_tcase (s, tc);
  return s;
}

RUN_SUITE (loader_suite)
