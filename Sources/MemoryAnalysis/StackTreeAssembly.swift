import Symbols

/// The work of ``AllocationTree/build(stacks:samples:symbolizer:filter:rootLabel:)``: the stack
/// nodes the samples reach, their locations named once, then each node placed in the tree once.
///
/// Everything per node lives in flat arrays over the visited nodes, numbered densely in the order
/// they are met ("local" numbers, parents before children), and each distinct location's frames
/// in one flat array: a tree of two million stack nodes has a few dozen locations, so the per-node
/// work is a few array reads and the builder's child lookup. The samples are placed in the order
/// the previous builder placed them, so that the tree's nodes are made in the same order and
/// siblings of equal size keep their order.
struct StackTreeAssembly<Stacks: StackNodes> {
  let stacks: Stacks
  let filter: FrameFilter?
  /// The tree being built.
  var builder: AllocationTree.Builder

  /// Each stack node's local number (-1 while not visited), when the source numbers its nodes
  /// densely; ``localOfOtherNode`` otherwise.
  private var localOfNode: [Int32]
  private var localOfOtherNode: [Int: Int32] = [:]
  /// Per local node: its parent's local number (-1 for the empty stack) and its location's number
  /// as a caller.
  private(set) var parentLocal: [Int32] = [-1]
  private(set) var callerLocation: [Int32] = [-1]
  /// Per sample: its innermost node's local number and that node's location number as the
  /// innermost frame (a return address or not, see ``StackNodes/innermostFrameIsReturnAddress``).
  private(set) var sampleLocal: [Int32] = []
  private(set) var sampleLeafLocation: [Int32] = []

  /// The distinct locations, by number, and the ways to their numbers.
  private var locations: [CodeLocation] = []
  private var numberOfLocation: [CodeLocation: Int32] = [:]
  private var callerKeys = LocationKeyTable()
  private var leafKeys = LocationKeyTable()

  /// Each location's frames, outermost inlined function first, as the range
  /// `planStart[n]..<planStart[n + 1]` of ``plannedFrames`` and ``plannedRoles``.
  private var planStart: [Int] = []
  private var plannedFrames: [AllocationTree.Builder.RegisteredFrame] = []
  private var plannedRoles: [FrameFilter.Role?] = []

  /// Where each local node lands as a caller: the tree node (-1 while unknown) and the filter's state.
  private var placedTree: [Int32] = []
  private var placedState: [FrameFilter.State] = []
  private var pending: [Int32] = []

  init(stacks: Stacks, filter: FrameFilter?, rootLabel: String) {
    self.stacks = stacks
    self.filter = filter
    builder = AllocationTree.Builder(rootLabel: rootLabel)
    localOfNode = [Int32](repeating: -1, count: stacks.nodeCount ?? 0)
    if !localOfNode.isEmpty { localOfNode[0] = 0 } else { localOfOtherNode[0] = 0 }
  }

  // MARK: - Collecting

  /// Visits every stack node of `samples` once, numbers their locations, and names them all in
  /// one symbolizer batch.
  ///
  /// - Throws: what the symbolizer throws.
  mutating func collect(_ samples: [StackSample], symbolizer: Symbolizer) throws {
    sampleLocal.reserveCapacity(samples.count)
    sampleLeafLocation.reserveCapacity(samples.count)
    // At most every node: untouched room costs address space, not memory, and growing step by step
    // copied these arrays several times over.
    parentLocal.reserveCapacity(localOfNode.count)
    callerLocation.reserveCapacity(localOfNode.count)
    var path: [Int] = []
    for sample in samples {
      guard sample.stack != 0 else {
        sampleLocal.append(0)
        sampleLeafLocation.append(-1)
        continue
      }
      sampleLeafLocation.append(leafLocationNumber(of: sample.stack))
      // The nodes not visited yet, innermost first, up to the first one visited.
      path.removeAll(keepingCapacity: true)
      var node = sample.stack
      var known = local(of: node)
      while known < 0 {
        path.append(node)
        node = stacks.parent(of: node)
        known = local(of: node)
      }
      for newNode in path.reversed() {
        let number = Int32(parentLocal.count)
        setLocal(number, of: newNode)
        parentLocal.append(known)
        callerLocation.append(callerLocationNumber(of: newNode))
        known = number
      }
      sampleLocal.append(local(of: sample.stack))
    }
    try symbolizer.resolve(locations)
    plan(symbolizer)
  }

