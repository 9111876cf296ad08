#include "config.h"

#include <string.h>

#include "caps.h"
#include "keys.h"
#include "plan.h"
#include "util.h"

static void
clear_section (MgrSection section, void *s)
{
  for (size_t i = 0; i < mgr_n_keys; i++)
    if (mgr_keys[i].section == section)
      mgr_keys[i].type->clear (mgr_key_field (&mgr_keys[i], s));
}

void
mgr_plan_free (MgrPlan *plan)
{
  if (!plan)
    return;
  for (int s = 0; s < MGR_SEC_COUNT; s++)
    if (!mgr_sections[s].named)
      clear_section (s, mgr_plan_section (plan, s));
  for (guint i = 0; i < plan->n_net; i++)
    {
      clear_section (MGR_SEC_NETWORK, &plan->net[i]);
      g_free (plan->net[i].name);
    }
  for (guint i = 0; i < plan->n_mounts; i++)
    {
      clear_section (MGR_SEC_MOUNT, &plan->mounts[i]);
      g_free (plan->mounts[i].name);
    }
  g_free (plan->net);
  g_free (plan->mounts);
  struct mgr_oci_settings *o = &plan->oci;
  g_free (o->id);
  for (int i = 0; i < MGR_NS_COUNT; i++)
    g_free (o->ns_join[i]);
  g_strfreev (o->masked);
  g_strfreev (o->readonly);
  for (guint i = 0; i < o->n_devices; i++)
    g_free (o->devices[i].path);
  g_free (o->devices);
  g_strfreev (o->sysctl);
  g_free (o->groups);
  g_free (o->cgroups_path);
  g_free (o->apparmor);
  g_free (o->domainname);
  g_strfreev (o->annotations);
  struct { struct mgr_oci_hook *v; guint n; } hooks[] = { { o->create_container, o->n_create_container },
                                                         { o->start_container, o->n_start_container } };
  for (size_t h = 0; h < G_N_ELEMENTS (hooks); h++)
    {
      for (guint i = 0; i < hooks[h].n; i++)
        {
          g_free (hooks[h].v[i].path);
          g_strfreev (hooks[h].v[i].args);
          g_strfreev (hooks[h].v[i].env);
        }
      g_free (hooks[h].v);
    }
  g_free (plan->name);
  g_free (plan->dir);
  g_free (plan->config_path);
  g_free (plan);
}

static void
text_section (GString *out, MgrSection section, const char *name, const void *s)
{
  if (name)
    g_string_append_printf (out, "\n[%s %s]\n", mgr_sections[section].name, name);
  else
    g_string_append_printf (out, "\n[%s]\n", mgr_sections[section].name);
  for (size_t i = 0; i < mgr_n_keys; i++)
    {
      const struct mgr_key *k = &mgr_keys[i];
      if (k->section != section)
        continue;
      g_autofree char *v = k->type->format (k, mgr_key_field (k, (void *) s));
      if (v)
        g_string_append_printf (out, "%s = %s\n", k->key, v);
    }
}

char *
mgr_plan_to_text (const MgrPlan *plan)
{
  GString *out = g_string_new (NULL);
  guint32 root = 0;

  g_string_append_printf (out, "# plan for %s (%s)\n", plan->name ? plan->name : plan->dir,
                          plan->config_path);
  if (plan->user_namespace && mgr_idmap_to_host (&plan->id_map.uid, 0, &root))
    g_string_append_printf (out, "# user namespace: yes, container root is host uid %u\n", root);
  else
    g_string_append_printf (out, "# user namespace: %s\n",
                            plan->user_namespace ? "yes, container root is unmapped"
                                                 : "no (privileged: container root is host root)");
  g_string_append_printf (out, "# network: %s\n",
                          plan->share_host_net ? "the host's"
                          : plan->n_net        ? "own namespace with the interfaces below and lo"
                                               : "own namespace with lo only");
  guint64 host = mgr_caps_host_bounding ();
  g_autofree char *caps = mgr_caps_format (plan->caps.effective & host);
  g_string_append_printf (out, "# capabilities kept: %s\n", caps);
  if (plan->caps.effective & ~host)
    {
      g_autofree char *lack = mgr_caps_format (plan->caps.effective & ~host);
      g_string_append_printf (out, "# not in this host's bounding set, so no container here has them: %s\n", lack);
    }

  for (int s = 0; s < MGR_SEC_COUNT; s++)
    {
      if (s == MGR_SEC_NETWORK)
        for (guint i = 0; i < plan->n_net; i++)
          text_section (out, s, plan->net[i].name, &plan->net[i]);
      else if (s == MGR_SEC_MOUNT)
        for (guint i = 0; i < plan->n_mounts; i++)
          text_section (out, s, plan->mounts[i].name, &plan->mounts[i]);
      else
        text_section (out, s, NULL, mgr_plan_section ((MgrPlan *) plan, s));
    }
  return g_string_free (out, FALSE);
}

static void
json_section (GString *out, MgrSection section, const char *name, const void *s)
{
  bool first = true;
  g_string_append_c (out, '{');
  if (name)
    {
      g_string_append (out, "\"name\": ");
      mgr_json_string (out, name);
      first = false;
    }
  for (size_t i = 0; i < mgr_n_keys; i++)
    {
      const struct mgr_key *k = &mgr_keys[i];
      if (k->section != section)
        continue;
      g_autofree char *v = k->type->json (k, mgr_key_field (k, (void *) s));
      if (!v)
        continue;
      g_string_append (out, first ? "" : ", ");
      mgr_json_string (out, k->key);
      g_string_append_printf (out, ": %s", v);
      first = false;
    }
  g_string_append_c (out, '}');
}

char *
mgr_plan_to_json (const MgrPlan *plan)
{
  GString *out = g_string_new ("{\"name\": ");
  if (plan->name)
    mgr_json_string (out, plan->name);
  else
    g_string_append (out, "null");
  g_string_append (out, ", \"dir\": ");
  mgr_json_string (out, plan->dir);
  g_string_append (out, ", \"config\": ");
  mgr_json_string (out, plan->config_path);
  g_string_append_printf (out, ", \"user_namespace\": %s, \"host_network\": %s",
                          plan->user_namespace ? "true" : "false",
                          plan->share_host_net ? "true" : "false");
  g_autofree char *caps = mgr_caps_format (plan->caps.effective);
  g_string_append (out, ", \"capabilities_kept\": ");
  mgr_json_string (out, caps);
  for (int s = 0; s < MGR_SEC_COUNT; s++)
    {
      g_string_append (out, ", ");
      mgr_json_string (out, mgr_sections[s].name);
      g_string_append (out, ": ");
      if (mgr_sections[s].named)
        {
          guint n = s == MGR_SEC_NETWORK ? plan->n_net : plan->n_mounts;
          g_string_append_c (out, '[');
          for (guint i = 0; i < n; i++)
            {
              if (i)
                g_string_append (out, ", ");
              if (s == MGR_SEC_NETWORK)
                json_section (out, s, plan->net[i].name, &plan->net[i]);
              else
                json_section (out, s, plan->mounts[i].name, &plan->mounts[i]);
            }
          g_string_append_c (out, ']');
        }
      else
        json_section (out, s, NULL, mgr_plan_section ((MgrPlan *) plan, s));
    }
  g_string_append (out, "}\n");
  return g_string_free (out, FALSE);
}
