/*
 * process_launch.h — the two GNU posix_spawn file actions that Swift's Glibc module does not show
 * (glibc declares them only under _GNU_SOURCE). process_launch.c defines it and forwards.
 */
#ifndef WORKSHOP_PROCESS_LAUNCH_H
#define WORKSHOP_PROCESS_LAUNCH_H

#include <spawn.h>

/// Closes every descriptor from `lowest` up in the child (posix_spawn_file_actions_addclosefrom_np).
int workshop_spawn_close_from(posix_spawn_file_actions_t *actions, int lowest);

/// Changes the child's working folder to `path` (posix_spawn_file_actions_addchdir_np).
int workshop_spawn_change_directory(posix_spawn_file_actions_t *actions, const char *path);

/// Starts `path` with fork and execve for a helper that must not outlive us or grow without bound:
/// in the child, SIGKILL arrives when the parent dies (PR_SET_PDEATHSIG), the address space is
/// bounded to `address_space_bytes` (0: unbounded), descriptors `input`, `output` and `error_output`
/// become 0, 1 and 2 and every other descriptor is closed, every signal is unblocked and at its
/// default, and the child leads a process group of its own. Returns the pid, or -1 with `*error` set
/// to the errno of the step that failed (execve's included).
int workshop_spawn_bounded(const char *path, char *const argv[], char *const envp[], int input, int output,
                           int error_output, unsigned long long address_space_bytes, int *error);

#endif
