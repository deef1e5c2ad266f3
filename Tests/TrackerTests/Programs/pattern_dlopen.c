/*
 * pattern_dlopen.c — allocations made from a library loaded with dlopen() and unloaded with
 * dlclose() before the program ends: the capture must still say which module made them.
 *
 * Build: cc -g -O1 -fno-builtin pattern_dlopen.c -o pattern_dlopen -ldl
 * Run:   pattern_dlopen PATH-OF-plugin_library.so
 *
 * Exact truth of the leaks, by the module of the allocating frame:
 *   in plugin_library: 1111 bytes (its constructor, inside dlopen) + 4242 (plugin_allocate),
 *     2 blocks; both allocated while the library was mapped, which it no longer is at the end
 *   in pattern_dlopen: 5555 bytes in 1 block, allocated after dlclose
 *   (dlopen and dlclose allocate and free memory of their own inside ld.so and libc.)
 * Exit status 0 when the library loaded, 2 when it did not.
 */
#include <dlfcn.h>
#include <stdio.h>
#include <stdlib.h>

void *volatile keep;

int main(int argc, char **argv) {
  if (argc < 2)
    return 2;
  void *library = dlopen(argv[1], RTLD_NOW | RTLD_LOCAL);
  if (!library) {
    fprintf(stderr, "%s\n", dlerror());
    return 2;
  }
  void (*allocate)(void) = (void (*)(void))dlsym(library, "plugin_allocate");
  if (!allocate)
    return 2;
  allocate();
  dlclose(library);
  keep = malloc(5555);
  return 0;
}
