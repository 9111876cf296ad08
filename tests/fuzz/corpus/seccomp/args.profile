default_action = "errno";
default_errno = 38;
rules = (
  { syscalls = [ "read", "write", "exit_group" ]; action = "allow"; },
  { syscalls = [ "personality" ]; action = "allow";
    args = ( { index = 0; op = "eq"; value = 0; }, { index = 1; op = "masked_eq"; value = 8; mask = 255; } ); },
  { syscalls = [ "clone" ]; action = "errno"; errno = "EPERM";
    args = ( { index = 0; op = "masked_eq"; value = 0x10000000; mask = 0x10000000; } ); }
);
privileged_rules = (
  { syscalls = [ "mount", "nosuchcall" ]; action = "kill"; },
  { syscalls = [ "umount2" ]; action = "log"; }
);
