import MemoryAnalysis
import MemoryTrace
import Testing

/// A profiler asked for some per-stack lists (a report's) gives those lists as a full one does,
/// the others empty, and every other figure the same.
@Suite struct StackListsProfileTests {
  typealias Lists = MemoryProfiler.StackLists

  @Test(arguments: [5, 6] as [UInt64])
  func askedListsAreTheFullOnes(seed: UInt64) {
    let details: [MemoryProfiler.Detail] = [
      .everything, .lists(Lists(aliveAtPeak: .max)), .lists(Lists(aliveAtPeak: 5)), .lists(Lists(aliveAtPeak: 1)),
      .lists(Lists(leaks: true)), .lists(Lists(allocated: true)), .lists(Lists(temporaries: true)), .lists(Lists()),
      .lists(Lists(aliveAtPeak: .max, sizesAndTemporaries: false)),
      .lists(Lists(leaks: true, sizesAndTemporaries: false)),
      .lists(Lists(temporaries: true, sizesAndTemporaries: false)),
    ]
    let profiles = HeadlineProfileTests.fed(seed: seed, details: details)
    let everything = profiles[0]
    #expect(everything.peak.aliveByStack.count > 5 && everything.leaks.count > 5)
    #expect(!everything.allocatedByStack.isEmpty && !everything.temporaries.byStack.isEmpty)
    for profile in profiles.dropFirst() {
      #expect(profile.totals == everything.totals)
      #expect(profile.peak.bytes == everything.peak.bytes && profile.peak.eventIndex == everything.peak.eventIndex)
      #expect(profile.leakedAllocations == everything.leakedAllocations)
      #expect(profile.heapBytesAtEnd == everything.heapBytesAtEnd)
      #expect(profile.timeline == everything.timeline && profile.markers == everything.markers)
      guard case .lists(let lists) = profile.detail else {
        Issue.record("the detail asked for is \(profile.detail)")
        continue
      }
      // Asking for the temporaries by stack means counting them.
      #expect(lists.sizesAndTemporaries || !lists.temporaries)
      if lists.sizesAndTemporaries {
        #expect(profile.histogram == everything.histogram)
        #expect(profile.temporaries.count == everything.temporaries.count)
        #expect(profile.temporaries.bytes == everything.temporaries.bytes)
      } else {
        #expect(profile.histogram == SizeHistogram())
        #expect(profile.temporaries.count == 0 && profile.temporaries.bytes == 0)
      }
      #expect(profile.peak.aliveByStack == Array(everything.peak.aliveByStack.prefix(lists.aliveAtPeak)))
      #expect(profile.leaks == (lists.leaks ? everything.leaks : []))
      #expect(profile.allocatedByStack == (lists.allocated ? everything.allocatedByStack : []))
      #expect(profile.temporaries.byStack == (lists.temporaries ? everything.temporaries.byStack : []))
    }
  }

  /// The largest few are picked as the full ranking orders them: ties in bytes go to more blocks,
  /// then to the lower stack.
  @Test func theLargestFewBreakTiesAsTheRanking() {
    var full = Run()
    var top = Run(detail: .lists(Lists(aliveAtPeak: 4)))
    let blocks: [(size: UInt64, stack: UInt32)] = [
      (100, 9), (100, 3), (50, 7), (50, 7), (100, 5), (10, 1), (300, 8), (100, 2), (100, 6),
    ]
    for (index, block) in blocks.enumerated() {
      full.alloc(0x1000 + UInt64(index) * 0x100, block.size, stack: block.stack)
      top.alloc(0x1000 + UInt64(index) * 0x100, block.size, stack: block.stack)
    }
    let ranked = full.profile.peak.aliveByStack
    #expect(ranked.map(\.stack) == [8, 7, 2, 3, 5, 6, 9, 1])
    #expect(top.profile.peak.aliveByStack == Array(ranked.prefix(4)))
  }

  /// A list longer than the few picked by insertion is the full ranking's prefix too (it is sorted).
  @Test func aLongListIsTheRankingsPrefix() {
    var full = Run()
    let limit = 300  // past the 256 that StackTotal picks by insertion
    var top = Run(detail: .lists(Lists(aliveAtPeak: limit)))
    for index in 0..<(2 * limit) {
      let size = UInt64(16 + (index * 37) % 97)  // sizes repeat: ties broken by blocks, then stack
      full.alloc(0x10_0000 + UInt64(index) * 0x100, size, stack: UInt32(1 + index % (limit + 7)))
      top.alloc(0x10_0000 + UInt64(index) * 0x100, size, stack: UInt32(1 + index % (limit + 7)))
    }
    let ranked = full.profile.peak.aliveByStack
    #expect(ranked.count > limit)
    #expect(top.profile.peak.aliveByStack == Array(ranked.prefix(limit)))
  }
}
