import Symbols
import Testing

@testable import MemoryAnalysis

/// A frame in `module` (the user's program unless said otherwise).
func frame(_ function: String, _ file: String? = "main.swift", _ line: Int? = 1, module: String = "/home/me/app")
  -> SymbolizedFrame
{
  SymbolizedFrame(function: function, file: file, line: line, location: CodeLocation(module: module, offset: 0x10))
}

@Suite struct AllocationTreeTests {
  @Test func totalsIncludeCalleesAndChildrenAreLargestFirst() {
    var builder = AllocationTree.Builder(rootLabel: "app")
    builder.add(stack: [frame("main"), frame("small")], bytes: 10, count: 1)
    builder.add(stack: [frame("main"), frame("big")], bytes: 100, count: 2)
    builder.add(stack: [frame("main")], bytes: 5, count: 1)
    builder.add(stack: [frame("main"), frame("big")], bytes: 50, count: 1)
    let tree = builder.build()
    #expect(tree.totalBytes == 165)
    #expect(tree.totalCount == 5)
    let main = tree[tree.root.children[0]]
    #expect(main.bytes == 165 && main.ownBytes == 5)
    #expect(main.children.map { tree[$0].frame?.function } == ["big", "small"])
    #expect(tree[main.children[0]].bytes == 150)
    #expect(tree.path(to: main.children[1]).count == 3)
  }

  @Test func differentLinesOfOneFunctionStayApart() {
    var builder = AllocationTree.Builder(rootLabel: "app")
    builder.add(stack: [frame("main", "main.swift", 3)], bytes: 1, count: 1)
    builder.add(stack: [frame("main", "main.swift", 4)], bytes: 1, count: 1)
    #expect(builder.build().root.children.count == 2)
  }

  /// A node's first children are found in a list, a wider node's in a table: the same child must be
  /// found whichever holds it, before and after the node outgrows its list.
  @Test func wideNodesKeepOneChildPerFrame() {
    var builder = AllocationTree.Builder(rootLabel: "app")
    for round in 1...3 {
      for callee in 0..<20 {
        builder.add(stack: [frame("main"), frame("callee\(callee)")], bytes: UInt64(callee + 1), count: 1)
        builder.add(stack: [frame("main"), frame("callee\(callee)"), frame("leaf")], bytes: 1, count: 1)
      }
      let tree = builder.build()
      let main = tree[tree.root.children[0]]
      #expect(tree.root.children.count == 1)
      #expect(main.children.count == 20)
      #expect(main.children.map { tree[$0].frame?.function } == (0..<20).reversed().map { "callee\($0)" })
      #expect(main.children.allSatisfy { tree[$0].children.count == 1 && tree[$0].count == UInt64(2 * round) })
      #expect(tree.nodes.count == 42)
    }
  }

  @Test func invertedOfWideTreeMatchesBuildingItUpsideDown() {
    var upright = AllocationTree.Builder(rootLabel: "app")
    var upsideDown = AllocationTree.Builder(rootLabel: "app")
    for callee in 0..<12 {
      for leaf in 0..<3 {
        let stack = [frame("main"), frame("callee\(callee)"), frame("leaf\(leaf)")]
        upright.add(stack: stack, bytes: UInt64(callee * 3 + leaf + 1), count: 1)
        upsideDown.add(stack: stack.reversed(), bytes: UInt64(callee * 3 + leaf + 1), count: 1)
      }
    }
    #expect(upright.build().inverted().nodes == upsideDown.build().nodes)
  }

  @Test func invertedPutsTheAllocatingFramesOnTop() {
    var builder = AllocationTree.Builder(rootLabel: "app")
    builder.add(stack: [frame("main"), frame("a"), frame("leaf")], bytes: 30, count: 1)
    builder.add(stack: [frame("main"), frame("b"), frame("leaf")], bytes: 20, count: 1)
    let inverted = builder.build().inverted()
    #expect(inverted.totalBytes == 50)
    let leaf = inverted[inverted.root.children[0]]
    #expect(leaf.frame?.function == "leaf" && leaf.bytes == 50)
    #expect(leaf.children.map { inverted[$0].frame?.function } == ["a", "b"])
  }

