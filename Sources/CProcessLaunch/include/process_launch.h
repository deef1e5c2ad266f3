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

#endif
