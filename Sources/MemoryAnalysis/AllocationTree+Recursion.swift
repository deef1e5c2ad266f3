import Symbols

extension AllocationTree {
  /// The same bytes with recursion folded, as heaptrack collapses it: a run of consecutive frames of
  /// one function (`fib` called by `fib` called by `fib`...) becomes one node, whose
  /// ``Node/recursionDepth`` is the longest such run, whose own bytes are the whole run's, and whose
  /// children are the callees of every frame of the run (merged where they are the same place).
  /// The frame kept is the outermost of the run. Frames of one function apart from each other
  /// (`a` → `b` → `a`) stay apart.
  ///
  /// - Complexity: O(n log n) for n nodes, as ``Builder/build()``. The walk reads the tree's columns
  ///   and compares and hashes each distinct frame once (a tree of millions of nodes has a few dozen):
  ///   made into `Node` values (each with its children's array) and compared per node, folding a
  ///   depth-20 tree was a third of `workshop view`'s start.
  public func foldingRecursion() -> AllocationTree {
    let columns = nodes.columns
    var builder = Builder(rootLabel: rootLabel)
    // Per distinct frame of this tree: the builder's registration of it, and a number that two
    // frames share exactly when they are calls of one function (``FunctionKey``).
    var registered = [Builder.RegisteredFrame?](repeating: nil, count: columns.frames.count)
    var functionNumbers = [Int](repeating: -1, count: columns.frames.count)
    var functions: [FunctionKey: Int] = [:]
    func functionNumber(_ ref: Int) -> Int {
      if functionNumbers[ref] < 0 {
        let frame = columns.frames[ref].frame
        let key =
          frame.function.map { FunctionKey.named($0, module: frame.location.module) }
          ?? FunctionKey.unnamed(frame.identity)
        functionNumbers[ref] = functions[key] ?? functions.count
        functions[key] = functionNumbers[ref]
      }
      return functionNumbers[ref]
    }
    // Where each node of this tree lands, and how long the run of its function is down to it.
    var target = [Int](repeating: AllocationTree.rootIndex, count: nodes.count)
    var run = [Int](repeating: 1, count: nodes.count)
    for index in nodes.indices {
      let made = Int(columns.order[index])
      let parent = columns.parent(of: index)
      let ref = Int(columns.frameRefs[made])
      if parent >= 0, ref >= 0 {
        let parentRef = Int(columns.frameRefs[Int(columns.order[parent])])
        let depth = Int(columns.recursionDepths[made])
        if parentRef >= 0, functionNumber(ref) == functionNumber(parentRef) {
          target[index] = target[parent]
          run[index] = run[parent] + depth
        } else {
          if registered[ref] == nil { registered[ref] = builder.register(columns.frames[ref].frame) }
          target[index] = builder.child(of: target[parent], registered: registered[ref]!)
          run[index] = depth
        }
        builder.noteRecursion(run[index], of: target[index])
      }
      builder.add(bytes: columns.ownBytes[made], count: columns.ownCounts[made], to: target[index])
    }
    return builder.build()
  }

  /// What makes two frames calls of one function, as a hashable value: the same name in the same
  /// module, or the same address when there is no name.
  private enum FunctionKey: Hashable {
    case named(String, module: String)
    case unnamed(SymbolizedFrame.Identity)
  }
}
