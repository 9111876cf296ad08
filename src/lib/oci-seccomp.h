/* The seccomp profile of mgr-oci spec's config.json. */
#pragma once

#include <json-glib/json-glib.h>

/* linux.seccomp equivalent to config/seccomp/default.profile (a new node). */
JsonNode *mgr_oci_default_seccomp (void);