  private func local(of node: Int) -> Int32 {
    node >= 0 && node < localOfNode.count ? localOfNode[node] : localOfOtherNode[node] ?? -1
  }

  private mutating func setLocal(_ number: Int32, of node: Int) {
    if node >= 0 && node < localOfNode.count {
      localOfNode[node] = number
    } else {
      localOfOtherNode[node] = number
    }
  }

  private mutating func callerLocationNumber(of node: Int) -> Int32 {
    guard let key = stacks.locationKey(of: node) else { return number(of: stacks.location(of: node)) }
    if let known = callerKeys.value(for: key) { return known }
    let made = number(of: stacks.location(of: node))
    callerKeys.insert(made, for: key)
    return made
  }

  private mutating func leafLocationNumber(of node: Int) -> Int32 {
    func located() -> CodeLocation {
      var leaf = stacks.location(of: node)
      leaf.isReturnAddress = stacks.innermostFrameIsReturnAddress
      return leaf
    }
    guard let key = stacks.locationKey(of: node) else { return number(of: located()) }
    if let known = leafKeys.value(for: key) { return known }
    let made = number(of: located())
    leafKeys.insert(made, for: key)
    return made
  }

  private mutating func number(of location: CodeLocation) -> Int32 {
    if let known = numberOfLocation[location] { return known }
    let made = Int32(locations.count)
    locations.append(location)
    numberOfLocation[location] = made
    return made
  }

  /// Each location's frames, registered with the builder once, with the filter's verdict on each.
  private mutating func plan(_ symbolizer: Symbolizer) {
    planStart.reserveCapacity(locations.count + 1)
    for location in locations {
      planStart.append(plannedFrames.count)
      for frame in symbolizer.frames(of: location).reversed() {
        plannedFrames.append(builder.register(frame))
        plannedRoles.append(filter?.role(of: frame))
      }
    }
    planStart.append(plannedFrames.count)
  }

  // MARK: - Placing

  /// Adds every sample's bytes to the tree node its stack leads to, making the nodes on the way.
  mutating func place(_ samples: [StackSample]) {
    builder.reserveCapacity(parentLocal.count + 1)
    placedTree = [Int32](repeating: -1, count: parentLocal.count)
    placedState = [FrameFilter.State](repeating: .start, count: parentLocal.count)
    placedTree[0] = Int32(AllocationTree.rootIndex)
    for (index, sample) in samples.enumerated() {
      let leaf = Int(sampleLocal[index])
      guard leaf != 0 else {
        builder.add(bytes: sample.bytes, count: sample.count, to: AllocationTree.rootIndex)
        continue
      }
      let above = callerPosition(parentLocal[leaf])
      let position = descend(from: above, through: Int(sampleLeafLocation[index]))
      builder.add(bytes: sample.bytes, count: sample.count, to: Int(position.tree))
    }
  }

  /// Where local node `local` lands as a caller, placing its unplaced ancestors first.
  private mutating func callerPosition(_ local: Int32) -> (tree: Int32, state: FrameFilter.State) {
    if placedTree[Int(local)] >= 0 { return (placedTree[Int(local)], placedState[Int(local)]) }
    pending.removeAll(keepingCapacity: true)
    var ancestor = local
    while placedTree[Int(ancestor)] < 0 {
      pending.append(ancestor)
      ancestor = parentLocal[Int(ancestor)]
    }
    var position = (tree: placedTree[Int(ancestor)], state: placedState[Int(ancestor)])
    for node in pending.reversed() {
      position = descend(from: position, through: Int(callerLocation[Int(node)]))
      placedTree[Int(node)] = position.tree
      placedState[Int(node)] = position.state
    }
    return position
  }

  /// The tree node and filter state after the frames of location number `location` below `start`.
  mutating func descend(
    from start: (tree: Int32, state: FrameFilter.State), through location: Int
  ) -> (tree: Int32, state: FrameFilter.State) {
    var current = start
    for index in planStart[location]..<planStart[location + 1] {
      if let filter, let role = plannedRoles[index] {
        let (keep, next) = filter.step(current.state, role: role)
        current.state = next
        if !keep { continue }
      }
      current.tree = Int32(builder.child(of: Int(current.tree), registered: plannedFrames[index]))
    }
    return current
  }
}
