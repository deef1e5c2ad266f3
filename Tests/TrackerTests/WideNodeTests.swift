import Foundation
import MemoryAnalysis
import MemoryTrace
import Testing
import WorkshopTestSupport

/// The stack tree keeps a node's children in a list while it has at most 4 and in a hash table
/// once it has more (Sources/Tracker/stacks.c): both kinds of node must intern every stack exactly.
@Suite("Stack tree nodes with few and with thousands of children", .timeLimit(.minutes(5)))
struct WideNodeTests {
  @Test("3,000 call sites under each of two callers, and 3 under each: every stack its own, every count exact")
  func wideAndListedNodes() throws {
    let program = try Programs.compile("pattern_wide_nodes.c", extraFlags: ["-fno-builtin"])
    let run = try TrackedRun.run(program.executable)
    #expect(run.result.status == 0)
    let profile = run.profile
    #expect(profile.sawEnd)
    let rounds: UInt64 = 5
    let own = profile.allocatedByStack.filter { run.stack($0.stack, allocatesDirectlyFrom: program.executable) }
    #expect(own.count == 6_006, "3,000 sites and 3 sites, each under two callers")
    #expect(own.allSatisfy { $0.count == rounds }, "each stack allocates once a round")
    // A stack is one call site: its blocks all have the site's own size.
    #expect(own.allSatisfy { $0.bytes % rounds == 0 })
    let sizes = own.map { $0.bytes / rounds }.sorted()
    let expected = ((100...3_099).flatMap { [UInt64($0), UInt64($0)] } + [7, 7, 8, 8, 9, 9]).sorted()
    #expect(sizes == expected, "each size from exactly two stacks, one per caller")
    // The two stacks of one call site share its frame and differ in the caller's.
    let bySite = Dictionary(grouping: own) { profile.stack($0.stack).first?.ip ?? 0 }
    #expect(bySite.count == 3_003)
    #expect(
      bySite.values.allSatisfy { stacks in
        stacks.count == 2 && Set(stacks.map { profile.stack($0.stack).dropFirst().first?.ip }).count == 2
      })
  }
}
