import Symbols
import Testing

@testable import MemoryAnalysis

@Suite struct AllocationTreeRecursionTests {
  /// `main` → `fib` (recursing from line 5, allocating at line 3) and `main` → `other`.
  func recursiveTree() -> AllocationTree {
    var builder = AllocationTree.Builder(rootLabel: "app")
    let call = frame("fib(_:)", "Fib.swift", 5)
    builder.add(stack: [frame("main"), call, call, call, frame("fib(_:)", "Fib.swift", 3)], bytes: 40, count: 4)
    builder.add(stack: [frame("main"), call, frame("Array.append(_:)", "Array.swift", 9)], bytes: 8, count: 1)
    builder.add(stack: [frame("main"), call, call, frame("Array.append(_:)", "Array.swift", 9)], bytes: 2, count: 1)
    builder.add(stack: [frame("main"), call], bytes: 10, count: 1)
    builder.add(stack: [frame("main"), frame("other")], bytes: 5, count: 1)
    return builder.build()
  }

  @Test func consecutiveCallsOfOneFunctionBecomeOneNodeWithTheirDepth() throws {
    let tree = recursiveTree()
    #expect(tree.height == 5)
    let folded = tree.foldingRecursion()
    #expect(folded.totalBytes == tree.totalBytes && folded.totalCount == tree.totalCount)
    let main = folded[folded.root.children[0]]
    #expect(main.children.map { folded[$0].frame?.function } == ["fib(_:)", "other"])
    let fib = folded[main.children[0]]
    #expect(fib.recursionDepth == 4 && fib.frame?.line == 5, "the longest run, the outermost frame")
    #expect(fib.bytes == 60 && fib.ownBytes == 50 && fib.ownCount == 5, "the run's own bytes together")
    // The callees of every frame of the run, merged where they are the same place.
    #expect(fib.children.map { folded[$0].frame?.function } == ["Array.append(_:)"])
    #expect(folded[fib.children[0]].bytes == 10 && folded[fib.children[0]].recursionDepth == 1)
    #expect(folded.height == 3)
    #expect(folded[main.children[1]].recursionDepth == 1)
  }

  @Test func framesOfOneFunctionApartStayApartAndFoldingTwiceChangesNothing() {
    var builder = AllocationTree.Builder(rootLabel: "app")
    builder.add(stack: [frame("a"), frame("b"), frame("a"), frame("a")], bytes: 3, count: 1)
    builder.add(stack: [frame("a"), frame("a", module: "/usr/lib/libother.so")], bytes: 1, count: 1)
    let folded = builder.build().foldingRecursion()
    let a = folded[folded.root.children[0]]
    #expect(a.recursionDepth == 1)
    #expect(a.children.map { folded[$0].frame?.function } == ["b", "a"], "another module's a is another function")
    let inner = folded[folded[a.children[0]].children[0]]
    #expect(inner.frame?.function == "a" && inner.recursionDepth == 2)
    #expect(folded.foldingRecursion().nodes == folded.nodes)
  }
}