  @Test func summaryCountsRecursionOnce() {
    var builder = AllocationTree.Builder(rootLabel: "app")
    let recurse = frame("recurse", "r.swift", 7)
    builder.add(stack: [frame("main"), recurse, recurse, recurse], bytes: 40, count: 4)
    builder.add(stack: [frame("main"), recurse], bytes: 10, count: 1)
    builder.add(stack: [frame("main")], bytes: 50, count: 1)
    let summary = LocationSummary(tree: builder.build())
    let rows = summary.sorted(by: .total)
    #expect(rows.map(\.frame.function) == ["main", "recurse"])
    #expect(rows[1].totalBytes == 50 && rows[1].ownBytes == 50 && rows[1].count == 5)
    #expect(rows[0].totalBytes == 100 && rows[0].ownBytes == 50)
    #expect(summary.sorted(by: .own, limit: 1).count == 1)
  }

  @Test func summaryOfATreeWeighedByCountCountsAllocations() {
    var builder = AllocationTree.Builder(rootLabel: "app")
    builder.add(stack: [frame("main"), frame("big")], bytes: 900, count: 1)
    builder.add(stack: [frame("main"), frame("many")], bytes: 100, count: 50)
    // One place met under two parents: one row, its figures summed.
    builder.add(stack: [frame("main"), frame("big"), frame("many")], bytes: 10, count: 5)
    let rows = LocationSummary(tree: builder.build().weightedByCount()).sorted(by: .total)
    #expect(rows.map(\.frame.function) == ["main", "many", "big"])
    #expect(rows.map(\.totalBytes) == [56, 55, 6])
    #expect(rows.map(\.ownBytes) == [0, 55, 1])
  }
}

/// A capture's stacks spelled out: node → (parent, location).
struct FakeStacks: StackNodes {
  var nodes: [Int: (parent: Int, location: CodeLocation)]
  var innermostFrameIsReturnAddress = false
  func parent(of node: Int) -> Int { nodes[node]!.parent }
  func location(of node: Int) -> CodeLocation { nodes[node]!.location }
}

/// Names locations from a table.
struct TableResolver: SymbolResolving {
  var table: [UInt64: [SymbolizedFrame]]
  func resolve(_ locations: [CodeLocation]) throws -> [[SymbolizedFrame]] {
    locations.map { location in
      (table[location.offset] ?? [.unresolved(location)]).map {
        var frame = $0
        frame.location = location
        return frame
      }
    }
  }
}

@Suite struct FrameFilterTests {
  static let app = "/home/me/app"
  static let core = "/opt/swift/usr/lib/swift/linux/libswiftCore.so"
  static let libc = "/lib/x86_64-linux-gnu/libc.so.6"
  static let tracker = "/build/libworkshop_tracker.so"

  // _start → __libc_start_main → main → build → Array.append → _copyToNewBuffer → swift_allocObject
  // → swift_slowAlloc → malloc (tracker); node numbers from the outermost.
  static let stacks = FakeStacks(nodes: [
    1: (0, CodeLocation(module: libc, offset: 1)),
    2: (1, CodeLocation(module: libc, offset: 2)),
    3: (2, CodeLocation(module: app, offset: 3)),
    4: (3, CodeLocation(module: app, offset: 4)),
    5: (4, CodeLocation(module: core, offset: 5)),
    6: (5, CodeLocation(module: core, offset: 6)),
    7: (6, CodeLocation(module: core, offset: 7)),
    8: (7, CodeLocation(module: core, offset: 8)),
    9: (8, CodeLocation(module: tracker, offset: 9)),
    10: (4, CodeLocation(module: app, offset: 10)),  // build → helper (inlined twice)
  ])
  static let symbols = TableResolver(table: [
    1: [frame("_start", nil, nil)], 2: [frame("__libc_start_main", nil, nil)],
    3: [frame("main", "main.swift", 9)], 4: [frame("build(_:)", "main.swift", 4)],
    5: [frame("Array.append(_:)", nil, nil)], 6: [frame("Array._copyToNewBuffer(oldCount:)", nil, nil)],
    7: [frame("swift_allocObject", nil, nil)], 8: [frame("swift_slowAlloc", nil, nil)],
    9: [frame("malloc", "hooks.c", 20)],
    10: [frame("inner", "main.swift", 30), frame("helper", "main.swift", 20, module: app)],
  ])

