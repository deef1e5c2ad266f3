/*
 * plugin_library.c — a library that pattern_dlopen.c loads with dlopen() and unloads with dlclose().
 *
 * Build: cc -g -O1 -fno-builtin -shared -fPIC plugin_library.c -o plugin_library.so
 *
 * Its constructor (run inside dlopen) mallocs 1111 bytes and plugin_allocate mallocs 4242 bytes;
 * both are leaked, so they outlive the library's mapping.
 */
#include <stdlib.h>

void *volatile plugin_keep[2];

__attribute__((constructor, noinline)) static void plugin_constructor(void) { plugin_keep[0] = malloc(1111); }

__attribute__((noinline)) void plugin_allocate(void) { plugin_keep[1] = malloc(4242); }
