/*
 * workshop_tracker.h — the API a program may call while the workshop tracker is preloaded.
 *
 * A program must run unchanged without the tracker, so it never links against it:
 *   - From C, call WORKSHOP_MARKER("name"). It uses a weak reference, which the dynamic linker
 *     binds to the preloaded tracker when it is there and leaves NULL when it is not.
 *   - From Swift (or anything without weak symbols), look the function up at run time:
 *       let symbol = dlsym(UnsafeMutableRawPointer(bitPattern: 0), "workshop_tracker_marker")
 *     (RTLD_DEFAULT is 0 on glibc) and call it through a @convention(c) (UnsafePointer<CChar>) -> Void
 *     cast when it is non-nil.
 */
#ifndef WORKSHOP_TRACKER_H
#define WORKSHOP_TRACKER_H

#ifdef __cplusplus
extern "C" {
#endif

/*
 * Writes a MARKER record with `name` (at most 1024 bytes are kept) in the calling thread's order:
 * every allocation this thread made before the call precedes it in the capture, every later one
 * follows it. Does nothing while the process is not being recorded.
 */
void workshop_tracker_marker(const char *name);

#ifndef WORKSHOP_TRACKER_BUILDING
/* Weak: resolves to NULL when the tracker is not preloaded. */
#pragma weak workshop_tracker_marker

static inline void WORKSHOP_MARKER(const char *name) {
  if (workshop_tracker_marker)
    workshop_tracker_marker(name);
}
#endif

#ifdef __cplusplus
}
#endif

#endif /* WORKSHOP_TRACKER_H */