  func paths(_ tree: AllocationTree) -> [String] {
    tree.nodes.indices.filter { tree[$0].children.isEmpty && $0 != 0 }.map { leaf in
      tree.path(to: leaf).dropFirst().map { tree[$0].frame!.functionName }.joined(separator: " > ")
        + " = \(tree[leaf].bytes)"
    }
  }

  @Test func hidesHowMemoryWasAllocated() throws {
    let tree = try AllocationTree.build(
      stacks: Self.stacks,
      samples: [StackSample(stack: 9, bytes: 800, count: 2), StackSample(stack: 10, bytes: 8, count: 1)],
      symbolizer: Symbolizer(resolver: Self.symbols), filter: FrameFilter(), rootLabel: "app")
    #expect(paths(tree) == ["main > build(_:) > Array.append(_:) = 800", "main > build(_:) > helper > inner = 8"])
    #expect(tree.totalBytes == 808)
  }

  @Test func nativeShowsEveryFrame() throws {
    let tree = try AllocationTree.build(
      stacks: Self.stacks, samples: [StackSample(stack: 9, bytes: 800, count: 2)],
      symbolizer: Symbolizer(resolver: Self.symbols), filter: nil, rootLabel: "app")
    #expect(
      paths(tree) == [
        "_start > __libc_start_main > main > build(_:) > Array.append(_:) > Array._copyToNewBuffer(oldCount:) "
          + "> swift_allocObject > swift_slowAlloc > malloc = 800"
      ])
  }

  @Test func innermostFrameIsNotAReturnAddress() throws {
    final class Recorder: SymbolResolving {
      var seen: [CodeLocation] = []
      func resolve(_ locations: [CodeLocation]) throws -> [[SymbolizedFrame]] {
        seen += locations
        return locations.map { [.unresolved($0)] }
      }
    }
    let recorder = Recorder()
    _ = try AllocationTree.build(
      stacks: Self.stacks, samples: [StackSample(stack: 4, bytes: 1, count: 1)],
      symbolizer: Symbolizer(resolver: recorder),
      filter: nil, rootLabel: "app")
    #expect(recorder.seen.filter { !$0.isReturnAddress }.map(\.offset) == [4])
    #expect(Set(recorder.seen.filter(\.isReturnAddress).map(\.offset)) == [1, 2, 3, 4])
  }

  @Test(arguments: [
    (frame("build(_:)"), FrameFilter.Role.user),
    (frame("Array.append(_:)", nil, nil, module: core), .library),
    (frame("swift_allocObject", nil, nil, module: core), .allocator),
    (frame("malloc", "hooks.c", 3, module: tracker), .allocator),
    (frame("anything", "hooks.c", 3, module: tracker), .allocator),
    (frame("operator new(unsigned long)", nil, nil, module: "/usr/lib/x86_64-linux-gnu/libstdc++.so.6"), .allocator),
    (frame("specialized Array._copyToNewBuffer(oldCount:)", nil, nil), .library),
    (frame("void std::vector<int, std::allocator<int> >::_M_realloc_insert<int>(int&&)", nil, nil), .library),
    (frame("__libc_start_call_main", nil, nil, module: libc), .startup),
    (frame("strdup", nil, nil, module: libc), .library),
  ])
  func roles(frame: SymbolizedFrame, role: FrameFilter.Role) {
    #expect(FrameFilter().role(of: frame) == role)
  }
}
