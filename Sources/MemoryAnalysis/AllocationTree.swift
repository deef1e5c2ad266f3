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
    public var frame: SymbolizedFrame? {
      get { sharedFrame?.frame }
      set { sharedFrame = newValue.map(SharedFrame.init) }
    }
    /// The frame, one object shared by every node of that frame: a tree of millions of nodes has a
    /// few dozen frames, and a node holding its frame by value was twice the size and retained
    /// three strings each time it was copied.
    var sharedFrame: SharedFrame?
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

    /// Equal when every figure and the frame are.
    public static func == (a: Node, b: Node) -> Bool {
      a.frame == b.frame && a.parent == b.parent && a.children == b.children && a.bytes == b.bytes
        && a.count == b.count && a.ownBytes == b.ownBytes && a.ownCount == b.ownCount && a.depth == b.depth
        && a.recursionDepth == b.recursionDepth
    }
  }

  /// A frame shared by the nodes that show it (see ``Node/frame``).
  final class SharedFrame: Sendable {
    let frame: SymbolizedFrame
    init(_ frame: SymbolizedFrame) { self.frame = frame }
  }

  /// The root's index in ``nodes``.
  public static let rootIndex = 0

  /// Every node; the root first, each parent before its children.
  public private(set) var nodes: Nodes

  /// What the root stands for (the program's name).
  public var rootLabel: String

  /// The root: the whole program.
  public var root: Node { nodes[Self.rootIndex] }

  /// The total bytes: the peak, the leaks or the temporary allocations, whichever was built.
  public var totalBytes: UInt64 { nodes.columns.bytes[Int(nodes.columns.order[Self.rootIndex])] }

  /// The total number of allocations.
  public var totalCount: UInt64 { nodes.columns.counts[Int(nodes.columns.order[Self.rootIndex])] }

  /// The node at `index`.
  public subscript(index: Int) -> Node { nodes[index] }

  /// A node's label: the root's label for the root, else its frame's.
  public func label(of index: Int) -> String {
    nodes.columns.sharedFrame(of: index)?.frame.label ?? rootLabel
  }

  /// The indices from the root down to `index`, both included.
  ///
  /// - Complexity: O(depth).
  public func path(to index: Int) -> [Int] {
    var path = [index]
    var current = nodes.columns.parent(of: index)
    while current >= 0 {
      path.append(current)
      current = nodes.columns.parent(of: current)
    }
    return path.reversed()
  }

  /// The deepest node's depth.
  ///
  /// - Complexity: O(n).
  public var height: Int { Int(nodes.columns.depths.max() ?? 0) }

  init(columns: Columns, rootLabel: String) {
    self.nodes = Nodes(columns: columns)
    self.rootLabel = rootLabel
  }
}

extension AllocationTree {
  /// Builds a tree from explicit stacks, outermost frame first. Frames that are the same place
  /// (``SymbolizedFrame/identity``) under the same parent share a node.
  public struct Builder {
    /// Each node's frame, as an index into ``frameTable`` (-1 for the root): a tree of millions of
    /// nodes has a few dozen distinct frames, so each is stored, labelled and released once.
    private var frameRefs: [Int32] = [-1]
    private var frameTable: [SymbolizedFrame] = []
    private var parents: [Int32] = [-1]
    private var ownBytes: [UInt64] = [0]
    private var ownCounts: [UInt64] = [0]
    private var recursionDepths: [Int32] = [1]
    /// Each node's children as a list (its first child, each child's next sibling, newest first)
    /// and each node's frame identity number, in one record per node: a node's few children are found by walking the list,
    /// whose entries were made close together, instead of probing a table of every node at a
    /// random place (those cache misses were a sixth of building a tree of two million nodes).
    private var links: [ChildLinks] = [ChildLinks(identity: -1)]
    /// The children of nodes with more than ``listedChildren``: a child's place is its parent
    /// (high 32 bits) and its frame's identity number (low 32 bits). Integers rather than the
    /// identity's strings: hashing and comparing those for every node was most of building a tree
    /// of a million stacks.
    private var childIndex = ChildTable()
    /// Children found by walking the list; a wider node's are in ``childIndex``.
    private static let listedChildren: Int32 = 8
    /// The number of each distinct frame identity met so far.
    private var identityNumbers: [SymbolizedFrame.Identity: Int] = [:]
    /// What the root stands for.
    public var rootLabel: String

