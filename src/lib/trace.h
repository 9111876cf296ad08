/* MGR_TRACE: where the time of a start goes, step by step.
 *
 * MGR_TRACE=1 prints one line per step to stderr:
 *   mgr-trace PID MONOTONIC_US +SINCE_PREVIOUS_US WHAT
 * MONOTONIC_US is CLOCK_MONOTONIC in microseconds, the same clock in every
 * process, so the lines of mgr-start, its monitor and the container's first
 * process sort into one timeline. A daemonized monitor has no terminal: it
 * sends its lines (and the container's first process its own) to mgr-start
 * through the status pipe, which prints them, up to the start's report.
 * MGR_TRACE=/absolute/path appends the lines to that file instead, from
 * every process, for as long as they live (teardown included).
 *
 * Safe between clone and exec: no GLib, no allocation (a stack buffer and
 * write(2)). */
#pragma once
#include <stdbool.h>

/* Whether tracing is on (MGR_TRACE is set and not empty or "0"). */
bool mgr_trace_on (void);

/* One line, if tracing is on. */
void mgr_trace (const char *fmt, ...) __attribute__ ((format (printf, 1, 2)));

/* Sends this process's lines to fd (the monitor's status pipe) instead of
 * stderr, when MGR_TRACE=1; -1 stops them (the pipe is closed). A file given
 * in MGR_TRACE keeps its lines. */
void mgr_trace_redirect (int fd);

/* The prefix that marks a trace line on the status pipe. */
#define MGR_TRACE_PREFIX "mgr-trace "
