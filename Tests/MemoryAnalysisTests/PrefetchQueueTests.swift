import MemoryAnalysis
import MemoryTrace
import Testing

@Suite("Heap events queued while their slots load")
struct PrefetchQueueTests {
  /// Feeds the same random events to two profilers: one event by event, as the tests describe
  /// sequences, and one between `beginRecords()` and `endRecords()`, as a reader does (its events
  /// wait in the prefetch queue once the live-block table outgrows the cache). 60,000 events keep
  /// up to 27,000 blocks alive, with threads announced and not, new threads appearing while events
  /// wait, ticks, markers bounding a region, realloc pairs, unknown frees, lost events and an exec.
  @Test("a profile read through the queue equals one worked out event by event", arguments: 0..<2)
  func queuedEqualsDirect(seed: Int) {
    let request = RegionRequest(from: "a", to: "b")
    var direct = MemoryProfiler(regions: [request])
    var queued = MemoryProfiler(regions: [request])
    queued.beginRecords()
    var random = SplitMix(seed: UInt64(seed) &+ 5)
    var live: [UInt64] = []
    var next: UInt64 = 0x7f00_0000_0000
    var thread: UInt64 = 0
    func both(_ body: (inout MemoryProfiler) -> Void) {
      body(&direct)
      body(&queued)
    }
    for step in 0..<60_000 {
      switch step {
      case 20_000: both { $0.visit(MarkerEvent(name: "a", thread: thread)) }
      case 45_000: both { $0.visit(MarkerEvent(name: "b", thread: thread)) }
      case 55_000:
        both { $0.visit(ExecEvent(microseconds: 9_000)) }
        live.removeAll()
      case 57_000: both { $0.visitLost(count: 3) }
      default: break
      }
      if step % 997 == 0 { both { $0.visit(TickEvent(microseconds: UInt64(step), residentBytes: 0, trackerBytes: 0)) } }
      if step % 5 == 0 {
        // Half the switches go to a thread never seen before.
        thread = random.next() % 2 == 0 ? random.next() % 8 : UInt64(1000 + step)
        // Every other switch goes unannounced: its events name a thread no THREAD record did.
        if step % 2 == 0 { both { $0.visitThread(thread) } }
      }
      let roll = random.next() % 100
      if live.isEmpty || (roll < 75 && live.count < 40_000) {
        next &+= 16 &* (1 &+ random.next() % 6)
        let address = roll < 5 ? random.next() | 1 : next
        let kind: AllocationKind = roll < 10 ? .realloc : .malloc
        let event = AllocationEvent(
          kind: kind, address: address, size: random.next() % 5000, stack: UInt32(random.next() % 50), thread: thread)
        both { $0.visit(event) }
        live.append(address)
      } else {
        let index = Int(random.next() % UInt64(live.count))
        let address = roll < 77 ? random.next() : live.remove(at: index)
        both { $0.visit(DeallocationEvent(kind: .free, address: address, thread: thread)) }
      }
    }
    both { $0.visitEnd(microseconds: 99_000) }
    queued.endRecords()
    let (one, other) = (direct.profile(), queued.profile())
    #expect(one.totals == other.totals)
    #expect(one.peak == other.peak)
    #expect(one.leaks == other.leaks)
    #expect(one.heapBytesAtEnd == other.heapBytesAtEnd && one.leakedAllocations == other.leakedAllocations)
    #expect(one.timeline == other.timeline)
    #expect(one.histogram == other.histogram)
    #expect(one.temporaries == other.temporaries)
    #expect(one.allocatedByStack == other.allocatedByStack)
    #expect(one.markers == other.markers)
    #expect(one.regions == other.regions)
    #expect(one.threadIDs == other.threadIDs)
    #expect(one.execs == other.execs)
    #expect(one.totals.allocations > 30_000 && one.peak.bytes > 0)
  }
}
