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

  /// Whether two frames are calls of one function, as folding was first written: the same name in
  /// the same module, or the same address when there is no name.
  static func sameFunction(_ a: SymbolizedFrame, _ b: SymbolizedFrame) -> Bool {
    guard let function = a.function else { return b.function == nil && a.identity == b.identity }
    return function == b.function && a.location.module == b.location.module
  }

  /// Folding as it was written first, node by node through `Node` values: the tree's column walk
  /// must give the very same tree.
  static func referenceFolding(_ tree: AllocationTree) -> AllocationTree {
    var builder = AllocationTree.Builder(rootLabel: tree.rootLabel)
    var target = [Int](repeating: AllocationTree.rootIndex, count: tree.nodes.count)
    var run = [Int](repeating: 1, count: tree.nodes.count)
    for index in tree.nodes.indices {
      let node = tree[index]
      if let parent = node.parent, let frame = node.frame {
        if let parentFrame = tree[parent].frame, Self.sameFunction(frame, parentFrame) {
          target[index] = target[parent]
          run[index] = run[parent] + node.recursionDepth
        } else {
          target[index] = builder.child(of: target[parent], frame: frame)
          run[index] = node.recursionDepth
        }
        builder.noteRecursion(run[index], of: target[index])
      }
      builder.add(bytes: node.ownBytes, count: node.ownCount, to: target[index])
    }
    return builder.build()
  }

  @Test(arguments: 0..<20 as Range<UInt64>)
  func foldingEqualsTheNodeByNodeFolding(seed: UInt64) {
    var random = SplitMix(seed: seed)
    // Few functions, lines and modules, deep stacks: runs of one function, the same place under
    // several parents, equal sizes among siblings, unnamed frames.
    let places: [SymbolizedFrame] = [
      frame("main"), frame("fib(_:)", "Fib.swift", 5), frame("fib(_:)", "Fib.swift", 3),
      frame("fib(_:)", "Fib.swift", 5, module: "/usr/lib/libfib.so"), frame("walk", "Tree.swift", 8),
      frame("walk", "Tree.swift", 9), frame("leaf", nil, nil),
      SymbolizedFrame.unresolved(CodeLocation(module: "/lib/libc.so.6", offset: 0x40)),
      SymbolizedFrame.unresolved(CodeLocation(module: "/lib/libc.so.6", offset: 0x80)),
    ]
    var builder = AllocationTree.Builder(rootLabel: "app")
    for _ in 0..<200 {
      let depth = Int(random.next() % 24)
      let stack = (0..<depth).map { _ in places[Int(random.next() % UInt64(places.count))] }
      builder.add(stack: stack, bytes: (random.next() % 4 + 1) * 16, count: random.next() % 3 + 1)
    }
    let tree = builder.build()
    let folded = tree.foldingRecursion()
    #expect(folded.nodes == Self.referenceFolding(tree).nodes)
    #expect(folded.foldingRecursion().nodes == Self.referenceFolding(folded).nodes)
    // Weighed by counts, as the course folds it.
    #expect(tree.weightedByCount().foldingRecursion().nodes == Self.referenceFolding(tree.weightedByCount()).nodes)
  }
}
