import Symbols

/// Where the bytes of one moment went, as a call tree: the root is the program, each node a frame
/// and its children the frames it called. A node's ``Node/bytes`` include its children's.
///
/// The same type holds what was alive at the peak, what leaked at exit and the temporary
/// allocations; which one it is depends only on the samples it was built from. Build one with
/// ``Builder`` (explicit stacks) or ``build(stacks:samples:symbolizer:filter:rootLabel:)``
/// (a capture's stack nodes).
public struct AllocationTree: Sendable {
  /// One frame of the tree.
  public struct Node: Sendable, Equatable {
    /// The frame, or nil for the root.
    public var frame: SymbolizedFrame?
    /// The parent's index, or nil for the root.
    public var parent: Int?
    /// The children's indices, largest first (ties by label, so the order is stable).
    public var children: [Int]
    /// Bytes allocated here and in every callee.
    public var bytes: UInt64
    /// Allocations made here and in every callee.
    public var count: UInt64
    /// Bytes attributed to this frame itself (the allocation's innermost visible frame).
    public var ownBytes: UInt64
    /// Allocations attributed to this frame itself.
    public var ownCount: UInt64
    /// 0 for the root, 1 for its children...
    public var depth: Int
    /// How many consecutive calls of one function the node stands for: 1, or more in a tree whose
    /// recursion was folded (``AllocationTree/foldingRecursion()``).
    public var recursionDepth: Int = 1
  }

  /// The root's index in ``nodes``.
  public static let rootIndex = 0

  /// Every node; the root first, each parent before its children.
  public private(set) var nodes: [Node]

  /// What the root stands for (the program's name).
  public var rootLabel: String

  /// The root: the whole program.
  public var root: Node { nodes[Self.rootIndex] }

  /// The total bytes: the peak, the leaks or the temporary allocations, whichever was built.
  public var totalBytes: UInt64 { root.bytes }

  /// The total number of allocations.
  public var totalCount: UInt64 { root.count }

  /// The node at `index`.
  public subscript(index: Int) -> Node { nodes[index] }

  /// A node's label: the root's label for the root, else its frame's.
  public func label(of index: Int) -> String {
    nodes[index].frame?.label ?? rootLabel
  }

  /// The indices from the root down to `index`, both included.
  ///
  /// - Complexity: O(depth).
  public func path(to index: Int) -> [Int] {
    var path = [index]
    var current = nodes[index].parent
    while let node = current {
      path.append(node)
      current = nodes[node].parent
    }
    return path.reversed()
  }

  /// The deepest node's depth.
  ///
  /// - Complexity: O(n).
  public var height: Int { nodes.map(\.depth).max() ?? 0 }

  init(nodes: [Node], rootLabel: String) {
    self.nodes = nodes
    self.rootLabel = rootLabel
  }
}

extension AllocationTree {
  /// Builds a tree from explicit stacks, outermost frame first. Frames that are the same place
  /// (``SymbolizedFrame/identity``) under the same parent share a node.
  public struct Builder {
    private var frames: [SymbolizedFrame?] = [nil]
    private var parents: [Int?] = [nil]
    private var ownBytes: [UInt64] = [0]
    private var ownCounts: [UInt64] = [0]
    private var recursionDepths: [Int] = [1]
    private var childIndex: [ChildKey: Int] = [:]
    /// What the root stands for.
    public var rootLabel: String

    /// A child's place: its parent and its frame's identity. The identity's hash is computed once
    /// per frame by the caller that can (``child(of:frame:identity:identityHash:)``): hashing the
    /// identity's strings for every node was most of building a tree of a million stacks.
    private struct ChildKey: Hashable {
      var parent: Int
      var identity: SymbolizedFrame.Identity
      var identityHash: Int

      static func == (a: ChildKey, b: ChildKey) -> Bool {
        a.parent == b.parent && a.identityHash == b.identityHash && a.identity == b.identity
      }

      func hash(into hasher: inout Hasher) {
        hasher.combine(parent)
        hasher.combine(identityHash)
      }
    }

    /// An empty tree whose root is `rootLabel`.
    public init(rootLabel: String) {
      self.rootLabel = rootLabel
    }

    /// The child of `parent` for `frame`, made if needed. Index 0 is the root.
    ///
    /// - Complexity: O(1) amortised.
    public mutating func child(of parent: Int, frame: SymbolizedFrame) -> Int {
      let identity = frame.identity
      return child(of: parent, frame: frame, identity: identity, identityHash: identity.hashValue)
    }

    /// ``child(of:frame:)`` with the frame's identity and its hash given, for a caller that adds
    /// one frame under many parents.
    mutating func child(
      of parent: Int, frame: SymbolizedFrame, identity: SymbolizedFrame.Identity, identityHash: Int
    ) -> Int {
      let key = ChildKey(parent: parent, identity: identity, identityHash: identityHash)
      if let known = childIndex[key] { return known }
      let index = frames.count
      frames.append(frame)
      parents.append(parent)
      ownBytes.append(0)
      ownCounts.append(0)
      recursionDepths.append(1)
      childIndex[key] = index
      return index
    }

