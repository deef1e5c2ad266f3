import Symbols

extension AllocationTree {
  /// The nodes of a tree, root first and each parent before its children, kept as columns (one
  /// array per figure) and made into ``Node`` values only when read.
  ///
  /// A tree of two million nodes used to be an array of two million `Node`s, each with an array of
  /// its children, made from the builder's arrays after they were put in the tree's order: a sixth
  /// of `workshop flamegraph` on a depth-20 tree, whose icicle then reads a few hundred of them.
  /// The columns are the builder's arrays as they are, and a node read is made on the spot (its
  /// children as a new array).
  public struct Nodes: RandomAccessCollection, Equatable, Sendable {
    let columns: Columns

    /// 0.
    public var startIndex: Int { 0 }
    /// The number of nodes.
    public var endIndex: Int { columns.order.count }

    /// The node at `index`.
    ///
    /// - Complexity: O(*c*) for its *c* children (they are copied into the node's array).
    public subscript(index: Int) -> Node { columns.node(index) }

    /// Equal when every node is.
    public static func == (a: Nodes, b: Nodes) -> Bool { a.columns === b.columns || a.elementsEqual(b) }
  }

  /// The figures of every node, one array each (see ``Nodes``), indexed by the number the builder
  /// gave the node ("made" numbers, in the order the nodes were made, empty branches included);
  /// ``order`` and ``treeIndex`` lead from the tree's numbers to them and back.
  final class Columns: Sendable {
    /// The made number of each node of the tree, by tree index.
    let order: [Int32]
    /// The tree index of each made node, -1 for one left out (no bytes, no allocations).
    let treeIndex: [Int32]
    /// The distinct frames; a node names its frame by its place here (-1 for the root).
    let frames: [SharedFrame]
    let frameRefs: [Int32]
    /// Each node's parent, -1 for the root.
    let parents: [Int32]
    /// The children of node *n*: `children[childStart[n]..<childStart[n + 1]]`, largest first.
    let childStart: [Int32]
    let children: [Int32]
    let bytes: [UInt64]
    let counts: [UInt64]
    let ownBytes: [UInt64]
    let ownCounts: [UInt64]
    let depths: [Int32]
    let recursionDepths: [Int32]

    init(
      frames: [SharedFrame], frameRefs: [Int32], parents: [Int32], childStart: [Int32], children: [Int32],
      bytes: [UInt64], counts: [UInt64], ownBytes: [UInt64], ownCounts: [UInt64], depths: [Int32],
      recursionDepths: [Int32], order: [Int32], treeIndex: [Int32]
    ) {
      self.order = order
      self.treeIndex = treeIndex
      self.frames = frames
      self.frameRefs = frameRefs
      self.parents = parents
      self.childStart = childStart
      self.children = children
      self.bytes = bytes
      self.counts = counts
      self.ownBytes = ownBytes
      self.ownCounts = ownCounts
      self.depths = depths
      self.recursionDepths = recursionDepths
    }

    /// The frame object of the tree's node `index`, nil for the root.
    @inline(__always)
    func sharedFrame(of index: Int) -> SharedFrame? {
      let ref = Int(frameRefs[Int(order[index])])
      return ref >= 0 ? frames[ref] : nil
    }

    /// The tree index of the parent of the tree's node `index`, -1 for the root.
    @inline(__always)
    func parent(of index: Int) -> Int {
      let parent = Int(parents[Int(order[index])])
      return parent >= 0 ? Int(treeIndex[parent]) : -1
    }

    /// Made node `made`'s children's range in ``children``.
    @inline(__always)
    func childRange(of made: Int) -> Range<Int> { Int(childStart[made])..<Int(childStart[made + 1]) }

    /// The tree's node `index` as a value.
    func node(_ index: Int) -> Node {
      let made = Int(order[index])
      let parent = parent(of: index)
      return Node(
        sharedFrame: sharedFrame(of: index), parent: parent >= 0 ? parent : nil,
        children: children[childRange(of: made)].map { Int(treeIndex[Int($0)]) }, bytes: bytes[made],
        count: counts[made], ownBytes: ownBytes[made], ownCount: ownCounts[made], depth: Int(depths[made]),
        recursionDepth: Int(recursionDepths[made]))
    }

    /// Whether two siblings of equal bytes have equal labels but are different frames (two files
    /// of one name, say): their order is then the order their nodes were made in.
    func hasLabelTies() -> Bool {
      var labels = [String?](repeating: nil, count: frames.count)
      func label(_ ref: Int32) -> String {
        if let known = labels[Int(ref)] { return known }
        let made = frames[Int(ref)].frame.label
        labels[Int(ref)] = made
        return made
      }
      for made in 0..<parents.count {
        let range = childRange(of: made)
        guard range.count > 1 else { continue }
        for place in range.lowerBound..<range.upperBound - 1 {
          let (a, b) = (Int(children[place]), Int(children[place + 1]))
          guard bytes[a] == bytes[b], frameRefs[a] != frameRefs[b], frameRefs[a] >= 0, frameRefs[b] >= 0 else {
            continue
          }
          if label(frameRefs[a]) == label(frameRefs[b]) { return true }
        }
      }
      return false
    }

    /// The same tree weighed by allocation counts (``AllocationTree/weightedByCount()``): bytes are
    /// the counts, and each node's children are sorted again, most allocations first (ties keep
    /// their order).
    func weightedByCount() -> Columns {
      var children = self.children
      let counts = self.counts
      for made in 0..<parents.count {
        let range = childRange(of: made)
        guard range.count > 1 else { continue }
        let sorted = children[range].enumerated().sorted {
          (counts[Int($0.element)], $1.offset) > (counts[Int($1.element)], $0.offset)
        }
        for (place, entry) in zip(range, sorted) { children[place] = entry.element }
      }
      return Columns(
        frames: frames, frameRefs: frameRefs, parents: parents, childStart: childStart, children: children,
        bytes: counts, counts: counts, ownBytes: ownCounts, ownCounts: ownCounts, depths: depths,
        recursionDepths: recursionDepths, order: order, treeIndex: treeIndex)
    }
  }
}
