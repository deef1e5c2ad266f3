import Foundation

/// A measure per attempt in one row of cells, as a sparkline: each attempt a bar as high as its
/// measure (on a logarithmic scale, so that 96 B and 3.5 MiB both show), over the limit in red and
/// within it in green, or in plain ASCII `_.-=^#` without Unicode. A pure function to cells.
public enum Sparkline {
  /// The bars, Unicode.
  static let bars: [Character] = ["▁", "▂", "▃", "▄", "▅", "▆", "▇", "█"]
  /// The bars, ASCII.
  static let asciiBars: [Character] = ["_", ".", "-", "=", "^", "#"]

  /// The bars of `values` (nil: an attempt that measured nothing, drawn `·` or `x`), the newest at
  /// the right, at most `width` of them (the oldest are left out first). A value over `limit` is
  /// red, one within it green.
  public static func render(
    _ values: [UInt64?], limit: UInt64?, width: Int, capabilities: TerminalCapabilities
  ) -> CellGrid {
    let shown = Array(values.suffix(max(width, 0)))
    var grid = CellGrid(width: shown.count, height: 1)
    let text = glyphs(shown, limit: limit, unicode: capabilities.unicode)
    for (column, (glyph, value)) in zip(text, shown).enumerated() {
      var style = CellStyle.plain
      if capabilities.colour, let value, let limit {
        style = CellStyle(foreground: value > limit ? .red : .green, bold: value > limit)
      }
      grid.write(String(glyph), row: 0, column: column, style: style)
    }
    return grid
  }

  /// The bars as characters: each value's level between the smallest and the largest of the
  /// values and the limit, logarithmically.
  public static func glyphs(_ values: [UInt64?], limit: UInt64?, unicode: Bool) -> [Character] {
    let levels = unicode ? bars : asciiBars
    let known = values.compactMap { $0 } + (limit.map { [$0] } ?? [])
    let low = log2(Double(max(known.min() ?? 1, 1)))
    let high = log2(Double(max(known.max() ?? 1, 1)))
    return values.map { value in
      guard let value else { return unicode ? "·" : "x" }
      guard high > low else { return levels[levels.count / 2] }
      let share = (log2(Double(max(value, 1))) - low) / (high - low)
      return levels[min(levels.count - 1, max(0, Int((share * Double(levels.count - 1)).rounded())))]
    }
  }
}
