/*
 * allocation_witness.c — an allocator interposer preloaded *after* the tracker
 * (LD_PRELOAD="libworkshop_tracker.so liballocation_witness.so"). The tracker's real functions
 * (dlsym RTLD_NEXT) are then this library's, so it sees every allocation the tracker passes on to
 * the allocator, from the process's first to its last, whether the tracker recorded it or not:
 * an independent count to hold the capture against. It reaches glibc through its exported
 * __libc_* entry points, so it never calls dlsym and never allocates itself, and no function of it
 * calls another through the PLT (which would go back through the tracker).
 *
 * At exit it writes "ALLOCATIONS BYTES" (a realloc counts as one allocation of its new size, as
 * the capture counts it) to the file named by ALLOCATION_WITNESS_OUT.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

extern void *__libc_malloc(size_t);
extern void *__libc_calloc(size_t, size_t);
extern void *__libc_realloc(void *, size_t);
extern void *__libc_memalign(size_t, size_t);
extern void *__libc_valloc(size_t);
extern void *__libc_pvalloc(size_t);
extern void __libc_free(void *);

static unsigned long allocations, bytes;

static void *counted(void *block, size_t size) {
  if (block != NULL) {
    __atomic_fetch_add(&allocations, 1, __ATOMIC_RELAXED);
    __atomic_fetch_add(&bytes, size, __ATOMIC_RELAXED);
  }
  return block;
}

void *malloc(size_t size) { return counted(__libc_malloc(size), size); }
void *calloc(size_t count, size_t size) { return counted(__libc_calloc(count, size), count * size); }
void *realloc(void *block, size_t size) { return counted(__libc_realloc(block, size), size); }
void free(void *block) { __libc_free(block); }
void *memalign(size_t alignment, size_t size) { return counted(__libc_memalign(alignment, size), size); }
void *aligned_alloc(size_t alignment, size_t size) { return counted(__libc_memalign(alignment, size), size); }
void *valloc(size_t size) { return counted(__libc_valloc(size), size); }
void *pvalloc(size_t size) { return counted(__libc_pvalloc(size), size); }

void *reallocarray(void *block, size_t count, size_t size) {
  size_t total;
  if (__builtin_mul_overflow(count, size, &total)) {
    errno = ENOMEM;
    return NULL;
  }
  return counted(__libc_realloc(block, total), total);
}

int posix_memalign(void **result, size_t alignment, size_t size) {
  if (alignment % sizeof(void *) != 0 || (alignment & (alignment - 1)) != 0)
    return EINVAL;
  void *block = counted(__libc_memalign(alignment, size), size);
  if (block == NULL)
    return ENOMEM;
  *result = block;
  return 0;
}

/* Runs after the program's own destructors and the tracker's END (a destructor of a library
   preloaded later runs earlier only if the program's exit path is unusual: the test says so). */
__attribute__((destructor)) static void write_counts(void) {
  const char *path = getenv("ALLOCATION_WITNESS_OUT");
  if (path == NULL)
    return;
  char line[64];
  int length = snprintf(line, sizeof line, "%lu %lu\n", allocations, bytes);
  int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0644);
  if (fd >= 0) {
    (void)!write(fd, line, (size_t)length);
    close(fd);
  }
}
