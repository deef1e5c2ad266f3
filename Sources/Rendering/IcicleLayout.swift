import MemoryAnalysis

/// One box of an icicle graph: a frame, or frames too narrow to show merged into one `…` box.
public struct IcicleBox: Sendable, Equatable {
  /// What the box stands for.
  public enum Content: Sendable, Equatable {
    /// One node of the tree.
    case node(Int)
    /// Sibling nodes too narrow to label, shown together.
    case merged([Int])
  }

  /// What the box stands for.
  public var content: Content
  /// The row: 0 is the root.
  public var row: Int
  /// The first column.
  public var column: Int
  /// The columns it spans, at least 1.
  public var width: Int
  /// The bytes it stands for.
  public var bytes: UInt64

  /// The node, if the box is a single node.
  public var node: Int? {
    if case .node(let node) = content { return node }
    return nil
  }
}

/// Where every box of an icicle graph goes: the root on top, each frame under its caller, as wide
/// as its share of the bytes. The terminal UI keeps it to navigate (which box is under the cursor,
/// zoom into a box); ``Icicle`` draws it.
public struct IcicleLayout: Sendable, Equatable {
  /// Columns.
  public var width: Int
  /// Rows of boxes.
  public var rows: Int
  /// Every box, row by row, left to right.
  public var boxes: [IcicleBox]
  /// The node the graph is zoomed into (the root when not zoomed). Its ancestors span the full
  /// width above it.
  public var focus: Int
  /// Whether frames deeper than the depth limit were left out.
  public var isDepthLimited: Bool

  /// Lays `tree` out in `width` columns, zoomed into `focus`, at most `maxDepth` levels below the
  /// focus. Boxes narrower than `minimumWidth` are merged with their smaller siblings into one box,
  /// so that no byte disappears: every node with bytes is in a box or in a merged box.
  ///
  /// - Complexity: O(n log n) in the nodes shown (not the tree: merged and cut branches are skipped).
  public init(
    tree: AllocationTree, width: Int, focus: Int = AllocationTree.rootIndex, maxDepth: Int? = nil,
    minimumWidth: Int = 3
  ) {
    let width = max(width, 1)
    let minimumWidth = max(minimumWidth, 1)
    self.width = width
    self.focus = focus
    var boxes: [IcicleBox] = []
    let path = tree.path(to: focus)
    for (row, node) in path.dropLast().enumerated() {
      boxes.append(IcicleBox(content: .node(node), row: row, column: 0, width: width, bytes: tree[node].bytes))
    }
    let focusRow = path.count - 1
    let lastRow = maxDepth.map { focusRow + max($0, 0) } ?? Int.max
    var limited = false
    var pending: [IcicleBox] = [
      IcicleBox(content: .node(focus), row: focusRow, column: 0, width: width, bytes: tree[focus].bytes)
    ]
    while let box = pending.popLast() {
      boxes.append(box)
      guard let node = box.node, !tree[node].children.isEmpty else { continue }
      guard box.row < lastRow else {
        limited = true
        continue
      }
      let children = Self.place(tree: tree, node: node, box: box, minimumWidth: minimumWidth)
      pending.append(contentsOf: children.reversed())
    }
    boxes.sort { ($0.row, $0.column) < ($1.row, $1.column) }
    self.boxes = boxes
    self.rows = (boxes.map(\.row).max() ?? 0) + 1
    self.isDepthLimited = limited
  }

  /// The children of `node` in `box`'s columns: cumulative rounding keeps them inside their parent
  /// and in order; the narrow tail is merged, taking a column from a wide sibling if it rounded to none.
  private static func place(tree: AllocationTree, node: Int, box: IcicleBox, minimumWidth: Int) -> [IcicleBox] {
    let total = Double(max(tree[node].bytes, 1))
    let children = tree[node].children
    var edges: [Int] = [box.column]
    var sum: UInt64 = 0
    for child in children {
      sum += tree[child].bytes
      edges.append(box.column + Int((Double(sum) / total * Double(box.width)).rounded()))
    }
    // The first child too narrow to label; children are sorted largest first, so the rest are too.
    var firstNarrow = children.indices.first { edges[$0 + 1] - edges[$0] < minimumWidth } ?? children.count
    var placed: [IcicleBox] = []
    if firstNarrow < children.count {
      let end = edges[children.count]
      var start = edges[firstNarrow]
      if start == end {
        if end < box.column + box.width {
          // Free room to the right (the parent's own bytes): take one column of it.
          edges[children.count] = end + 1
        } else {
          // Take a column from the wide siblings, merging the last of them if it would get too narrow.
          while firstNarrow > 0 && edges[firstNarrow] - edges[firstNarrow - 1] <= minimumWidth {
            firstNarrow -= 1
          }
          if firstNarrow > 0 { edges[firstNarrow] -= 1 }
        }
        start = edges[firstNarrow]
      }
      let merged = Array(children[firstNarrow...])
      let bytes = merged.reduce(0) { $0 + tree[$1].bytes }
      placed.append(
        IcicleBox(
          content: merged.count == 1 && edges[children.count] - start >= minimumWidth
            ? .node(merged[0]) : .merged(merged),
          row: box.row + 1, column: start, width: max(edges[children.count] - start, 1), bytes: bytes))
    }
    for index in 0..<firstNarrow {
      placed.insert(
        IcicleBox(
          content: .node(children[index]), row: box.row + 1, column: edges[index],
          width: edges[index + 1] - edges[index],
          bytes: tree[children[index]].bytes), at: index)
    }
    return placed
  }

  /// The box covering `row`, `column`, if any.
  ///
  /// - Complexity: O(boxes).
  public func box(row: Int, column: Int) -> IcicleBox? {
    boxes.first { $0.row == row && $0.column <= column && column < $0.column + $0.width }
  }

  /// The box that shows `node`, alone or merged.
  ///
  /// - Complexity: O(boxes).
  public func box(for node: Int) -> IcicleBox? {
    boxes.first {
      switch $0.content {
      case .node(let shown): return shown == node
      case .merged(let nodes): return nodes.contains(node)
      }
    }
  }
}
