import MemoryAnalysis
import TextWidth
import Symbols

/// `workshop summary`'s table: one location a row with its total and own bytes, their shares of the
/// whole, and its allocation count.
public enum SummaryTable {
  /// The rows as aligned text, a header above and a total below; the location column is cut to
  /// fit `width` when one is given.
  ///
  /// - Complexity: O(r) for r rows, after the summary's sort.
  public static func render(
    _ summary: LocationSummary, order: LocationSummary.Order, maxRows: Int? = nil, width: Int? = nil,
    unicode: Bool = false
  ) -> CellGrid {
    let rows = summary.sorted(by: order, limit: maxRows)
    let headers = ["Total", "Total %", "Own", "Own %", "Allocations"]
    let figures: [[String]] = rows.map { row in
      [
        ByteCountText.describe(row.totalBytes), ByteCountText.percent(row.totalBytes, of: summary.totalBytes),
        ByteCountText.describe(row.ownBytes), ByteCountText.percent(row.ownBytes, of: summary.totalBytes),
        ByteCountText.grouped(row.count),
      ]
    }
    var columnWidths = headers.map(\.count)
    for line in figures {
      for (index, text) in line.enumerated() { columnWidths[index] = max(columnWidths[index], text.count) }
    }
    let numbersWidth = columnWidths.reduce(0) { $0 + $1 + 2 }
    var locationWidth = max(rows.map { DisplayWidth.of($0.frame.label) }.max() ?? 0, "Location".count)
    locationWidth = max(min(locationWidth, (width ?? 160) - numbersWidth), 12)
    func line(_ location: String, _ cells: [String]) -> String {
      let cut = FrameLabelText.fit(location, to: locationWidth, unicode: unicode)
      var text = cut + String(repeating: " ", count: max(locationWidth - DisplayWidth.of(cut), 0))
      for (index, cell) in cells.enumerated() {
        text += "  " + String(repeating: " ", count: columnWidths[index] - cell.count) + cell
      }
      return text
    }
    var output = [line("Location", headers)]
    for (row, cells) in zip(rows, figures) { output.append(line(row.frame.label, cells)) }
    let shown =
      rows.count < summary.rows.count ? "\(rows.count) of \(summary.rows.count) locations" : "\(rows.count) locations"
    output.append(
      "\(shown); \(ByteCountText.describe(summary.totalBytes)) in \(ByteCountText.grouped(summary.totalCount)) allocations"
    )
    return CellGrid(lines: output)
  }
}