    /// A frame added once and used under many parents: its place in the frame table and the
    /// number of its identity (``AllocationTree/Builder/register(_:)``).
    struct RegisteredFrame {
      var frameRef: Int32
      var identityNumber: Int
    }

    /// What finding a node's children needs of each node, side by side in one record.
    private struct ChildLinks {
      /// The node's frame identity number.
      var identity: Int32
      /// Its newest child, -1 for none.
      var firstChild: Int32 = -1
      /// Its parent's next older child, -1 for none.
      var nextSibling: Int32 = -1
      var childCount: Int32 = 0
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
      let number = identityNumber(identity)
      if let known = existingChild(of: parent, identityNumber: number) { return known }
      frameTable.append(frame)
      return makeChild(of: parent, frameRef: Int32(frameTable.count - 1), identityNumber: number)
    }

    /// Adds `frame` to the frame table once, for a caller that puts it under many parents
    /// (``child(of:registered:)``).
    mutating func register(_ frame: SymbolizedFrame) -> RegisteredFrame {
      frameTable.append(frame)
      return RegisteredFrame(frameRef: Int32(frameTable.count - 1), identityNumber: identityNumber(frame.identity))
    }

    /// ``child(of:frame:)`` for a registered frame: no hashing of strings.
    mutating func child(of parent: Int, registered frame: RegisteredFrame) -> Int {
      if let known = existingChild(of: parent, identityNumber: frame.identityNumber) { return known }
      return makeChild(of: parent, frameRef: frame.frameRef, identityNumber: frame.identityNumber)
    }

    /// The child of `parent` whose frame has identity number `number`, if it was made.
    private func existingChild(of parent: Int, identityNumber number: Int) -> Int? {
      if links[parent].childCount > Self.listedChildren {
        return childIndex.value(for: UInt64(parent) << 32 | UInt64(number)).map(Int.init)
      }
      var child = links[parent].firstChild
      while child >= 0 {
        if links[Int(child)].identity == Int32(truncatingIfNeeded: number) { return Int(child) }
        child = links[Int(child)].nextSibling
      }
      return nil
    }

    private mutating func identityNumber(_ identity: SymbolizedFrame.Identity) -> Int {
      if let known = identityNumbers[identity] { return known }
      let number = identityNumbers.count
      identityNumbers[identity] = number
      return number
    }

    private mutating func makeChild(of parent: Int, frameRef: Int32, identityNumber number: Int) -> Int {
      let index = frameRefs.count
      frameRefs.append(frameRef)
      parents.append(Int32(parent))
      ownBytes.append(0)
      ownCounts.append(0)
      recursionDepths.append(1)
      links.append(
        ChildLinks(identity: Int32(truncatingIfNeeded: number), nextSibling: links[parent].firstChild))
      links[parent].firstChild = Int32(index)
      links[parent].childCount += 1
      let childCount = links[parent].childCount
      if childCount == Self.listedChildren + 1 {
        // Too wide to walk: from now on its children are found in the table.
        var child = links[parent].firstChild
        while child >= 0 {
          let identity = UInt64(UInt32(bitPattern: links[Int(child)].identity))
          childIndex.insert(child, for: UInt64(parent) << 32 | identity)
          child = links[Int(child)].nextSibling
        }
      } else if childCount > Self.listedChildren + 1 {
        childIndex.insert(Int32(index), for: UInt64(parent) << 32 | UInt64(number))
      }
      return index
    }

    /// Makes room for about `count` nodes, so that a large tree does not grow its index step by step.
    mutating func reserveCapacity(_ count: Int) {
      frameRefs.reserveCapacity(count)
      parents.reserveCapacity(count)
      ownBytes.reserveCapacity(count)
      ownCounts.reserveCapacity(count)
      recursionDepths.reserveCapacity(count)
      links.reserveCapacity(count)
    }

    /// The number of nodes made so far, the root included.
    var nodeCount: Int { frameRefs.count }

    /// `node`'s parent, -1 for the root; a parent is always made before its children.
    func parent(of node: Int) -> Int { Int(parents[node]) }

    /// The bytes added to `node` itself so far.
    func ownBytes(of node: Int) -> UInt64 { ownBytes[node] }

