#include "config.h"

#include <sys/wait.h>

#include "hooks.h"
#include "mgr-error.h"

char **
mgr_hook_env (const MgrPlan *plan, const char *type, pid_t pid)
{
  char **env = NULL;
  env = g_environ_setenv (env, "PATH", "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin", TRUE);
  env = g_environ_setenv (env, "MGR_NAME", plan->name ? plan->name : "", TRUE);
  env = g_environ_setenv (env, "MGR_CONFIG_FILE", plan->config_path, TRUE);
  env = g_environ_setenv (env, "MGR_ROOTFS_PATH", plan->container.rootfs, TRUE);
  env = g_environ_setenv (env, "MGR_ROOTFS_MOUNT", plan->container.rootfs, TRUE);
  env = g_environ_setenv (env, "MGR_HOOK_TYPE", type, TRUE);
  if (pid > 0)
    {
      g_autofree char *p = g_strdup_printf ("%d", pid);
      env = g_environ_setenv (env, "MGR_PID", p, TRUE);
    }
  return env;
}

gboolean
mgr_hook_run (const MgrPlan *plan, const char *type, char *const *argv, pid_t pid, GError **error)
{
  g_auto (GStrv) env = mgr_hook_env (plan, type, pid);
  g_autofree char *err_out = NULL;
  g_autoptr (GError) local = NULL;
  int status;
  if (!argv)
    return TRUE;
  if (!g_spawn_sync ("/", (char **) argv, env, G_SPAWN_STDOUT_TO_DEV_NULL | G_SPAWN_STDIN_FROM_DEV_NULL, NULL, NULL,
                     NULL, &err_out, &status, &local))
    {
      g_set_error (error, MGR_ERROR, MGR_ERROR_FAILED, "[hooks] %s: running %s: %s", type, argv[0], local->message);
      return FALSE;
    }
  if (!g_spawn_check_wait_status (status, NULL))
    {
      g_strstrip (err_out);
      g_set_error (error, MGR_ERROR, MGR_ERROR_FAILED, "[hooks] %s: %s failed (%s %d)%s%s", type, argv[0],
                   WIFEXITED (status) ? "exit status" : "signal",
                   WIFEXITED (status) ? WEXITSTATUS (status) : WTERMSIG (status), *err_out ? ": " : "", err_out);
      return FALSE;
    }
  return TRUE;
}