    /// Makes room for about `count` nodes, so that a large tree does not grow its index step by step.
    mutating func reserveCapacity(_ count: Int) {
      frames.reserveCapacity(count)
      parents.reserveCapacity(count)
      ownBytes.reserveCapacity(count)
      ownCounts.reserveCapacity(count)
      recursionDepths.reserveCapacity(count)
      childIndex.reserveCapacity(count)
    }

    /// Adds `bytes` in `count` allocations to `node`'s own share.
    public mutating func add(bytes: UInt64, count: UInt64, to node: Int) {
      ownBytes[node] += bytes
      ownCounts[node] += count
    }

    /// Records that `node` stands for at least `depth` consecutive calls of its function.
    mutating func noteRecursion(_ depth: Int, of node: Int) {
      recursionDepths[node] = max(recursionDepths[node], depth)
    }

    /// Adds one stack, outermost frame first; an empty stack adds to the root.
    ///
    /// - Complexity: O(frames).
    public mutating func add(stack: [SymbolizedFrame], bytes: UInt64, count: UInt64) {
      var node = AllocationTree.rootIndex
      for frame in stack { node = child(of: node, frame: frame) }
      add(bytes: bytes, count: count, to: node)
    }

    /// The finished tree: totals summed up, children sorted largest first, empty branches left out.
    ///
    /// - Complexity: O(n log n) for n nodes (the sort of each node's children).
    public func build() -> AllocationTree {
      let count = frames.count
      var bytes = ownBytes
      var counts = ownCounts
      // Children always come after their parent, so one backward pass sums every subtree.
      for index in stride(from: count - 1, through: 1, by: -1) {
        let parent = parents[index]!
        bytes[parent] += bytes[index]
        counts[parent] += counts[index]
      }
      var children = [[Int]](repeating: [], count: count)
      for index in 1..<max(count, 1) where bytes[index] > 0 || counts[index] > 0 {
        children[parents[index]!].append(index)
      }
      // Renumber depth-first from the root so that parents precede children and siblings are sorted.
      var nodes: [Node] = []
      nodes.reserveCapacity(count)
      var stack: [(old: Int, parent: Int?, depth: Int)] = [(0, nil, 0)]
      // Labels break ties between siblings of equal size; each is made once, when first compared.
      var labels = [String?](repeating: nil, count: count)
      func label(_ node: Int) -> String {
        if let known = labels[node] { return known }
        let made = frames[node]?.label ?? ""
        labels[node] = made
        return made
      }
      while let (old, parent, depth) = stack.popLast() {
        let index = nodes.count
        nodes.append(
          Node(
            frame: frames[old], parent: parent, children: [], bytes: bytes[old], count: counts[old],
            ownBytes: ownBytes[old], ownCount: ownCounts[old], depth: depth, recursionDepth: recursionDepths[old]))
        if let parent { nodes[parent].children.append(index) }
        var sorted = children[old]
        if sorted.count > 1 {
          sorted.sort { a, b in bytes[a] != bytes[b] ? bytes[a] > bytes[b] : label(a) < label(b) }
        }
        for child in sorted.reversed() { stack.append((child, index, depth + 1)) }
      }
      return AllocationTree(nodes: nodes, rootLabel: rootLabel)
    }
  }

  /// The same tree weighed by how often rather than how much: each node's `bytes` and `ownBytes`
  /// become its allocation counts, so an icicle drawn from it is as wide as the allocations made
  /// (as heaptrack's flame graph of allocations is). Draw it with ``IcicleWeight/allocations``.
  ///
  /// - Complexity: O(*n*) for *n* nodes.
  public func weightedByCount() -> AllocationTree {
    var copy = self
    for index in copy.nodes.indices {
      copy.nodes[index].bytes = copy.nodes[index].count
      copy.nodes[index].ownBytes = copy.nodes[index].ownCount
    }
    // Children stay largest first, now by count (ties keep their order by bytes).
    let counts = copy.nodes.map(\.count)
    for index in copy.nodes.indices {
      copy.nodes[index].children = copy.nodes[index].children.enumerated().sorted {
        (counts[$0.element], $1.offset) > (counts[$1.element], $0.offset)
      }.map(\.element)
    }
    return copy
  }

  /// The same bytes with every stack turned upside down: the root's children are the frames that
  /// allocated, and their children the callers (memray's `--inverted`).
  ///
  /// - Complexity: O(sum of the depths of the nodes with own bytes).
  public func inverted() -> AllocationTree {
    var builder = Builder(rootLabel: rootLabel)
    for index in nodes.indices where nodes[index].ownBytes > 0 || nodes[index].ownCount > 0 {
      var target = AllocationTree.rootIndex
      var current: Int? = index
      while let node = current, let frame = nodes[node].frame {
        target = builder.child(of: target, frame: frame)
        current = nodes[node].parent
      }
      builder.add(bytes: nodes[index].ownBytes, count: nodes[index].ownCount, to: target)
    }
    return builder.build()
  }
}
