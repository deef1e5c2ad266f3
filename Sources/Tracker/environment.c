/*
 * environment.c — reading and changing the environment without libc's getenv/setenv/unsetenv.
 *
 * A program may define those functions itself, and then the tracker's calls bind to the
 * program's. bash does: before its main() runs, its unsetenv() edits bash's own variable table
 * (still empty), not `environ`, so a tracker that "removed" LD_PRELOAD with unsetenv() left it
 * in `environ`, bash imported it, and every child of a bash script started the tracker again.
 * So the tracker edits `environ` itself: entries are removed in place (as glibc does) and an
 * added entry, or a grown array, comes from the arena. glibc's setenv() copes with an `environ`
 * it did not allocate (it copies it before growing it).
 */
#define _GNU_SOURCE
#include "tracker_internal.h"

#include <dlfcn.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

extern char **environ;

/* The value if `entry` is "name=value". */
static const char *value_of(const char *entry, const char *name, size_t length) {
  return strncmp(entry, name, length) == 0 && entry[length] == '=' ? entry + length + 1 : NULL;
}

const char *environment_value(const char *name) {
  size_t length = strlen(name);
  for (char **entry = environ; entry && *entry; entry++) {
    const char *value = value_of(*entry, name, length);
    if (value)
      return value;
  }
  return NULL;
}

void environment_remove(const char *name) {
  if (!environ)
    return;
  size_t length = strlen(name);
  char **kept = environ;
  for (char **entry = environ; *entry; entry++)
    if (!value_of(*entry, name, length))
      *kept++ = *entry;
  *kept = NULL;
}

void environment_set(const char *name, const char *value) {
  size_t name_length = strlen(name), value_length = strlen(value);
  char *text = arena_alloc(name_length + value_length + 2, 1);
  if (!text)
    return;
  memcpy(text, name, name_length);
  text[name_length] = '=';
  memcpy(text + name_length + 1, value, value_length + 1);
  size_t count = 0;
  for (char **entry = environ; entry && *entry; entry++, count++) {
    if (value_of(*entry, name, name_length)) {
      *entry = text;
      return;
    }
  }
  char **grown = arena_alloc((count + 2) * sizeof *grown, 16);
  if (!grown)
    return;
  if (count > 0)
    memcpy(grown, environ, count * sizeof *grown);
  grown[count] = text;
  grown[count + 1] = NULL;
  environ = grown;
}

/* ---- This library and LD_PRELOAD ---------------------------------------------------------- */

static char library_path[PATH_MAX];
static struct stat library_status;
static bool library_known;

/* dladdr() gives the name LD_PRELOAD used, which may be relative: made absolute once, at start,
   so that a program that changed directory before exec() still finds the library. */
static void know_library(void) {
  if (library_known)
    return;
  library_known = true;
  Dl_info self;
  if (!dladdr((void *)know_library, &self) || !self.dli_fname ||
      !realpath(self.dli_fname, library_path) || stat(library_path, &library_status) != 0)
    library_path[0] = '\0';
}

const char *tracker_library_path(void) {
  know_library();
  return library_path[0] ? library_path : NULL;
}

static bool is_this_library(const char *path) {
  struct stat status;
  return library_path[0] && stat(path, &status) == 0 && status.st_dev == library_status.st_dev &&
         status.st_ino == library_status.st_ino;
}

char *preload_without_self(const char *preload) {
  know_library();
  size_t length = strlen(preload);
  char *kept = arena_alloc(length + 1, 16);
  char *entry = arena_alloc(length + 1, 16);
  if (!kept || !entry)
    return NULL;
  size_t kept_length = 0;
  for (const char *start = preload; *start;) {
    size_t entry_length = strcspn(start, " :");
    memcpy(entry, start, entry_length);
    entry[entry_length] = '\0';
    if (entry_length > 0 && !is_this_library(entry)) {
      if (kept_length > 0)
        kept[kept_length++] = ' ';
      memcpy(kept + kept_length, entry, entry_length);
      kept_length += entry_length;
    }
    start += entry_length;
    start += *start != '\0';
  }
  kept[kept_length] = '\0';
  return kept_length > 0 ? kept : NULL;
}
