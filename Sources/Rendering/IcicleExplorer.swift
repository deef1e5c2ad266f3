import MemoryAnalysis
import Symbols
import TextWidth

/// An icicle graph to walk through, as heaptrack's flame graph is: a selected frame moved by the
/// arrows, zoom into a frame and back out through a history, the runtime's native frames shown or
/// hidden. Plain state changed by ``apply(_:)``; ``render(width:height:capabilities:)`` draws it.
/// Recursion is folded (`fib(_:) ×60`, see ``MemoryAnalysis/AllocationTree/foldingRecursion()``).
///
/// The view's top row is the frame zoomed into (the whole program at first); a selection deeper
/// than the rows scrolls the view down, keeping every width as it is.
public struct IcicleExplorer: Sendable {
  /// A step of the user's.
  public enum Move: Sendable, Equatable, CaseIterable {
    /// Up: the selected frame's caller (not past the frame zoomed into).
    case caller
    /// Down: its largest callee.
    case heaviestCallee
    /// Left: the sibling drawn before it.
    case previousSibling
    /// Right: the sibling drawn after it.
    case nextSibling
    /// Enter: the selected frame becomes the view's top, the frame before it kept in the history.
    case zoomIn
    /// Backspace or Esc: back to the frame zoomed into before.
    case zoomOut
    /// `N`: every frame (the runtime's and the allocator's too), or only those the user wrote or
    /// called, keeping the selection on the same frames where they are both.
    case toggleNative
  }

  /// What is known of the selected frame: what the info line shows.
  public struct Selected: Sendable, Equatable {
    /// The function's name (the program's name for the root).
    public var function: String
    /// The source file, when known.
    public var file: String?
    /// The line, when known.
    public var line: Int?
    /// The module's file name (nil for the root).
    public var module: String?
    /// Bytes here and in every callee (allocations, for a tree weighed by count).
    public var bytes: UInt64
    /// The share of the whole tree's bytes, 0...1.
    public var share: Double
    /// Allocations here and in every callee.
    public var allocations: UInt64
    /// 0 for the root, 1 for its callees... (folded recursion counts once).
    public var depth: Int
    /// How many consecutive calls of the function the frame stands for (1 without recursion).
    public var recursionDepth: Int

    /// Facts as given.
    public init(
      function: String, file: String?, line: Int?, module: String?, bytes: UInt64, share: Double,
      allocations: UInt64, depth: Int, recursionDepth: Int
    ) {
      self.function = function
      self.file = file
      self.line = line
      self.module = module
      self.bytes = bytes
      self.share = share
      self.allocations = allocations
      self.depth = depth
      self.recursionDepth = recursionDepth
    }
  }

  private let filteredTree: AllocationTree
  private var nativeTree: AllocationTree?
  /// What the bytes are: `peak memory`, `leaked at exit`...
  public let title: String
  /// What the widths measure.
  public let weight: IcicleWeight
  /// Whether every frame is shown (the native tree) rather than the user's.
  public private(set) var showingNative = false
  /// How each frame compares with another run (``DifferenceIcicle/explorer(_:title:reference:)``):
  /// given the tree shown and a node, its mark, drawn in its box and on the info line. Nil: none.
  public var marks: (@Sendable (AllocationTree, Int) -> IcicleMark?)?
  private var selected = AllocationTree.rootIndex
  private var focus = AllocationTree.rootIndex
  private var history: [Int] = []
  /// The text searched for (`/`): frames whose name or file:line hold it are lit. Nil for none.
  public internal(set) var searchText: String?

  /// An explorer of `tree` (frames filtered, as reports show them), and of `nativeTree` (every
  /// frame) when given, selecting the root. Both are folded for recursion.
  ///
  /// - Complexity: O(n log n) for n nodes (the fold).
  public init(tree: AllocationTree, nativeTree: AllocationTree? = nil, title: String, weight: IcicleWeight = .bytes) {
    filteredTree = tree.foldingRecursion()
    self.nativeTree = nativeTree?.foldingRecursion()
    self.title = title
    self.weight = weight
  }

  /// Gives an explorer made without its native tree (it takes as long to build as the first: a
  /// large capture's explorer shows before it) the tree of every frame, folded for recursion; `N`
  /// toggles to it from then on. Nothing changes on screen. An explorer that has one keeps it.
  ///
  /// - Complexity: O(n log n) for n nodes (the fold).
  public mutating func attachNativeTree(_ nativeTree: AllocationTree) {
    guard self.nativeTree == nil else { return }
    self.nativeTree = nativeTree.foldingRecursion()
  }

  /// The tree shown.
  public var tree: AllocationTree { showingNative ? nativeTree ?? filteredTree : filteredTree }

  /// Whether there is a native tree to toggle to.
  public var hasNativeTree: Bool { nativeTree != nil }

  /// Whether ``Move/zoomOut`` has somewhere to go back to.
  public var canZoomOut: Bool { !history.isEmpty }

