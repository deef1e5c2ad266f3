import Symbols

extension AllocationTree {
  /// The same bytes with recursion folded, as heaptrack collapses it: a run of consecutive frames of
  /// one function (`fib` called by `fib` called by `fib`...) becomes one node, whose
  /// ``Node/recursionDepth`` is the longest such run, whose own bytes are the whole run's, and whose
  /// children are the callees of every frame of the run (merged where they are the same place).
  /// The frame kept is the outermost of the run. Frames of one function apart from each other
  /// (`a` → `b` → `a`) stay apart.
  ///
  /// - Complexity: O(n log n) for n nodes, as ``Builder/build()``.
  public func foldingRecursion() -> AllocationTree {
    var builder = Builder(rootLabel: rootLabel)
    // Where each node of this tree lands, and how long the run of its function is down to it.
    var target = [Int](repeating: AllocationTree.rootIndex, count: nodes.count)
    var run = [Int](repeating: 1, count: nodes.count)
    for index in nodes.indices {
      let node = nodes[index]
      if let parent = node.parent, let frame = node.frame {
        if let parentFrame = nodes[parent].frame, Self.sameFunction(frame, parentFrame) {
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

  /// Whether two frames are calls of one function (whatever the line): the same name in the same
  /// module, or the same address when there is no name.
  static func sameFunction(_ a: SymbolizedFrame, _ b: SymbolizedFrame) -> Bool {
    guard let function = a.function else { return b.function == nil && a.identity == b.identity }
    return function == b.function && a.location.module == b.location.module
  }
}