    /// Adds `bytes` in `count` allocations to `node`'s own share.
    public mutating func add(bytes: UInt64, count: UInt64, to node: Int) {
      ownBytes[node] += bytes
      ownCounts[node] += count
    }

    /// Records that `node` stands for at least `depth` consecutive calls of its function.
    mutating func noteRecursion(_ depth: Int, of node: Int) {
      recursionDepths[node] = max(recursionDepths[node], Int32(clamping: depth))
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
      // Local copies of the arrays (a retain each): the closures below would otherwise capture the
      // whole builder, and copying it per comparison was a fifth of building a large tree.
      let (parents, frameRefs, frameTable) = (self.parents, self.frameRefs, self.frameTable)
      let (ownBytes, ownCounts, recursionDepths) = (self.ownBytes, self.ownCounts, self.recursionDepths)
      let count = frameRefs.count
      var bytes = ownBytes
      var counts = ownCounts
      // Children always come after their parent, so one backward pass sums every subtree.
      for index in stride(from: count - 1, through: 1, by: -1) {
        let parent = Int(parents[index])
        bytes[parent] += bytes[index]
        counts[parent] += counts[index]
      }
      // Each node's children as a range of one array (counted, then placed), not an array each.
      var childStart = [Int32](repeating: 0, count: count + 1)
      for index in 1..<max(count, 1) where bytes[index] > 0 || counts[index] > 0 {
        childStart[Int(parents[index]) + 1] += 1
      }
      for index in 0..<count { childStart[index + 1] += childStart[index] }
      var filled = childStart
      var childList = [Int32](repeating: 0, count: Int(childStart[count]))
      for index in 1..<max(count, 1) where bytes[index] > 0 || counts[index] > 0 {
        let parent = Int(parents[index])
        childList[Int(filled[parent])] = Int32(index)
        filled[parent] += 1
      }
      // Labels break ties between siblings of equal size; each distinct frame's is made once, when
      // first compared.
      var labels = [String?](repeating: nil, count: frameTable.count)
      func label(_ node: Int) -> String {
        let ref = Int(frameRefs[node])
        guard ref >= 0 else { return "" }
        if let known = labels[ref] { return known }
        let made = frameTable[ref].label
        labels[ref] = made
        return made
      }
      // Sort each node's children largest first, then number the nodes depth-first from the root so
      // that parents precede children and siblings are in order.
      func precedes(_ a: Int32, _ b: Int32) -> Bool {
        let (a, b) = (Int(a), Int(b))
        return bytes[a] != bytes[b] ? bytes[a] > bytes[b] : frameRefs[a] != frameRefs[b] && label(a) < label(b)
      }
      for node in 0..<count {
        let start = Int(childStart[node])
        let end = Int(childStart[node + 1])
        if end - start == 2 {
          // Most nodes of a large tree have one or two children: two need one comparison, not a sort
          // (the same order: the second goes first only if it precedes the first).
          if precedes(childList[start + 1], childList[start]) { childList.swapAt(start, start + 1) }
        } else if end - start > 2 {
          childList[start..<end].sort(by: precedes)
        }
      }
      var order: [Int32] = []  // the builder's number of each node of the tree
      order.reserveCapacity(count)
      var treeIndex = [Int32](repeating: -1, count: count)
      var depths = [Int32](repeating: 0, count: count)
      var pending: [Int32] = [0]
      while let made = pending.popLast().map(Int.init) {
        treeIndex[made] = Int32(order.count)
        order.append(Int32(made))
        let parent = Int(parents[made])
        if parent >= 0 { depths[made] = depths[parent] + 1 }
        let range = Int(childStart[made])..<Int(childStart[made + 1])
        for child in childList[range].reversed() { pending.append(child) }
      }
      // The builder's arrays, as they are: the tree's numbers lead to them through `order`.
      let columns = Columns(
        frames: frameTable.map(SharedFrame.init), frameRefs: frameRefs, parents: parents, childStart: childStart,
        children: childList, bytes: bytes, counts: counts, ownBytes: ownBytes, ownCounts: ownCounts, depths: depths,
        recursionDepths: recursionDepths, order: order, treeIndex: treeIndex)
      return AllocationTree(columns: columns, rootLabel: rootLabel)
    }
  }

