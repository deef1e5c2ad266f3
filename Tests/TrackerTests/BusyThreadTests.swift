import Foundation
import MemoryAnalysis
import MemoryTrace
import Testing
import WorkshopTestSupport

/// The sampler never waits for a thread that holds its record buffer (recording, or interning a
/// deep new stack): it skips that buffer and lowers its SYNC to what the buffer may still hold.
/// A SYNC that promised too much would make the reader meet a record below it and call the file
/// damaged; one that is right reads exactly.
@Suite("Busy thread buffers while the sampler flushes", .timeLimit(.minutes(5)))
struct BusyThreadTests {
  @Test("a thread interning deep stacks, 4 churning threads and 1,000 short-lived ones read exactly")
  func busyBuffersReadExactly() throws {
    let (program, run) = try runThreaded("pattern_busy_threads.c")
    let profile = run.profile
    let own = run.totals(profile.allocatedByStack, allocatedDirectlyFrom: program.executable)
    #expect(own.count == 221_500)
    let leaked = run.totals(profile.leaks, allocatedDirectlyFrom: program.executable)
    #expect(leaked.count == 0)
    #expect(profile.totals.allocationsByKind[.realloc] == 40_000)
    #expect(profile.totals.threads >= 1_006, "the deep thread, 4 churners, 1,000 short-lived, main")
    try expectExactOrder(of: run, reallocs: 40_000)
  }
}