  /// The node selected in ``tree``.
  public var selectedNode: Int { selected }

  /// The node the view is zoomed into in ``tree`` (the root when not zoomed).
  public var focusNode: Int { focus }

  /// The selected frame.
  public var selection: Selected {
    let tree = tree
    let node = tree[selected]
    let frame = node.frame
    return Selected(
      function: frame?.functionName ?? tree.rootLabel, file: frame?.file, line: frame?.line, module: frame?.module,
      bytes: node.bytes, share: tree.totalBytes == 0 ? 0 : Double(node.bytes) / Double(tree.totalBytes),
      allocations: node.count, depth: node.depth, recursionDepth: node.recursionDepth)
  }

  /// Takes one step; a step that leads nowhere (the caller of the frame zoomed into, the callee of
  /// a leaf, the native frames without a native tree) changes nothing.
  ///
  /// - Complexity: O(1) but for ``Move/toggleNative``: O(depth × nodes within 16 levels) at worst.
  public mutating func apply(_ move: Move) {
    let tree = tree
    switch move {
    case .caller:
      if selected != focus, let parent = tree[selected].parent { selected = parent }
    case .heaviestCallee:
      if let first = tree[selected].children.first { selected = first }
    case .previousSibling, .nextSibling:
      guard selected != focus, let parent = tree[selected].parent else { return }
      let siblings = tree[parent].children
      guard let index = siblings.firstIndex(of: selected) else { return }
      let next = index + (move == .nextSibling ? 1 : -1)
      if siblings.indices.contains(next) { selected = siblings[next] }
    case .zoomIn:
      guard selected != focus else { return }
      history.append(focus)
      focus = selected
    case .zoomOut:
      if let previous = history.popLast() { focus = previous }
    case .toggleNative:
      guard let nativeTree else { return }
      let target = showingNative ? filteredTree : nativeTree
      let newSelected = Self.node(following: Self.framePath(to: selected, in: tree), in: target)
      var newFocus = Self.node(following: Self.framePath(to: focus, in: tree), in: target)
      // The selection is kept: the view's top moves up to a frame above it if need be.
      let selectedPath = target.path(to: newSelected)
      if !selectedPath.contains(newFocus) {
        let focusPath = target.path(to: newFocus)
        newFocus = zip(selectedPath, focusPath).prefix { $0 == $1 }.last?.0 ?? AllocationTree.rootIndex
      }
      let focusPath = Set(target.path(to: newFocus).dropLast())
      var newHistory: [Int] = []
      for old in history {
        let mapped = Self.node(following: Self.framePath(to: old, in: tree), in: target)
        if focusPath.contains(mapped) && mapped != newHistory.last { newHistory.append(mapped) }
      }
      showingNative.toggle()
      selected = newSelected
      focus = newFocus
      history = newHistory
    }
  }

  /// Selects the first frame `matches` accepts, depth first along the heaviest branch (the view zoomed out to the whole program, the
  /// runtime's frames hidden when it is not among them); false, changing nothing, when no frame does.
  ///
  /// - Complexity: O(n) for n nodes of the trees.
  @discardableResult
  public mutating func select(where matches: (SymbolizedFrame) -> Bool) -> Bool {
    for native in [showingNative, !showingNative] where !native || nativeTree != nil {
      let tree = native ? nativeTree ?? filteredTree : filteredTree
      // Nodes are numbered depth first, the larger sibling first.
      guard let found = tree.nodes.indices.first(where: { tree[$0].frame.map(matches) ?? false }) else { continue }
      showingNative = native
      selected = found
      focus = AllocationTree.rootIndex
      history = []
      return true
    }
    return false
  }

  /// The frames from the root down to `node`.
  private static func framePath(to node: Int, in tree: AllocationTree) -> [SymbolizedFrame.Identity] {
    tree.path(to: node).dropFirst().compactMap { tree[$0].frame?.identity }
  }

  /// The node of `tree` reached by following `path`: each frame is looked for below the last one
  /// found (the other tree may have frames in between, or lack some), the nearest first; a frame
  /// not found is passed over.
  private static func node(following path: [SymbolizedFrame.Identity], in tree: AllocationTree) -> Int {
    var current = AllocationTree.rootIndex
    for identity in path {
      var level = tree[current].children
      var distance = 0
      search: while !level.isEmpty && distance < 16 {
        for node in level where tree[node].frame?.identity == identity {
          current = node
          break search
        }
        level = level.flatMap { tree[$0].children }
        distance += 1
      }
    }
    return current
  }

  // MARK: Drawing

