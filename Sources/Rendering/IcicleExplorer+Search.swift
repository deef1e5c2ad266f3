import MemoryAnalysis
import Symbols

/// Search in the icicle explorer (`/` in `workshop view`): the frames whose function name or
/// `file:line` hold the text are lit, and the status line says how much of the tree they hold.
extension IcicleExplorer {
  /// What a search found in the tree shown.
  public struct SearchResult: Sendable, Equatable {
    /// Frames that match.
    public var frames: Int
    /// The bytes under matching frames, each counted once (a match below a match adds nothing).
    public var bytes: UInt64
    /// ``bytes`` as a share of the tree's total, 0...1.
    public var share: Double
  }

  /// Searches for `text` (case-insensitive); nil or empty clears the search.
  public mutating func search(_ text: String?) {
    searchText = text.flatMap { $0.isEmpty ? nil : $0 }
  }

  /// Whether node `index` of ``tree`` matches the search (false without one).
  public func matchesSearch(_ index: Int) -> Bool {
    guard let searchText, let frame = tree[index].frame else { return false }
    let needle = searchText.lowercased()
    return frame.functionName.lowercased().contains(needle)
      || (frame.sourceLocation?.lowercased().contains(needle) ?? false)
  }

  /// What the search found, nil without one.
  ///
  /// - Complexity: O(n) for n nodes.
  public var searchResult: SearchResult? {
    guard searchText != nil else { return nil }
    let tree = tree
    var frames = 0
    var bytes: UInt64 = 0
    // Depth first, carrying whether a caller matched already, so that bytes count once.
    var walk: [(node: Int, underMatch: Bool)] = [(AllocationTree.rootIndex, false)]
    while let (node, underMatch) = walk.popLast() {
      let matched = matchesSearch(node)
      if matched {
        frames += 1
        if !underMatch { bytes &+= tree[node].bytes }
      }
      for child in tree[node].children { walk.append((child, underMatch || matched)) }
    }
    let share = tree.totalBytes == 0 ? 0 : Double(bytes) / Double(tree.totalBytes)
    return SearchResult(frames: frames, bytes: bytes, share: share)
  }

  /// `matching "grow": 3 frames, 2.0 MiB (98.0%)`, nil without a search.
  func searchSummary(unicode: Bool) -> String? {
    guard let searchText, let result = searchResult else { return nil }
    let quoted = unicode ? "“\(searchText)”" : "\"\(searchText)\""
    guard result.frames > 0 else { return "no frame matches \(quoted)" }
    return "matching \(quoted): \(ByteCountText.counted(UInt64(result.frames), "frame")), "
      + "\(weight.describe(result.bytes)) (\(ByteCountText.percent(result.bytes, of: tree.totalBytes)))"
  }

  /// Lights the boxes of matching frames: a yellow background, or underlined without colour.
  func lightMatches(in grid: inout CellGrid, layout: IcicleLayout, capabilities: TerminalCapabilities) {
    for box in layout.boxes {
      guard let node = box.node, matchesSearch(node) else { continue }
      for column in box.column..<min(box.column + box.width, grid.width) where box.row < grid.height {
        var style = grid[box.row, column].style
        if capabilities.colour {
          style.background = TerminalColor(220)
          style.foreground = TerminalColor(16)
        } else {
          style.underline = true
        }
        grid[box.row, column].style = style
      }
    }
  }
}
