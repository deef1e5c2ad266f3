import MemoryAnalysis
import Symbols
import TextWidth

/// An icicle graph for the terminal: the root on top, each frame a box under its caller as wide
/// as its share of the bytes, a legend below. A pure function from a tree and a size to cells.
public enum Icicle {
  /// Draws `tree` in `width` columns and at most `height` rows (legend included; nil: as many as the
  /// tree needs).
  ///
  /// - Complexity: O(n log n + width × rows) for n nodes shown.
  public static func render(
    _ tree: AllocationTree, width: Int, height: Int? = nil, options: IcicleOptions = IcicleOptions()
  ) -> CellGrid {
    let width = max(width, 1)
    var depth = options.maxDepth
    if let height {
      // Room for the boxes once the legend (at most 4 lines) is in.
      let ancestors = tree.path(to: options.focus).count - 1
      let room = max(height - 4 - ancestors - 1, 0)
      depth = min(depth ?? room, room)
    }
    let layout = IcicleLayout(
      tree: tree, width: width, focus: options.focus, maxDepth: depth, minimumWidth: options.minimumWidth)
    return render(tree, layout: layout, height: height, options: options)
  }

  /// Draws a layout already made (the terminal UI keeps it to navigate).
  ///
  /// - Complexity: O(boxes + width × rows).
  public static func render(
    _ tree: AllocationTree, layout: IcicleLayout, height: Int? = nil, options: IcicleOptions = IcicleOptions()
  ) -> CellGrid {
    let glyphs = IcicleGlyphs(unicode: options.capabilities.unicode)
    let legend =
      options.showsLegend
      ? legendLines(tree, layout: layout, options: options, glyphs: glyphs).flatMap { wrap($0, width: layout.width) }
      : []
    let rows = height ?? (layout.rows + legend.count)
    var grid = CellGrid(width: layout.width, height: rows)
    var siblingParity: [Int: Int] = [:]  // row → alternates the shade of neighbours
    for box in layout.boxes where box.row < rows {
      let parity = siblingParity[box.row, default: 0]
      siblingParity[box.row] = parity ^ 1
      draw(box, tree: tree, into: &grid, options: options, glyphs: glyphs, parity: parity)
    }
    let firstLegendRow = min(layout.rows, max(rows - legend.count, 0))
    for (offset, line) in legend.enumerated() where firstLegendRow + offset < rows {
      var column = 0
      for (text, style) in line.spans {
        column += grid.write(text, row: firstLegendRow + offset, column: column, style: style)
      }
    }
    return grid
  }

  // MARK: Boxes

  private static func draw(
    _ box: IcicleBox, tree: AllocationTree, into grid: inout CellGrid, options: IcicleOptions, glyphs: IcicleGlyphs,
    parity: Int
  ) {
    let colour = options.capabilities.colour
    let unicode = options.capabilities.unicode
    var style = CellStyle.plain
    var selected = false
    var mark: IcicleMark?
    switch box.content {
    case .node(let node):
      mark = options.marks?(node)
      if colour { style = colourStyle(tree, node: node, colouring: options.colouring, parity: parity) }
      if colour, let mark {
        let pair = mark.backgrounds
        style = CellStyle(foreground: TerminalColor(16), background: TerminalColor(parity == 0 ? pair.0 : pair.1))
      }
      selected = node == options.selected
    case .merged(let nodes):
      if colour { style = CellStyle(foreground: TerminalColor(16), background: TerminalColor(parity == 0 ? 250 : 246)) }
      selected = options.selected.map(nodes.contains) ?? false
    }
    if selected {
      style.inverse = true
      style.bold = true
    }
    // The frame's label with its size, cut to the box keeping the line (the size goes first).
    func label(_ columns: Int) -> String {
      guard let node = box.node else { return glyphs.ellipsis }
      return FrameLabelText.fit(
        FrameLabelText.label(tree, node: node, unicode: unicode),
        detail: mark?.text ?? options.weight.describe(box.bytes),
        to: columns, unicode: unicode)
    }
    let merged = box.node == nil
    if colour {
      grid.write(String(repeating: " ", count: box.width), row: box.row, column: box.column, style: style)
      grid.write(
        merged && box.width == 1 ? glyphs.narrowEllipsis : label(box.width - 1), row: box.row,
        column: box.column + (box.width > 1 ? 1 : 0), limit: max(box.width - 1, 1), style: style)
      return
    }
    // Without colour, the selection's brackets point at it: `>label<`.
    let (open, close) = selected ? (">", "<") : ("[", "]")
    switch box.width {
    case 1:
      grid.write(
        merged ? glyphs.narrowEllipsis : (selected ? ">" : "|"), row: box.row, column: box.column, style: style)
    case 2:
      grid.write(
        merged ? (selected ? ">" : "|") + glyphs.narrowEllipsis : open + close, row: box.row, column: box.column,
        style: style)
    default:
      let inner = box.width - 2
      var text = merged ? String(glyphs.ellipsis.prefix(inner)) : label(inner)
      text += String(repeating: " ", count: max(inner - DisplayWidth.of(text), 0))
      grid.write(open + text + close, row: box.row, column: box.column, limit: box.width, style: style)
    }
  }

  private static func colourStyle(_ tree: AllocationTree, node: Int, colouring: IcicleColouring, parity: Int)
    -> CellStyle
  {
    let pair: (UInt8, UInt8)
    switch colouring {
    case .module:
      let module = tree[node].frame?.module ?? ""
      pair = modulePalette[Int(stableHash(module) % UInt64(modulePalette.count))]
    case .share:
      pair = sharePalette[shareLevel(tree[node].bytes, of: tree.totalBytes)]
    }
    return CellStyle(foreground: TerminalColor(16), background: TerminalColor(parity == 0 ? pair.0 : pair.1))
  }

