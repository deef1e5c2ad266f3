import MemoryAnalysis

/// How an icicle graph colours its boxes.
public enum IcicleColouring: String, Sendable, CaseIterable {
  /// One colour per module, so the user's code stands apart from the libraries.
  case module
  /// Hotter colours for larger shares of the total.
  case share
}

/// What an icicle's widths measure.
public enum IcicleWeight: Sendable {
  /// Bytes (alive at the peak, leaked, ...).
  case bytes
  /// Allocations made (the tree's sizes are counts).
  case allocations

  /// `1.5 KiB`, or `1,204 allocations`.
  public func describe(_ value: UInt64) -> String {
    switch self {
    case .bytes: return ByteCountText.describe(value)
    case .allocations: return ByteCountText.counted(value, "allocation")
    }
  }
}

/// What to draw besides the tree.
public struct IcicleOptions: Sendable {
  /// What the bytes are, for the legend: `peak memory`, `leaked at exit`...
  public var title: String
  /// What the widths measure: bytes, or (for a tree from `AllocationTree.weightedByCount()`)
  /// allocations.
  public var weight: IcicleWeight = .bytes
  /// All bytes the program allocated over its run, for the legend, when known.
  public var totalAllocatedBytes: UInt64?
  /// The node to zoom into; its ancestors span the width above it.
  public var focus: Int
  /// The node to highlight (the terminal UI's cursor).
  public var selected: Int?
  /// Levels of frames shown below the focus; nil for all.
  public var maxDepth: Int?
  /// Colours by module or by share (when the terminal has colour).
  public var colouring: IcicleColouring
  /// The narrowest box that gets a label; narrower siblings are merged into `…`.
  public var minimumWidth: Int
  /// Colour, Unicode.
  public var capabilities: TerminalCapabilities
  /// Whether the legend is drawn under the boxes (a screen that writes its own lines leaves it out).
  public var showsLegend = true
  /// How each node compares with another run (``DifferenceIcicle``): a marked box takes the mark's
  /// colour and text instead of its module's colour and its size. Nil: no marks.
  public var marks: (@Sendable (Int) -> IcicleMark?)?

  /// Options; by default the whole tree, plain ASCII.
  public init(
    title: String = "peak memory", totalAllocatedBytes: UInt64? = nil, focus: Int = AllocationTree.rootIndex,
    selected: Int? = nil, maxDepth: Int? = nil, colouring: IcicleColouring = .module, minimumWidth: Int = 3,
    capabilities: TerminalCapabilities = .plain
  ) {
    self.title = title
    self.totalAllocatedBytes = totalAllocatedBytes
    self.focus = focus
    self.selected = selected
    self.maxDepth = maxDepth
    self.colouring = colouring
    self.minimumWidth = minimumWidth
    self.capabilities = capabilities
  }
}
