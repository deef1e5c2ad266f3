@testable import MemoryTrace
import Testing

/// A frame table remembers its last module lookup; these check that the remembered answer is
/// always the one a fresh search of the table in force gives.
@Suite("Frames find their module")
struct ModuleLookupTests {
  static let app = Module(path: "/work/app", loadBias: 0x1000, lowAddress: 0x1000, highAddress: 0x5000)
  static let lib = Module(path: "/lib/one.so", loadBias: 0x8000, lowAddress: 0x8000, highAddress: 0x9000)
  /// Lies inside `wide`, after its start: overlapping modules.
  static let inner = Module(path: "/lib/inner.so", loadBias: 0x3000, lowAddress: 0x3000, highAddress: 0x4000)
  static let wide = Module(path: "/lib/wide.so", loadBias: 0x2000, lowAddress: 0x2000, highAddress: 0x6000)

  /// The module of every node, by a fresh search of `table` for the node's instruction.
  func searched(_ ips: [UInt64], in table: ModuleTable) -> [String?] {
    ips.map { table.module(containing: $0)?.path }
  }

  func appended(_ ips: [UInt64], in tables: [ModuleTable]) -> [String?] {
    var frames = FrameTable()
    for (index, ip) in ips.enumerated() {
      _ = frames.append(parent: 0, ip: ip, in: tables[index % tables.count])
    }
    return ips.indices.map { frames.frame(UInt32($0 + 1))?.module?.path }
  }

  @Test("the addresses that get the same answer end where the next module starts")
  func sameAnswerSpan() throws {
    let table = ModuleTable([Self.lib, Self.app])
    let found = try #require(table.lookup(0x1800))
    #expect(table.modules[found.index] == Self.app)
    #expect(found.sameAnswer == 0x1000..<0x5000)
    #expect(table.lookup(0x7000) == nil)
    let overlapping = ModuleTable([Self.wide, Self.inner])
    // In `inner`: up to the end of `inner` only.
    #expect(try #require(overlapping.lookup(0x3800)).sameAnswer == 0x3000..<0x4000)
    // In `wide`, found left of `inner`'s start: no span to remember.
    #expect(try #require(overlapping.lookup(0x4800)).sameAnswer.isEmpty)
    #expect(try #require(overlapping.lookup(0x2800)).sameAnswer == 0x2000..<0x3000)
  }

  @Test("frames appended one after another name the module a search names")
  func framesMatchSearch() {
    let ips: [UInt64] = [0x1100, 0x1200, 0x8100, 0x1300, 0x0fff, 0x5000, 0x4fff, 0x8fff, 0x9000, 0x1000]
    let table = ModuleTable([Self.app, Self.lib])
    #expect(appended(ips, in: [table]) == searched(ips, in: table))
    let overlapping = ModuleTable([Self.wide, Self.inner])
    let around: [UInt64] = [0x2100, 0x3100, 0x3200, 0x4100, 0x2200, 0x3fff, 0x4000, 0x5fff, 0x2000]
    #expect(appended(around, in: [overlapping]) == searched(around, in: overlapping))
  }

  @Test("a new table is searched afresh, even with the same addresses")
  func newTableSearchedAgain() {
    let before = ModuleTable([Self.app])
    // The same addresses now belong to another module (a library unloaded, another loaded there).
    let moved = Module(path: "/lib/moved.so", loadBias: 0x1000, lowAddress: 0x1000, highAddress: 0x5000)
    let after = ModuleTable([moved])
    #expect(
      appended([0x1100, 0x1200, 0x1300, 0x1400], in: [before, after]) == [
        "/work/app", "/lib/moved.so", "/work/app", "/lib/moved.so",
      ])
    #expect(appended([0x1100, 0x1200], in: [before, ModuleTable()]) == ["/work/app", nil])
  }
}
