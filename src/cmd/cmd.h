/* What every command shares: finding a container, reporting errors, exit codes.
 * Commands alone print and choose exit codes (0 ok, 1 failure, 2 bad usage). */
#pragma once
#include <glib.h>

#include "lib/loader.h"
#include "lib/runtime.h"
#include "lib/settings.h"

enum { MGR_EXIT_OK = 0, MGR_EXIT_FAIL = 1, MGR_EXIT_USAGE = 2 };

typedef struct {
  const char *name;
  int (*main) (int argc, char **argv);
  const char *summary;
} MgrCommand;

extern const MgrCommand mgr_commands[];

int mgr_cmd_config (int argc, char **argv);

/* --version: the version and the features built in. Returns MGR_EXIT_OK. */
int mgr_print_version (void);

/* The manual page of the running verb, from its option context, in groff. */
void mgr_print_manpage (GOptionContext *ctx);
/* mgr(1). */
void mgr_print_main_manpage (void);

/* Prints "PROG: message" (each line of a multi-line error) and returns the
 * exit code that fits the error. */
int mgr_report (GError *error);

/* Parses options; on a usage error prints it with a hint and returns FALSE. */
gboolean mgr_parse_options (GOptionContext *ctx, int *argc, char ***argv, int *exit_code);

/* The container called name under -P path (or the caller's default folder). */
typedef struct {
  MgrPaths *paths;
  MgrSettings *settings;
  char *name;
  char *dir;
  char *config;
} MgrContainerRef;

gboolean mgr_container_ref (MgrContainerRef *ref, const char *name, const char *lxcpath,
                            gboolean must_exist, GError **error);
void mgr_container_ref_clear (MgrContainerRef *ref);

/* Load options for ref's container, with overrides ("section.key=value"). */
void mgr_container_load_options (const MgrContainerRef *ref, MgrLoadOptions *o,
                                 const char *const *overrides);

/* A container named on the command line, with its runtime paths and state. */
typedef struct {
  MgrContainerRef ref;
  MgrRuntimePaths rt;
  MgrStatus st;
} MgrContainer;

gboolean mgr_container_open (MgrContainer *c, const char *name, const char *lxcpath, gboolean must_exist,
                             GError **error);
void mgr_container_close (MgrContainer *c);

/* The names of the containers in a folder (folders holding a config),
 * sorted. */
GPtrArray *mgr_container_names (const char *containers);

/* Loads and validates the container's plan. */
MgrPlan *mgr_container_plan (const MgrContainerRef *ref, const char *const *overrides, GError **error);

/* The container's runtime paths. */
void mgr_container_runtime (const MgrContainerRef *ref, MgrRuntimePaths *rt);

/* Common options: -n, -P, --version. */
#define MGR_COMMON_OPTIONS(name, path, version)                                                        \
  { "name", 'n', 0, G_OPTION_ARG_STRING, name, "the container", "NAME" },                              \
  { "lxcpath", 'P', 0, G_OPTION_ARG_FILENAME, path, "the folder of containers", "PATH" },             \
  { "version", 0, 0, G_OPTION_ARG_NONE, version, "print the version", NULL }

/* Parses a command's options (PARAMS and SUMMARY for --help), handles
 * --version and a missing -n. Returns -1 to go on, or the exit code. */
int mgr_command_options (int *argc, char ***argv, const GOptionEntry *entries, const char *params,
                         const char *summary, const gboolean *version, char *const *name, gboolean need_name);

/* --format: NULL or "text" (FALSE) or "json" (TRUE); -1 after a usage error. */
int mgr_format_json (const char *format);

int mgr_cmd_start (int argc, char **argv);
int mgr_cmd_monitor_resume (int argc, char **argv);
int mgr_cmd_stop (int argc, char **argv);
int mgr_cmd_attach (int argc, char **argv);
int mgr_cmd_execute (int argc, char **argv);
int mgr_cmd_console (int argc, char **argv);
int mgr_cmd_info (int argc, char **argv);
int mgr_cmd_ls (int argc, char **argv);
int mgr_cmd_destroy (int argc, char **argv);
int mgr_cmd_create (int argc, char **argv);
int mgr_cmd_freeze (int argc, char **argv);
int mgr_cmd_unfreeze (int argc, char **argv);
int mgr_cmd_usernsexec (int argc, char **argv);
int mgr_cmd_checkconfig (int argc, char **argv);
int mgr_cmd_image_meta (int argc, char **argv);
int mgr_cmd_autostart (int argc, char **argv);
int mgr_cmd_net (int argc, char **argv);
