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
    let program = try Programs.compile("pattern_busy_threads.c", extraFlags: ["-fno-builtin", "-pthread"])
    let run = try TrackedRun.run(program.executable)
    #expect(run.result.status == 0)
    let profile = run.profile
    #expect(profile.sawEnd)
    let own = run.totals(profile.allocatedByStack, allocatedDirectlyFrom: program.executable)
    #expect(own.count == 221_500)
    let leaked = run.totals(profile.leaks, allocatedDirectlyFrom: program.executable)
    #expect(leaked.count == 0)
    #expect(profile.totals.allocationsByKind[.realloc] == 40_000)
    #expect(profile.totals.threads >= 1_006, "the deep thread, 4 churners, 1,000 short-lived, main")
    #expect(profile.totals.unknownFrees == 0, "no free is read before its allocation")
    #expect(profile.totals.overwrittenBlocks == 0, "no allocation is read before the free of its address")

    let reader = try CaptureReader(path: run.capturePath)
    var order = OrderCheck()
    let progress = try reader.read(into: &order)
    #expect(progress.sawEnd)
    #expect(order.freesOfUnknownBlocks == 0)
    #expect(order.allocationsOfLiveAddresses == 0)
    #expect(order.framesAfterUse == 0)
    #expect(order.reallocFreesNotFollowedByTheirAllocation == 0)
    #expect(order.reallocPairs + order.reallocsSplit == 40_000)
  }
}