  /// Draws the icicle in `width` × `height` cells: the boxes from the frame zoomed into down (the
  /// selection highlighted: inverse, or `>label<` without colour), a status line (what the bytes
  /// are, the zoom, the frames shown) and, always, an info line on the selected frame.
  ///
  /// - Complexity: O(n log n + width × height) for the n nodes shown.
  public func render(width: Int, height: Int, capabilities: TerminalCapabilities) -> CellGrid {
    let width = max(width, 1)
    let height = max(height, 1)
    let tree = tree
    let statusRows = height >= 3 ? 1 : 0
    let boxRows = height - 1 - statusRows
    var grid = CellGrid(width: width, height: height)
    var offset = 0
    var narrow = false
    if boxRows > 0 {
      // Deep selections scroll the view down, keeping a row of callees under the selection.
      let depth = tree[selected].depth - tree[focus].depth
      offset = max(0, min(depth, depth - boxRows + 1 + (boxRows >= 3 ? 1 : 0)))
      var layout = IcicleLayout(tree: tree, width: width, focus: focus, maxDepth: offset + boxRows - 1)
      let skip = tree[focus].depth + offset
      layout.boxes = layout.boxes.compactMap { box in
        guard box.row >= skip && box.row < skip + boxRows else { return nil }
        var box = box
        box.row -= skip
        return box
      }
      layout.rows = boxRows
      narrow = layout.boxes.contains { $0.node == nil }
      var options = IcicleOptions(title: title, focus: focus, selected: selected, capabilities: capabilities)
      options.weight = weight
      options.showsLegend = false
      if let marks { options.marks = { marks(tree, $0) } }
      grid.draw(Icicle.render(tree, layout: layout, height: boxRows, options: options), row: 0, column: 0)
      if searchText != nil { lightMatches(in: &grid, layout: layout, capabilities: capabilities) }
    }
    let unicode = capabilities.unicode
    if statusRows > 0 {
      let status = statusLine(offset: offset, narrow: narrow, unicode: unicode)
      grid.write(
        DisplayWidth.truncate(status, to: width, ellipsis: unicode ? "…" : ".."), row: height - 2, column: 0,
        style: capabilities.colour ? CellStyle(dim: true) : .plain)
    }
    grid.write(
      infoLine(width: width, unicode: unicode), row: height - 1, column: 0,
      style: capabilities.colour ? CellStyle(bold: true) : .plain)
    return grid
  }

  /// `peak memory: 3.5 MiB in 120 allocations · zoomed into fib(_:) ×60 (Fib.swift:5) (98.0%) · …`
  private func statusLine(offset: Int, narrow: Bool, unicode: Bool) -> String {
    let tree = tree
    var parts: [String] = []
    switch weight {
    case .bytes:
      parts.append(
        "\(title): \(ByteCountText.describe(tree.totalBytes)) in \(ByteCountText.counted(tree.totalCount, "allocation"))"
      )
    case .allocations: parts.append("\(title): \(weight.describe(tree.totalBytes))")
    }
    if focus != AllocationTree.rootIndex {
      parts.append(
        "zoomed into \(FrameLabelText.label(tree, node: focus, unicode: unicode)) "
          + "(\(ByteCountText.percent(tree[focus].bytes, of: tree.totalBytes)))")
    }
    if let search = searchSummary(unicode: unicode) { parts.append(search) }
    if offset > 0 { parts.append("\(offset) level\(offset == 1 ? "" : "s") above") }
    if hasNativeTree { parts.append(showingNative ? "every frame shown" : "runtime frames hidden") }
    if narrow { parts.append("\(unicode ? "…" : "..") frames too narrow to show") }
    return parts.joined(separator: unicode ? " · " : "; ")
  }

  /// `fib(_:) ×60 · Fib.swift:5 · 3.5 MiB (98.0%) · 120 allocations`, the function's name cut
  /// first when it does not fit.
  private func infoLine(width: Int, unicode: Bool) -> String {
    let tree = tree
    let node = tree[selected]
    let separator = unicode ? " · " : "; "
    var name = node.frame?.functionName ?? tree.rootLabel
    if node.recursionDepth > 1 { name += " \(unicode ? "×" : "x")\(node.recursionDepth)" }
    var rest: [String] = []
    rest.append(node.frame.map { $0.sourceLocation ?? $0.module } ?? "the whole program")
    rest.append("\(weight.describe(node.bytes)) (\(ByteCountText.percent(node.bytes, of: tree.totalBytes)))")
    if weight == .bytes { rest.append(ByteCountText.counted(node.count, "allocation")) }
    if let mark = marks?(tree, selected) { rest.append(mark.sentence) }
    let tail = rest.map { separator + $0 }.joined()
    let room = width - DisplayWidth.of(tail)
    let ellipsis = unicode ? "…" : ".."
    if DisplayWidth.of(name) > room {
      name = FrameLabelText.shortArguments(name, ellipsis: ellipsis)
      if DisplayWidth.of(name) > room && room >= 8 { name = DisplayWidth.truncate(name, to: room, ellipsis: ellipsis) }
    }
    return DisplayWidth.truncate(name + tail, to: width, ellipsis: ellipsis)
  }
}