  /// The same tree weighed by how often rather than how much: each node's `bytes` and `ownBytes`
  /// become its allocation counts, so an icicle drawn from it is as wide as the allocations made
  /// (as heaptrack's flame graph of allocations is). Draw it with ``IcicleWeight/allocations``.
  ///
  /// - Complexity: O(*n*) for *n* nodes.
  public func weightedByCount() -> AllocationTree {
    // Children stay largest first, now by count (ties keep their order by bytes).
    AllocationTree(columns: nodes.columns.weightedByCount(), rootLabel: rootLabel)
  }

  /// The same bytes with every stack turned upside down: the root's children are the frames that
  /// allocated, and their children the callers (memray's `--inverted`).
  ///
  /// - Complexity: O(sum of the depths of the nodes with own bytes).
  public func inverted() -> AllocationTree {
    var builder = Builder(rootLabel: rootLabel)
    // Each distinct frame registered once (the nodes of one frame share its object), so that the
    // walks below, one per node and as long as its depth, hash no strings.
    let columns = nodes.columns
    // Registered in the order of the tree's nodes; indexed by the builder's numbers (see ``Columns``).
    var registeredByRef = [Builder.RegisteredFrame?](repeating: nil, count: columns.frames.count)
    var registered = [Builder.RegisteredFrame?](repeating: nil, count: columns.frameRefs.count)
    for made in columns.order.lazy.map(Int.init) {
      let ref = Int(columns.frameRefs[made])
      guard ref >= 0 else { continue }
      if registeredByRef[ref] == nil { registeredByRef[ref] = builder.register(columns.frames[ref].frame) }
      registered[made] = registeredByRef[ref]
    }
    for made in columns.order.lazy.map(Int.init) where columns.ownBytes[made] > 0 || columns.ownCounts[made] > 0 {
      var target = AllocationTree.rootIndex
      var current = made
      while current >= 0, let frame = registered[current] {
        target = builder.child(of: target, registered: frame)
        current = Int(columns.parents[current])
      }
      builder.add(bytes: columns.ownBytes[made], count: columns.ownCounts[made], to: target)
    }
    return builder.build()
  }
}

/// The builder's map from a child's place (parent and identity number, packed in 64 bits) to its
/// node: open addressing with linear probing and a multiplicative hash. Why not a `Dictionary`: its
/// seeded SipHash and generic probing were a fifth of building a tree of two million nodes, for
/// keys that are plain integers.
struct ChildTable {
  private var keys: [UInt64]
  private var values: [Int32]
  private var mask: Int
  private(set) var count = 0

  /// An empty table.
  init() {
    keys = [UInt64](repeating: .max, count: 16)
    values = [Int32](repeating: 0, count: 16)
    mask = 15
  }

  /// Grows to hold `count` keys without growing again.
  mutating func reserveCapacity(_ count: Int) {
    var capacity = 16
    while capacity < count * 2 { capacity <<= 1 }
    if capacity > keys.count { rehash(capacity) }
  }

  /// The value for `key` (never `UInt64.max`, which marks an empty slot).
  func value(for key: UInt64) -> Int32? {
    var slot = Self.slot(key, mask)
    while true {
      let found = keys[slot]
      if found == key { return values[slot] }
      if found == .max { return nil }
      slot = (slot + 1) & mask
    }
  }

  /// Stores `value` for `key`, which is not in the table yet.
  mutating func insert(_ value: Int32, for key: UInt64) {
    if (count + 1) * 2 > keys.count { rehash(keys.count * 2) }
    var slot = Self.slot(key, mask)
    while keys[slot] != .max { slot = (slot + 1) & mask }
    keys[slot] = key
    values[slot] = value
    count += 1
  }

  private static func slot(_ key: UInt64, _ mask: Int) -> Int {
    Int(truncatingIfNeeded: (key &* 0x9E37_79B9_7F4A_7C15) >> 32) & mask
  }

  private mutating func rehash(_ capacity: Int) {
    let (oldKeys, oldValues) = (keys, values)
    keys = [UInt64](repeating: .max, count: capacity)
    values = [Int32](repeating: 0, count: capacity)
    mask = capacity - 1
    count = 0
    for (key, value) in zip(oldKeys, oldValues) where key != .max { insert(value, for: key) }
  }
}