  // Light and slightly darker shades, so that neighbours of one colour stay apart.
  static let modulePalette: [(UInt8, UInt8)] = [
    (117, 111), (150, 114), (223, 216), (183, 177), (152, 116), (229, 228), (218, 212), (187, 186),
  ]
  static let sharePalette: [(UInt8, UInt8)] = [(203, 167), (215, 209), (229, 222), (157, 151), (153, 117)]
  static let shareThresholds: [(Double, String)] = [(0.5, "50%"), (0.2, "20%"), (0.05, "5%"), (0.01, "1%")]

  static func shareLevel(_ bytes: UInt64, of total: UInt64) -> Int {
    let share = total == 0 ? 0 : Double(bytes) / Double(total)
    return shareThresholds.firstIndex { share >= $0.0 } ?? shareThresholds.count
  }

  /// FNV-1a: the same colour for a module in every run (Swift's `Hasher` is seeded per process).
  static func stableHash(_ text: String) -> UInt64 {
    var hash: UInt64 = 0xcbf2_9ce4_8422_2325
    for byte in text.utf8 {
      hash ^= UInt64(byte)
      hash &*= 0x100_0000_01b3
    }
    return hash
  }

  // MARK: Legend

  struct LegendLine {
    var spans: [(String, CellStyle)]
  }

  /// Breaks a legend line into lines of at most `width` columns: plain text between words, coloured
  /// chips (module names, share levels) whole.
  static func wrap(_ line: LegendLine, width: Int) -> [LegendLine] {
    var tokens: [(String, CellStyle)] = []
    for (text, style) in line.spans {
      if style != .plain {
        tokens.append((text, style))
        continue
      }
      var word = ""
      for character in text {
        if character == " " {
          if !word.isEmpty { tokens.append((word, style)) }
          tokens.append((" ", style))
          word = ""
        } else {
          word.append(character)
        }
      }
      if !word.isEmpty { tokens.append((word, style)) }
    }
    var lines: [LegendLine] = []
    var current: [(String, CellStyle)] = []
    var used = 0
    for token in tokens {
      let columns = DisplayWidth.of(token.0)
      if token.0 == " " && token.1 == .plain {
        if used > 0 && used < width {
          current.append(token)
          used += 1
        }
        continue
      }
      if used + columns > width && used > 0 {
        while let last = current.last, last.0 == " " && last.1 == .plain { current.removeLast() }
        lines.append(LegendLine(spans: current))
        current = []
        used = 0
      }
      current.append(token)
      used += columns
    }
    while let last = current.last, last.0 == " " && last.1 == .plain { current.removeLast() }
    if !current.isEmpty { lines.append(LegendLine(spans: current)) }
    return lines
  }

  private static func legendLines(
    _ tree: AllocationTree, layout: IcicleLayout, options: IcicleOptions, glyphs: IcicleGlyphs
  )
    -> [LegendLine]
  {
    var lines: [LegendLine] = []
    var first: String
    switch options.weight {
    case .bytes:
      first =
        "\(options.title): \(ByteCountText.describe(tree.totalBytes)) in "
        + ByteCountText.counted(tree.totalCount, "allocation")
    case .allocations:
      first = "\(options.title): \(IcicleWeight.allocations.describe(tree.totalBytes))"
    }
    if let total = options.totalAllocatedBytes { first += "; total allocated: \(ByteCountText.describe(total))" }
    let focusBytes = tree[options.focus].bytes
    let perColumn = focusBytes / UInt64(max(layout.width, 1))
    first += "; 1 column \(glyphs.approximately) \(options.weight.describe(perColumn))"
    lines.append(LegendLine(spans: [(first, .plain)]))
    var notes: [String] = []
    if options.focus != AllocationTree.rootIndex {
      notes.append(
        "zoomed into \(tree.label(of: options.focus)) (\(ByteCountText.percent(focusBytes, of: tree.totalBytes)))")
    }
    if layout.boxes.contains(where: { $0.node == nil }) {
      notes.append("\(glyphs.ellipsis) frames too narrow to show")
    }
    if layout.isDepthLimited { notes.append("deeper frames not shown") }
    if !notes.isEmpty { lines.append(LegendLine(spans: [(notes.joined(separator: "; "), .plain)])) }
    if options.capabilities.colour {
      var spans: [(String, CellStyle)] = []
      switch options.colouring {
      case .module:
        var modules: [String] = []
        for box in layout.boxes {
          if let node = box.node, let module = tree[node].frame?.module, !modules.contains(module) {
            modules.append(module)
          }
        }
        spans.append(("modules:", .plain))
        for module in modules.prefix(8) {
          let pair = modulePalette[Int(stableHash(module) % UInt64(modulePalette.count))]
          spans.append((" ", .plain))
          spans.append((" \(module) ", CellStyle(foreground: TerminalColor(16), background: TerminalColor(pair.0))))
        }
      case .share:
        spans.append(("share of the total:", .plain))
        for (level, pair) in sharePalette.enumerated() {
          let text = level < shareThresholds.count ? "\(glyphs.atLeast)\(shareThresholds[level].1)" : "<1%"
          spans.append((" ", .plain))
          spans.append((" \(text) ", CellStyle(foreground: TerminalColor(16), background: TerminalColor(pair.0))))
        }
      }
      lines.append(LegendLine(spans: spans))
    }
    return lines
  }
}
