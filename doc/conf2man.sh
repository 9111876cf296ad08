#!/bin/sh
# mgr.conf(5) from the shipped config/mgr.conf, whose comments document
# every setting next to its default: the page cannot miss a setting the
# shipped file shows. Usage: conf2man.sh MGR.CONF VERSION SYSCONFDIR
conf=$1 version=$2 sysconfdir=$3
cat <<HEAD
.TH MGR.CONF 5 "" "mgr $version" "File Formats"
.SH NAME
mgr.conf \- system settings of mgr
.SH SYNOPSIS
.I $sysconfdir/mgr/mgr.conf
.br
.I ~/.config/mgr/mgr.conf
.SH DESCRIPTION
System settings of mgr, in libconfig's syntax
.RI ( "name = value;" ,
strings in double quotes, comments after #).
An ordinary user's ~/.config/mgr/mgr.conf overrides the system file for that
user. An unknown setting or a value of the wrong type is an error that names
the file, the line and the setting.
.SH SETTINGS
HEAD
# Comment lines gather into the help of the next "#name = default;" line;
# a blank line ends a paragraph. The file's own header (up to the first
# blank line) is left out: the page says it above.
awk '
  function esc(s) { gsub(/\\/, "\\e", s); gsub(/-/, "\\-", s); if (s ~ /^[.\x27]/) s = "\\&" s; return s }
  NR == 1, /^$/ { next }
  /^#[a-z_][a-z0-9_]* *=/ {
    line = substr($0, 2); name = line; sub(/ *=.*/, "", name)
    val = line; sub(/^[^=]*= */, "", val); sub(/; *$/, "", val)
    printf ".TP\n.B %s\ndefault: %s\n.br\n", esc(name), esc(val)
    for (i = 0; i < n; i++) print esc(help[i])
    n = 0; next
  }
  /^#/ { t = $0; sub(/^# ?/, "", t); help[n++] = t; next }
  /^$/ { n = 0; next }
' "$conf"
cat <<TAIL
.SH FILES
.TP
.I $sysconfdir/mgr/mgr.conf
.TP
.I $sysconfdir/mgr/default.conf
keys merged into every new container's config (the format of
.BR mgr.container.conf (5))
.SH SEE ALSO
.BR mgr (1),
.BR mgr.container.conf (5),
.BR mgr\-seccomp (5)
TAIL
