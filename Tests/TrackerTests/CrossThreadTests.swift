import Foundation
import MemoryAnalysis
import MemoryTrace
import Testing
import WorkshopTestSupport

/// Threads that free and realloc each other's blocks: each thread records into a buffer of its
/// own, and the capture must still read as one exact order.
@Suite("Threads freeing each other's blocks", .timeLimit(.minutes(5)))
struct CrossThreadTests {
  @Test("8 threads that free and realloc each other's blocks read exactly, every free after its allocation")
  func eightThreadsCrossing() throws {
    let (program, run) = try runThreaded("pattern_cross_threads.c")
    let profile = run.profile
    let own = run.totals(profile.allocatedByStack, allocatedDirectlyFrom: program.executable)
    #expect(own.count == 242_400)
    let leaked = run.totals(profile.leaks, allocatedDirectlyFrom: program.executable)
    #expect(leaked.bytes == 1152)
    #expect(leaked.count == 8)
    let atPeak = run.totals(profile.peak.aliveByStack, allocatedDirectlyFrom: program.executable)
    #expect(atPeak.bytes == 345_600, "every block after the reallocs, all alive at the second barrier")
    #expect(profile.totals.threads >= 9, "eight workers and the main thread")
    #expect(profile.totals.allocationsByKind[.realloc] == 800 + 80_000)
    try expectExactOrder(of: run, reallocs: 800 + 80_000)
  }

  /// The same program with every key taken from the clock (`WORKSHOP_TRACKER_ORDER=clock`) and with
  /// every key from the counter (`=counter`): both orders read exactly.
  @Test(
    "8 threads that free and realloc each other's blocks read exactly with clock keys and with counter keys",
    arguments: ["clock", "counter"])
  func eightThreadsCrossingEitherOrder(order: String) throws {
    let (program, run) = try runThreaded(
      "pattern_cross_threads.c", environment: ["WORKSHOP_TRACKER_ORDER": order], compress: false)
    let profile = run.profile
    #expect(run.totals(profile.allocatedByStack, allocatedDirectlyFrom: program.executable).count == 242_400)
    let leaked = run.totals(profile.leaks, allocatedDirectlyFrom: program.executable)
    #expect(leaked.bytes == 1152 && leaked.count == 8)
    #expect(run.totals(profile.peak.aliveByStack, allocatedDirectlyFrom: program.executable).bytes == 345_600)
    try expectExactOrder(of: run, reallocs: 800 + 80_000)
    let keys = try syncKeys(ofCapture: run.capturePath)
    #expect(!keys.isEmpty)
    if order == "clock" {
      #expect(keys.allSatisfy { $0 >= clockKeyBase }, "every SYNC names a clock key")
    } else {
      #expect(keys.allSatisfy { $0 < clockKeyBase }, "every SYNC names a counter number")
    }
  }

  /// Freed addresses come straight back to other threads (a consumer's full tcache returns its
  /// producer's blocks to the producer's arena; realloc() of another thread's block runs in that
  /// block's arena): with clock keys a FREE and the ALLOC of its address on another thread are a
  /// few hundred nanoseconds apart, and the reader must still never read the ALLOC first. By
  /// default (`switch`) the order starts on the counter and moves to the clock once the threads
  /// record at the same time; `clock` keys everything by the clock.
  @Test(
    "8 threads reusing each other's freed addresses at once read exactly: counts, bytes and peak as the program counts them",
    arguments: ["switch", "clock"])
  func hotAddressReuse(order: String) throws {
    let (program, run) = try runThreaded(
      "pattern_address_reuse.c", environment: ["WORKSHOP_TRACKER_ORDER": order], compress: order == "switch")
    let counted = try #require(ProgramCount(run.result.standardOutput), "the program's own count")
    let profile = run.profile
    let own = run.totals(profile.allocatedByStack, allocatedDirectlyFrom: program.executable)
    #expect(own.count == counted.allocations)
    #expect(own.bytes == counted.bytes)
    let leaked = run.totals(profile.leaks, allocatedDirectlyFrom: program.executable)
    #expect(leaked.count == 0 && leaked.bytes == 0, "every block is freed")
    #expect(run.totals(profile.peak.aliveByStack, allocatedDirectlyFrom: program.executable).bytes == counted.peak)
    #expect(profile.totals.allocationsByKind[.realloc] == counted.reallocs)
    try expectExactOrder(of: run, reallocs: Int(counted.reallocs))
  }
}

/// What pattern_address_reuse.c counts and prints: "allocations N bytes B reallocs R peak P".
private struct ProgramCount {
  var allocations: UInt64
  var bytes: UInt64
  var reallocs: UInt64
  var peak: UInt64

  init?(_ output: String) {
    let words = output.split(whereSeparator: \.isWhitespace)
    guard words.count >= 8, words[0] == "allocations", let allocations = UInt64(words[1]),
      let bytes = UInt64(words[3]), let reallocs = UInt64(words[5]), let peak = UInt64(words[7])
    else { return nil }
    (self.allocations, self.bytes, self.reallocs, self.peak) = (allocations, bytes, reallocs, peak)
  }
}

/// Version 6: numbers at or above this are clock keys (`WORKSHOP_CLOCK_KEY_BASE`).
private let clockKeyBase: UInt64 = 1 << 62

