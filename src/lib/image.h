/* What comes from an image is untrusted: its config, its meta files, the
 * text it prints, the files it wants rewritten in its rootfs. */
#pragma once
#include <glib.h>
#include <stdbool.h>

#define MGR_IMAGE_META_MAX (1 << 20) /* the largest meta file read from an image */

/* Whether an image (or a template's output) may set [group] key to value.
 * The key table decides (MgrImageTrust): FALSE with the reason in *why
 * when the key could reach outside the container, or when a limit would
 * raise one this process has. */
gboolean mgr_image_key_allowed (const char *group, const char *key, const char *value, char **why);

/* Merges the untrusted INI file path (a template's output) into text, which
 * holds the administrator's layers so far: keys an image may not set are
 * left out with a line each in notes; a limit the administrator set stays
 * theirs; capability drops add to the administrator's (or the default)
 * drops. An absent file is no layer. */
gboolean mgr_image_merge_layer (char **text, const char *path, GPtrArray *notes, GError **error);

/* Reads name beneath the folder dirfd: a regular file reached without any
 * symbolic link, of at most max bytes. An absent file gives TRUE with
 * *contents NULL. what names the file in errors ("the image's meta/config"). */
gboolean mgr_image_read (int dirfd, const char *name, gsize max, const char *what, char **contents,
                         gsize *len, GError **error);

/* Replaces LXC_NAME, LXC_PATH and LXC_ROOTFS_PATH in the file rel beneath
 * the rootfs rootfd (opened with RESOLVE_BENEATH | RESOLVE_NO_SYMLINKS,
 * replaced by a new file renamed over it, with the old owner and mode).
 * An absent file is not an error. */
gboolean mgr_image_substitute (int rootfd, const char *rel, const char *name, const char *path,
                               const char *rootfs, GError **error);

/* text with every control character, invalid UTF-8 byte and backslash
 * escaped (C style), so that it can go to a terminal; newlines and tabs
 * stay. */
char *mgr_escape_text (const char *text, gssize len);
