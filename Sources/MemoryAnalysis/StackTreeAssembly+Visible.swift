/// Placing only what an icicle can show: a tree of two million stacks drawn in 120 columns reads
/// a few hundred nodes, and making all of them was a third of `workshop flamegraph` on such a tree.
///
/// The tree grows from the root down. A tree node is *expanded* when the stack nodes that lead to
/// it (its *members*, with the filter's state there) have their children placed under it; until
/// then every byte below a member waits on the node as one pending sum, so each node's total is
/// exact from the moment it is made. Only a node the icicle may draw as a box of its own is
/// expanded: its children (every one of them, with their exact totals) are what the layout reads.
/// The others keep their bytes and allocations as their own, which no icicle reads.
///
/// Which nodes may be drawn: the root's box is the icicle's width; a child's box is a whole number
/// of columns, at most its parent's and at most its share of its parent's box plus 1 (the layout's
/// cumulative rounding; a column taken from a wider sibling only ever widens a merged box to 1);
/// and a box drawn as a node is at least `minimumWidth` wide. So a node of `b` bytes under a parent
/// of `p` bytes whose box is at most `U` columns is at most `min(U, ⌊b / p × U + 1⌋)` columns wide;
/// a node whose bound is under `minimumWidth`, or that is deeper than the depth limit, or whose
/// parent cannot be drawn, is never drawn.
extension StackTreeAssembly {
  /// Adds every sample to the tree as ``place(_:)`` does, making only the nodes an icicle within
  /// `bounds` can read (see above). False, with nothing placed, when the samples hold no bytes
  /// (the icicle then shows no share of anything, and ``place(_:)`` is as cheap).
  ///
  /// - Complexity: O(n + s) for n stack nodes and s samples, plus O(m × r) for the m tree nodes
  ///   made over r rounds of expansion (one per level the icicle can reach).
  mutating func placeVisible(_ samples: [StackSample], within bounds: AllocationTree.IcicleBounds) -> Bool {
    let localCount = parentLocal.count
    // Each stack node's samples and children as ranges of one array each, and what lies below it.
    var sampleStart = [Int32](repeating: 0, count: localCount + 1)
    for local in sampleLocal { sampleStart[Int(local) + 1] += 1 }
    for local in 0..<localCount { sampleStart[local + 1] += sampleStart[local] }
    var sampleOrder = [Int32](repeating: 0, count: samples.count)
    do {
      var filled = sampleStart
      for (index, local) in sampleLocal.enumerated() {
        sampleOrder[Int(filled[Int(local)])] = Int32(index)
        filled[Int(local)] += 1
      }
    }
    var childStart = [Int32](repeating: 0, count: localCount + 1)
    for local in 1..<max(localCount, 1) { childStart[Int(parentLocal[local]) + 1] += 1 }
    for local in 0..<localCount { childStart[local + 1] += childStart[local] }
    var childOrder = [Int32](repeating: 0, count: max(localCount - 1, 0))
    do {
      var filled = childStart
      for local in 1..<max(localCount, 1) {
        let parent = Int(parentLocal[local])
        childOrder[Int(filled[parent])] = Int32(local)
        filled[parent] += 1
      }
    }
    // Bytes and allocations of the samples strictly below each stack node: its subtree's less its own.
    var belowBytes = [UInt64](repeating: 0, count: localCount)
    var belowCounts = [UInt64](repeating: 0, count: localCount)
    for local in stride(from: localCount - 1, through: 1, by: -1) {
      var bytes = belowBytes[local]
      var count = belowCounts[local]
      for place in Int(sampleStart[local])..<Int(sampleStart[local + 1]) {
        bytes &+= samples[Int(sampleOrder[place])].bytes
        count &+= samples[Int(sampleOrder[place])].count
      }
      let parent = Int(parentLocal[local])
      belowBytes[parent] &+= bytes
      belowCounts[parent] &+= count
    }
    var totalBytes: UInt64 = 0
    for sample in samples { totalBytes &+= sample.bytes }
    guard totalBytes > 0 else { return false }

    // Per tree node (the builder's numbers): its members not yet expanded, as a list through
    // `memberNext`, the bytes waiting on it, and whether it was expanded.
    var memberHead: [Int32] = [-1]
    var members: [VisibleMember] = []
    var memberNext: [Int32] = []
    var pendingBytes: [UInt64] = [0]
    var pendingCounts: [UInt64] = [0]
    var expanded: [Bool] = [false]
    // Members of expanded nodes whose children are still to place: (tree node, member).
    var work: [VisibleMember.Placing] = []

    func grow(to count: Int) {
      while memberHead.count < count {
        memberHead.append(-1)
        pendingBytes.append(0)
        pendingCounts.append(0)
        expanded.append(false)
      }
    }
    func addMember(_ member: VisibleMember, to tree: Int32) {
      grow(to: builder.nodeCount)
      if expanded[Int(tree)] {
        work.append(VisibleMember.Placing(tree: tree, member: member))
        return
      }
      members.append(member)
      memberNext.append(memberHead[Int(tree)])
      memberHead[Int(tree)] = Int32(members.count - 1)
      pendingBytes[Int(tree)] &+= belowBytes[Int(member.local)]
      pendingCounts[Int(tree)] &+= belowCounts[Int(member.local)]
    }
    func expand(_ tree: Int) {
      expanded[tree] = true
      pendingBytes[tree] = 0
      pendingCounts[tree] = 0
      var member = memberHead[tree]
      memberHead[tree] = -1
      while member >= 0 {
        work.append(VisibleMember.Placing(tree: Int32(tree), member: members[Int(member)]))
        member = memberNext[Int(member)]
      }
      while let placing = work.popLast() {
        let member = placing.member
        let start = (tree: placing.tree, state: member.state)
        for place in Int(childStart[Int(member.local)])..<Int(childStart[Int(member.local) + 1]) {
          let child = Int(childOrder[place])
          for samplePlace in Int(sampleStart[child])..<Int(sampleStart[child + 1]) {
            let index = Int(sampleOrder[samplePlace])
            let position = descend(from: start, through: Int(sampleLeafLocation[index]))
            builder.add(bytes: samples[index].bytes, count: samples[index].count, to: Int(position.tree))
          }
          guard belowBytes[child] > 0 || belowCounts[child] > 0 else { continue }
          let position = descend(from: start, through: Int(callerLocation[child]))
          addMember(VisibleMember(local: Int32(child), state: position.state), to: position.tree)
        }
      }
    }

    // The root: the samples without a stack are its own, and the empty stack leads to it.
    for place in Int(sampleStart[0])..<Int(sampleStart[1]) {
      let index = Int(sampleOrder[place])
      builder.add(bytes: samples[index].bytes, count: samples[index].count, to: AllocationTree.rootIndex)
    }
    addMember(VisibleMember(local: 0, state: .start), to: Int32(AllocationTree.rootIndex))
    expand(AllocationTree.rootIndex)

    // A little over each bound, so that the floating-point rounding of a share never takes a
    // column from a node the layout's own rounding draws.
    let slack = 1e-9
    let maxDepth = bounds.maxDepth ?? Int.max
    while true {
      let count = builder.nodeCount
      grow(to: count)
      var totals = (0..<count).map { builder.ownBytes(of: $0) &+ pendingBytes[$0] }
      for node in stride(from: count - 1, through: 1, by: -1) { totals[builder.parent(of: node)] &+= totals[node] }
      // The widest each node's box can be, 0 for one never drawn.
      var widest = [Double](repeating: 0, count: count)
      var depth = [Int](repeating: 0, count: count)
      widest[0] = Double(bounds.width)
      var toExpand: [Int] = []
      if memberHead[0] >= 0 { toExpand.append(0) }
      for node in 1..<max(count, 1) {
        let parent = builder.parent(of: node)
        depth[node] = depth[parent] + 1
        guard widest[parent] > 0, totals[node] > 0, depth[node] <= maxDepth else { continue }
        let share = Double(totals[node]) / Double(max(totals[parent], 1)) * widest[parent]
        let bound = min(widest[parent], (share + 1 + slack).rounded(.down))
        guard bound >= Double(bounds.minimumWidth) else { continue }
        widest[node] = bound
        if memberHead[node] >= 0 { toExpand.append(node) }
      }
      if toExpand.isEmpty { break }
      for node in toExpand { expand(node) }
    }
    // What no icicle reads stays where it waited, so that every total is right.
    for node in 0..<builder.nodeCount where pendingBytes[node] > 0 || pendingCounts[node] > 0 {
      builder.add(bytes: pendingBytes[node], count: pendingCounts[node], to: node)
    }
    return true
  }
}

/// A stack node (local number) that leads to a tree node, and the filter's state there (outside
/// the generic assembly, so that its arrays need no type looked up at run time).
private struct VisibleMember {
  var local: Int32
  var state: FrameFilter.State

  /// A member whose children are to be placed under the expanded tree node `tree`.
  struct Placing {
    var tree: Int32
    var member: VisibleMember
  }
}