/// The numbers of an uncompressed capture's SYNC records, in file order (the top level of a
/// version 6 capture is CHUNK, SYNC, EXEC and LOST records only).
func syncKeys(ofCapture path: String) throws -> [UInt64] {
  let bytes = [UInt8](try Data(contentsOf: URL(fileURLWithPath: path)))
  #expect(bytes.count >= 48 && bytes[8] == 6, "a plain version 6 capture")
  var position = 48
  func unsigned() -> UInt64 {
    var value: UInt64 = 0
    var shift: UInt64 = 0
    while position < bytes.count {
      let byte = bytes[position]
      position += 1
      value |= UInt64(byte & 0x7f) << shift
      if byte < 0x80 { break }
      shift += 7
    }
    return value
  }
  var keys: [UInt64] = []
  while position < bytes.count {
    let tag = bytes[position]
    position += 1
    switch tag {
    case 0x0b:  // CHUNK: thread, stream, length, records
      _ = unsigned()
      _ = unsigned()
      position += Int(unsigned())
    case 0x0c: keys.append(unsigned())  // SYNC
    case 0x0a: _ = unsigned()  // EXEC
    case 0x09:  // LOST
      _ = unsigned()
      _ = unsigned()
    default:
      Issue.record("unexpected top-level tag \(tag) at byte \(position - 1)")
      return keys
    }
  }
  return keys
}

/// Compiles a threaded test program and runs it under the tracker; it must end normally.
func runThreaded(
  _ source: String, environment: [String: String] = [:], compress: Bool = true, name: String = #function
) throws -> (TestProgram, TrackedRun) {
  let program = try Programs.compile(source, extraFlags: ["-fno-builtin", "-pthread"])
  let run = try TrackedRun.run(program.executable, compress: compress, environment: environment, name: name)
  #expect(run.result.status == 0)
  #expect(run.profile.sawEnd)
  return (program, run)
}

/// The capture of `run` in exact order: in the analysis (no free of an unknown block, no
/// allocation of a live address) and on the records as the reader delivers them (FRAMEs before
/// use, every realloc's FREE followed by its ALLOC), with `reallocs` reallocs.
func expectExactOrder(of run: TrackedRun, reallocs: Int) throws {
  #expect(run.profile.totals.unknownFrees == 0, "no free is read before its allocation")
  #expect(run.profile.totals.overwrittenBlocks == 0, "no allocation is read before the free of its address")
  let reader = try CaptureReader(path: run.capturePath)
  var order = OrderCheck()
  let progress = try reader.read(into: &order)
  #expect(progress.sawEnd)
  #expect(order.freesOfUnknownBlocks == 0)
  #expect(order.allocationsOfLiveAddresses == 0)
  #expect(order.framesAfterUse == 0)
  #expect(order.reallocFreesNotFollowedByTheirAllocation == 0)
  #expect(order.reallocPairs + order.reallocsSplit == reallocs)
}

/// Checks the order of delivered records: a FREE names a live block, an ALLOC a free address, a
/// stack node is defined before it is named, and a realloc's FREE is followed by its ALLOC (or, when
/// another thread got the old block back during the call, by that thread's ALLOC of it).
private struct OrderCheck: CaptureVisitor {
  var live: Set<UInt64> = []
  var nodes: UInt32 = 0
  var pendingReallocFree: UInt64?
  var freesOfUnknownBlocks = 0
  var allocationsOfLiveAddresses = 0
  var framesAfterUse = 0
  var reallocFreesNotFollowedByTheirAllocation = 0
  var reallocPairs = 0
  var reallocsSplit = 0

  mutating func visit(_ frame: FrameEvent) { nodes = max(nodes, frame.node) }

  mutating func visit(_ allocation: AllocationEvent) {
    if let old = pendingReallocFree {
      if allocation.kind == .realloc || allocation.kind == .reallocarray {
        reallocPairs += 1
      } else if allocation.address == old {
        reallocsSplit += 1
      } else {
        reallocFreesNotFollowedByTheirAllocation += 1
      }
      pendingReallocFree = nil
    }
    if allocation.stack > nodes { framesAfterUse += 1 }
    if !live.insert(allocation.address).inserted { allocationsOfLiveAddresses += 1 }
  }

  mutating func visit(_ deallocation: DeallocationEvent) {
    if pendingReallocFree != nil { reallocFreesNotFollowedByTheirAllocation += 1 }
    pendingReallocFree = deallocation.kind == .realloc ? deallocation.address : nil
    if live.remove(deallocation.address) == nil { freesOfUnknownBlocks += 1 }
  }
}

/// Short-lived threads and failed reallocs: the two ways a buffer's bookkeeping can slip.
@Suite("Thread buffers come and go", .timeLimit(.minutes(5)))
struct ThreadChurnTests {
  @Test("300 threads started one after another and 1,000 failed reallocs read exactly")
  func threadsComeAndGo() throws {
    let program = try Programs.compile("pattern_thread_churn.c", extraFlags: ["-fno-builtin", "-pthread"])
    let run = try TrackedRun.run(program.executable)
    #expect(run.result.status == 0)
    let profile = run.profile
    #expect(profile.sawEnd)
    let leaked = run.totals(profile.leaks, allocatedDirectlyFrom: program.executable)
    #expect(leaked.bytes == 300 * 24 + 40)
    #expect(leaked.count == 301)
    let own = run.totals(profile.allocatedByStack, allocatedDirectlyFrom: program.executable)
    #expect(own.count == 300 * 101 + 1000 * 2 + 1, "failed reallocs allocate nothing")
    #expect(profile.totals.unknownFrees == 0)
    #expect(profile.totals.overwrittenBlocks == 0)
  }
}
