import MemoryAnalysis
import MemoryTrace
import Testing

@Suite("Peak heap, alive at the peak, leaks")
struct PeakTests {
  @Test("the peak is exact, timed by the latest tick before it, and the last time it is reached wins")
  func lastTimeReached() {
    var run = Run()
    run.on(1)
    run.tick(ms: 0)
    run.alloc(0x100, 100, stack: 1)  // event 0: heap 100
    run.tick(ms: 10)
    run.alloc(0x200, 50, stack: 2)  // event 1: heap 150, first peak
    run.free(0x100)  // event 2: heap 50
    run.tick(ms: 20)
    run.tick(ms: 30)
    run.alloc(0x300, 100, stack: 3)  // event 3: heap 150 again: the peak moves here
    run.tick(ms: 40)
    run.free(0x300)
    run.alloc(0x400, 99, stack: 4)  // 149: below the peak
    run.end(ms: 45)
    let profile = run.profile
    #expect(profile.peak.bytes == 150)
    #expect(profile.peak.microseconds == 30_000)
    #expect(profile.peak.milliseconds == 30)
    #expect(profile.peak.eventIndex == 3)
    #expect(
      profile.peak.aliveByStack == [
        StackTotal(stack: 3, bytes: 100, count: 1), StackTotal(stack: 2, bytes: 50, count: 1),
      ])
    #expect(profile.leaks == [StackTotal(stack: 4, bytes: 99, count: 1), StackTotal(stack: 2, bytes: 50, count: 1)])
    #expect(profile.leakedBytes == 149)
    #expect(profile.leakedAllocations == 2)
    #expect(profile.totals.durationMicroseconds == 45_000)
  }

  @Test("a zero-byte allocation at the peak counts as reaching it again")
  func zeroByteTie() {
    var run = Run()
    run.alloc(0x10, 64, stack: 1)
    run.tick(ms: 10)
    run.alloc(0x20, 0, stack: 2)
    run.free(0x10)
    let profile = run.profile
    #expect(profile.peak.bytes == 64)
    #expect(profile.peak.eventIndex == 1)
    #expect(profile.peak.microseconds == 10_000)
    #expect(
      Set(profile.peak.aliveByStack) == [
        StackTotal(stack: 1, bytes: 64, count: 1), StackTotal(stack: 2, bytes: 0, count: 1),
      ])
  }

  @Test("a peak at the very end is the final state")
  func peakAtEnd() {
    var run = Run()
    run.alloc(1, 10, stack: 1)
    run.free(1)
    run.alloc(2, 20, stack: 2)
    run.alloc(3, 30, stack: 1)
    let profile = run.profile
    #expect(profile.peak.bytes == 50)
    #expect(
      profile.peak.aliveByStack == [
        StackTotal(stack: 1, bytes: 30, count: 1), StackTotal(stack: 2, bytes: 20, count: 1),
      ])
    #expect(profile.peak.aliveByStack == profile.leaks)
  }

  @Test("nothing allocated: no peak")
  func empty() {
    var run = Run()
    run.free(0x99)
    let profile = run.profile
    #expect(profile.peak.bytes == 0)
    #expect(profile.peak.eventIndex == nil)
    #expect(profile.peak.aliveByStack.isEmpty)
    #expect(profile.totals.unknownFrees == 1)
    #expect(profile.totals.frees == 0)
  }

  @Test("frees of addresses never allocated are ignored and counted apart")
  func unknownFrees() {
    var run = Run()
    run.free(0x5000)  // allocated before tracking began
    run.alloc(0x10, 8, stack: 1)
    run.free(0x6000)
    run.free(0x10)
    run.free(0x10)  // a double free: the block is already gone
    let profile = run.profile
    #expect(profile.totals.unknownFrees == 3)
    #expect(profile.totals.frees == 1)
    #expect(profile.totals.deallocationsByKind == [.free: 4])
    #expect(profile.heapBytesAtEnd == 0)
    #expect(profile.peak.bytes == 8)
  }

  @Test("realloc pairs: a moving realloc holds both blocks for an instant, an in-place one replaces its block")
  func reallocPairs() {
    var run = Run()
    run.alloc(0xA0, 100, stack: 1)
    run.alloc(0xB0, 200, stack: 2, kind: .realloc)  // moved: the tracker writes the new block...
    run.free(0xA0, kind: .realloc)  // ...and the old one's release
    run.alloc(0xB0, 400, stack: 3, kind: .realloc)  // grew in place: no FREE record
    run.alloc(0xB0, 50, stack: 3, kind: .reallocarray)  // shrank in place
    let profile = run.profile
    #expect(profile.peak.bytes == 400)
    #expect(profile.peak.aliveByStack == [StackTotal(stack: 3, bytes: 400, count: 1)])
    #expect(profile.heapBytesAtEnd == 50)
    #expect(profile.leaks == [StackTotal(stack: 3, bytes: 50, count: 1)])
    #expect(profile.totals.inPlaceReallocations == 2)
    #expect(profile.totals.overwrittenBlocks == 0)
    #expect(profile.totals.frees == 1)
    #expect(profile.totals.allocationsByKind == [.malloc: 1, .realloc: 2, .reallocarray: 1])
    #expect(profile.totals.deallocationsByKind == [.realloc: 1])
    #expect(profile.totals.bytesAllocated == 750)
  }

  @Test("a second malloc at a live address replaces the block and is counted as a missing free")
  func overwritten() {
    var run = Run()
    run.alloc(0x10, 10, stack: 1)
    run.alloc(0x10, 20, stack: 2)
    let profile = run.profile
    #expect(profile.heapBytesAtEnd == 20)
    #expect(profile.totals.overwrittenBlocks == 1)
    #expect(profile.peak.bytes == 20)
  }

  @Test("figures match a slow replay on random event sequences", arguments: 0..<12)
  func matchesReplay(seed: Int) {
    var random = SplitMix(seed: UInt64(seed) &* 7919 &+ 1)
    var model = NaiveModel()
    var run = Run()
    var live: [UInt64] = []
    let eventCount = 200 + Int(random.next() % 800)
    for _ in 0..<eventCount {
      let thread = 1 + random.next() % 4
      if thread != run.thread { run.on(thread) }
      if live.isEmpty || random.next() % 100 < 55 {
        let address = 0x1000 + (random.next() % 300) * 16
        let size = random.next() % 4 == 0 ? 0 : random.next() % 2000
        let stack = UInt32(random.next() % 9)
        let kind: AllocationKind = random.next() % 10 == 0 ? .realloc : .malloc
        run.alloc(address, size, stack: stack, kind: kind)
        model.events.append(.alloc(address: address, size: size, stack: stack, thread: thread))
        if !live.contains(address) { live.append(address) }
      } else {
        let pick = Int(random.next() % UInt64(live.count + 2))
        let address = pick < live.count ? live.remove(at: pick) : 0x9_0000 + random.next() % 100
        run.free(address)
        model.events.append(.free(address: address, thread: thread))
      }
    }
    let profile = run.profile
    let (peak, through) = model.peak()
    #expect(profile.peak.bytes == UInt64(peak))
    #expect(profile.peak.eventIndex.map { Int($0) + 1 } == through)
    #expect(Set(profile.peak.aliveByStack) == NaiveModel.grouped(model.alive(after: through).values))
    #expect(Set(profile.leaks) == NaiveModel.grouped(model.alive(after: model.events.count).values))
    #expect(Set(profile.temporaries.byStack) == model.temporaries())
    #expect(profile.peak.aliveByStack.reduce(0) { $0 + $1.bytes } == profile.peak.bytes)
  }
}
