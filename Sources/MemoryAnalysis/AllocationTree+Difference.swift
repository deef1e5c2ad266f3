import Symbols

/// Two allocation trees side by side, as one: the learner's run (`mine`) and a reference run (the
/// exercise's solution). Frames are matched by function and file name, never by address or line,
/// so the two programs (built apart, their lines different) still meet in the same frames. Each
/// node of ``tree`` knows what it holds in each run; its width in ``tree`` is the larger of the two,
/// so that a frame that holds memory in only one run is still drawn.
public struct AllocationTreeDifference: Sendable {
  /// What makes frames of two programs the same frame here: the function and the file's name (not
  /// its folder, not the line); the module and address when there is no symbol.
  public struct FrameKey: Hashable, Sendable {
    var function: String?
    var file: String?
    var module: String?
    var offset: UInt64?

    /// The key of `frame`.
    public init(_ frame: SymbolizedFrame) {
      if let function = frame.function {
        self.function = function
        file = frame.file.map { $0.split(separator: "/").last.map(String.init) ?? $0 }
      } else {
        module = frame.location.module
        offset = frame.location.offset
      }
    }
  }

  /// The union of both trees; each node's bytes are the larger of its two own shares, summed up.
  public let tree: AllocationTree
  /// Bytes each node of ``tree`` (and its callees) holds in the learner's run.
  public let mine: [UInt64]
  /// Bytes each node of ``tree`` (and its callees) holds in the reference run.
  public let reference: [UInt64]
  private let nodesByPath: [[FrameKey]: Int]

  /// How much more (positive) or less (negative) `node` of ``tree`` holds in the learner's run.
  public func delta(of node: Int) -> Int64 {
    Int64(clamping: mine[node]) - Int64(clamping: reference[node])
  }

  /// The node of ``tree`` for the frames from the root down (`path`, outermost first), matched by
  /// ``FrameKey``; nil when neither run has those frames. Another tree of the same frames (the
  /// tree refolded, say) finds its nodes here.
  public func node(matching path: [SymbolizedFrame]) -> Int? {
    nodesByPath[path.map(FrameKey.init)]
  }

  init(tree: AllocationTree, mine: [UInt64], reference: [UInt64], nodesByPath: [[FrameKey]: Int]) {
    self.tree = tree
    self.mine = mine
    self.reference = reference
    self.nodesByPath = nodesByPath
  }
}

extension AllocationTree {
  /// This tree (the learner's) beside `reference`: see ``AllocationTreeDifference``. Fold the
  /// recursion of both first (``foldingRecursion()``) when the two recurse to different depths.
  ///
  /// - Complexity: O(n log n) for n nodes of both trees.
  public func difference(from reference: AllocationTree) -> AllocationTreeDifference {
    typealias Key = AllocationTreeDifference.FrameKey
    struct Place: Hashable {
      var parent: Int
      var key: Key
    }
    // The union of both trees' places: a place is a parent place and a frame key.
    var frames: [SymbolizedFrame?] = [nil]
    var parents: [Int] = [0]
    var own: [[UInt64]] = [[0, 0]]
    var counts: [[UInt64]] = [[0, 0]]
    var recursion: [Int] = [1]
    var places: [Place: Int] = [:]
    for (side, tree) in [self, reference].enumerated() {
      var union = [Int](repeating: 0, count: tree.nodes.count)
      for index in tree.nodes.indices {
        let node = tree.nodes[index]
        if let parent = node.parent, let frame = node.frame {
          let place = Place(parent: union[parent], key: Key(frame))
          if let known = places[place] {
            union[index] = known
          } else {
            union[index] = frames.count
            places[place] = frames.count
            frames.append(frame)
            parents.append(place.parent)
            own.append([0, 0])
            counts.append([0, 0])
            recursion.append(1)
          }
        }
        own[union[index]][side] += node.ownBytes
        counts[union[index]][side] += node.ownCount
        recursion[union[index]] = max(recursion[union[index]], node.recursionDepth)
      }
    }
    // Each place's totals in each run: children come after their parents.
    var totals = own
    for index in stride(from: frames.count - 1, through: 1, by: -1) {
      totals[parents[index]][0] += totals[index][0]
      totals[parents[index]][1] += totals[index][1]
    }
    var builder = Builder(rootLabel: rootLabel)
    var built = [Int](repeating: AllocationTree.rootIndex, count: frames.count)
    for index in frames.indices {
      if index > 0, let frame = frames[index] {
        built[index] = builder.child(of: built[parents[index]], frame: frame)
        builder.noteRecursion(recursion[index], of: built[index])
      }
      builder.add(bytes: own[index].max()!, count: counts[index].max()!, to: built[index])
    }
    let tree = builder.build()
    // The built tree is numbered anew: find each node's place again by its path of keys.
    var mine = [UInt64](repeating: 0, count: tree.nodes.count)
    var theirs = mine
    var place = [Int](repeating: 0, count: tree.nodes.count)
    var paths: [[Key]] = [[]]
    paths.reserveCapacity(tree.nodes.count)
    var nodesByPath: [[Key]: Int] = [[]: AllocationTree.rootIndex]
    for index in tree.nodes.indices {
      if let parent = tree.nodes[index].parent, let frame = tree.nodes[index].frame {
        let key = Key(frame)
        place[index] = places[Place(parent: place[parent], key: key)] ?? 0
        paths.append(paths[parent] + [key])
        nodesByPath[paths[index]] = index
      }
      mine[index] = totals[place[index]][0]
      theirs[index] = totals[place[index]][1]
    }
    return AllocationTreeDifference(tree: tree, mine: mine, reference: theirs, nodesByPath: nodesByPath)
  }
}
