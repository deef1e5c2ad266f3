import MemoryAnalysis
import MemoryTrace
import Testing

/// What was alive at a moment, and what a span allocated and did not free, from designed events.
@Suite("temporal snapshots")
struct TemporalSnapshotTests {
  /// Ticks every 10 ms; at each tick's interval: block 1 (stack 1, 100 B) before 10 ms, block 2
  /// (stack 2, 200 B) before 20 ms, block 1 freed and block 3 (stack 2, 50 B) before 30 ms, then a
  /// realloc in place of block 3 (stack 3, 80 B) before 40 ms.
  static func collect(_ query: TemporalSnapshot.Query) -> TemporalSnapshot {
    var collector = TemporalCollector(query: query)
    func tick(_ milliseconds: UInt64) {
      collector.visit(TickEvent(microseconds: milliseconds * 1000, residentBytes: 0, trackerBytes: 0))
    }
    func allocate(_ address: UInt64, _ size: UInt64, stack: UInt32, kind: AllocationKind = .malloc) {
      collector.visit(AllocationEvent(kind: kind, address: address, size: size, stack: stack, thread: 1))
    }
    allocate(0x10, 100, stack: 1)
    tick(10)
    allocate(0x20, 200, stack: 2)
    tick(20)
    collector.visit(DeallocationEvent(kind: .free, address: 0x10, thread: 1))
    allocate(0x30, 50, stack: 2)
    tick(30)
    allocate(0x30, 80, stack: 3, kind: .realloc)
    tick(40)
    return collector.snapshot()
  }

  @Test("a moment is the end of its tick's interval")
  func moments() {
    #expect(Self.collect(.aliveAt(microseconds: 0)).bytes == 100)
    #expect(Self.collect(.aliveAt(microseconds: 5_000)).byStack == [StackTotal(stack: 1, bytes: 100, count: 1)])
    let at15 = Self.collect(.aliveAt(microseconds: 15_000))
    #expect(at15.bytes == 300 && at15.count == 2)
    #expect(at15.endTickMicroseconds == 20_000)
    let at25 = Self.collect(.aliveAt(microseconds: 25_000))
    #expect(at25.byStack == [StackTotal(stack: 2, bytes: 250, count: 2)])
    let end = Self.collect(.aliveAt(microseconds: 99_000))
    #expect(end.byStack == [StackTotal(stack: 2, bytes: 200, count: 1), StackTotal(stack: 3, bytes: 80, count: 1)])
    #expect(end.endTickMicroseconds == nil)
  }

  @Test("a span keeps what it allocated and did not free by its end")
  func spans() {
    // From the tick at 10 ms to the end of the interval holding 25 ms: blocks 2 and 3.
    let middle = Self.collect(.allocatedNotFreed(from: 10_000, to: 25_000))
    #expect(middle.byStack == [StackTotal(stack: 2, bytes: 250, count: 2)])
    // Block 1 was allocated before the span: not counted, though alive.
    let late = Self.collect(.allocatedNotFreed(from: 20_000, to: 45_000))
    #expect(late.byStack == [StackTotal(stack: 3, bytes: 80, count: 1)])
    // The ends in either order.
    #expect(Self.collect(.allocatedNotFreed(from: 45_000, to: 20_000)).bytes == 80)
  }
}
