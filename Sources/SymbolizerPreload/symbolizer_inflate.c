/*
 * Preloaded into llvm-symbolizer by workshop's reports (never into a program): zlib's uncompress()
 * through libdeflate, when libdeflate is installed.
 *
 * Why: a program's first report waits for llvm-symbolizer to load the C library's separate debug
 * information (libc6-dbg's), whose sections are zlib-compressed, and llvm-symbolizer inflates every
 * one of them (about 20 MB) before its first answer: two thirds of its 45 ms were zlib. libdeflate
 * inflates a whole buffer at once, which is all uncompress() is asked for, in about a third of the
 * time, to the same bytes (DEFLATE is one format). Anything libdeflate cannot do (it is missing,
 * the data is damaged or larger than the buffer) goes to the real zlib, which answers as it always
 * did, errors included.
 *
 * It dlopen()s libdeflate rather than linking it, so that a machine without it still starts the
 * symbolizer; it links nothing else but libdl. Built by Scripts/build-symbolizer-preload.sh beside
 * the workshop executable; Sources/Symbols/LLVMSymbolizer.swift sets LD_PRELOAD.
 */
#define _GNU_SOURCE
#include <dlfcn.h>
#include <pthread.h>
#include <stddef.h>

/* zlib's and libdeflate's interfaces, declared here: neither's headers are needed to build. */
typedef int (*uncompress_function)(unsigned char *, unsigned long *, const unsigned char *, unsigned long);
struct libdeflate_decompressor;
typedef struct libdeflate_decompressor *(*allocate_function)(void);
typedef void (*free_function)(struct libdeflate_decompressor *);
typedef int (*zlib_decompress_function)(struct libdeflate_decompressor *, const void *, size_t, void *, size_t,
                    size_t *);
enum { zlib_ok = 0, zlib_version_error = -6, libdeflate_success = 0 };

static pthread_once_t loaded = PTHREAD_ONCE_INIT;
static allocate_function allocate_decompressor;
static free_function free_decompressor;
static zlib_decompress_function zlib_decompress;
static uncompress_function real_uncompress;

static void load(void) {
  real_uncompress = (uncompress_function)dlsym(RTLD_NEXT, "uncompress");
  void *library = dlopen("libdeflate.so.0", RTLD_NOW | RTLD_LOCAL);
  if (!library) return;
  allocate_decompressor = (allocate_function)dlsym(library, "libdeflate_alloc_decompressor");
  free_decompressor = (free_function)dlsym(library, "libdeflate_free_decompressor");
  zlib_decompress = (zlib_decompress_function)dlsym(library, "libdeflate_zlib_decompress");
}

__attribute__((visibility("default"))) int uncompress(unsigned char *destination, unsigned long *destination_size,
                                                      const unsigned char *source, unsigned long source_size) {
  pthread_once(&loaded, load);
  if (allocate_decompressor && free_decompressor && zlib_decompress) {
    /* One decompressor per call: a few kilobytes, and no state shared between threads. */
    struct libdeflate_decompressor *decompressor = allocate_decompressor();
    if (decompressor) {
      size_t produced = 0;
      int result =
        zlib_decompress(decompressor, source, source_size, destination, *destination_size, &produced);
      free_decompressor(decompressor);
      if (result == libdeflate_success) {
        *destination_size = produced;
        return zlib_ok;
      }
    }
  }
  return real_uncompress ? real_uncompress(destination, destination_size, source, source_size) : zlib_version_error;
}
