/*
 * descriptor.c — descriptors of the tracker's own that the program cannot take away.
 *
 * Programs close descriptors they did not open: daemons and shells close everything above 2,
 * with a loop up to the descriptor limit or with close_range(). The tracker's descriptors (the
 * capture, /proc/self/statm) therefore live high, above the numbers programs use, and are
 * checked (fstat: same device and inode) before each use, at most once per flush. A descriptor
 * found closed, or found naming another file (the program reused the number), is reopened by
 * path; a number that is no longer ours is never closed.
 */
#define _GNU_SOURCE
#include "tracker_internal.h"

#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <unistd.h>

/* The lowest number a tracker descriptor takes: 1000, or just under a smaller soft limit. */
static int high_floor(void) {
  struct rlimit limit;
  if (getrlimit(RLIMIT_NOFILE, &limit) != 0 || limit.rlim_cur >= 1024)
    return 1000;
  return limit.rlim_cur > 32 ? (int)limit.rlim_cur - 24 : 3;
}

int descriptor_move_high(int fd) {
  if (fd < 0)
    return fd;
  int high = fcntl(fd, F_DUPFD_CLOEXEC, high_floor());
  if (high < 0) {
    fcntl(fd, F_SETFD, FD_CLOEXEC);
    return fd;
  }
  close(fd);
  return high;
}

/* An absolute copy of `path` in the arena; NULL when it cannot be made. */
static char *absolute_copy(const char *path) {
  char cwd[PATH_MAX] = "";
  if (path[0] != '/' && !getcwd(cwd, sizeof cwd))
    return NULL;
  size_t length = strlen(cwd) + 1 + strlen(path) + 1;
  char *copy = arena_alloc(length, 1);
  if (copy)
    snprintf(copy, length, "%s%s%s", cwd, cwd[0] ? "/" : "", path);
  return copy;
}

void guarded_fd_init(guarded_fd *guarded, int fd, const char *path, int open_flags) {
  struct stat status;
  guarded->fd = fd;
  guarded->open_flags = open_flags;
  guarded->any_inode = false;
  guarded->path = NULL;
  if (fd < 0 || fstat(fd, &status) != 0) {
    guarded->fd = -1;
    return;
  }
  guarded->device = status.st_dev;
  guarded->inode = status.st_ino;
  char link[64], target[PATH_MAX];
  if (!path) {
    snprintf(link, sizeof link, "/proc/self/fd/%d", fd);
    ssize_t length = readlink(link, target, sizeof target - 1);
    if (length <= 0)
      return;
    target[length] = '\0';
    path = target;
  }
  guarded->path = absolute_copy(path);
}

int guarded_fd_get(guarded_fd *guarded) {
  struct stat status;
  if (guarded->fd >= 0 && fstat(guarded->fd, &status) == 0 && status.st_dev == guarded->device &&
      status.st_ino == guarded->inode)
    return guarded->fd;
  guarded->fd = -1; /* closed, or the program's own file now: not ours to close */
  if (!guarded->path)
    return -1;
  int fd = open(guarded->path, guarded->open_flags | O_CLOEXEC);
  if (fd < 0)
    return -1;
  if (fstat(fd, &status) != 0 || (!guarded->any_inode && (status.st_dev != guarded->device ||
                                                           status.st_ino != guarded->inode))) {
    close(fd);
    guarded->path = NULL; /* another file has the name now: never write there */
    return -1;
  }
  guarded->device = status.st_dev;
  guarded->inode = status.st_ino;
  guarded->fd = descriptor_move_high(fd);
  return guarded->fd;
}

void guarded_fd_open_proc(guarded_fd *guarded, const char *path) {
  guarded_fd_init(guarded, descriptor_move_high(open(path, O_RDONLY | O_CLOEXEC)), path, O_RDONLY);
  guarded->any_inode = true;
}

void guarded_fd_close(guarded_fd *guarded) {
  struct stat status;
  if (guarded->fd >= 0 && fstat(guarded->fd, &status) == 0 && status.st_dev == guarded->device &&
      status.st_ino == guarded->inode)
    close(guarded->fd);
  guarded->fd = -1;
  guarded->path = NULL;
}
