import Rendering

/// A tall grid seen through a window of rows: the lesson, a check's report, the hints. Plain state:
/// scrolling, jumping between headings and searching change only ``top``.
public struct ScrollView: Sendable, Equatable {
  /// What is scrolled.
  public private(set) var content: CellGrid
  /// The content's rows that are headings, in order (``nextHeading(height:)``).
  public private(set) var headingRows: [Int]
  /// The content's row shown at the top of the window.
  public private(set) var top = 0

  /// A view of `content`, from its first row.
  public init(content: CellGrid = CellGrid(width: 0, height: 0), headingRows: [Int] = []) {
    self.content = content
    self.headingRows = headingRows
  }

  /// Replaces the content, keeping the same share of it above the window (a new layout of the same
  /// text after a resize stays where the reader was).
  public mutating func replace(with content: CellGrid, headingRows: [Int] = [], keepingPlace: Bool = true) {
    let share = self.content.height == 0 ? 0 : Double(top) / Double(self.content.height)
    self.content = content
    self.headingRows = headingRows
    top = keepingPlace ? Int(share * Double(content.height)) : 0
  }

  /// The largest ``top`` for a window of `height` rows.
  public func maximumTop(height: Int) -> Int { max(0, content.height - height) }

  /// Moves the window by `rows` (negative: up), within the content.
  public mutating func scroll(by rows: Int, height: Int) {
    top = min(max(0, top + rows), maximumTop(height: height))
  }

  /// To the first row, or to the last page.
  public mutating func scroll(toEnd: Bool, height: Int) {
    top = toEnd ? maximumTop(height: height) : 0
  }

  /// To the next heading below the top; false when there is none.
  public mutating func nextHeading(height: Int) -> Bool {
    guard let next = headingRows.first(where: { $0 > top }) else { return false }
    top = min(next, maximumTop(height: height))
    return true
  }

  /// To the previous heading above the top (or the first row).
  public mutating func previousHeading() {
    top = headingRows.last { $0 < top } ?? 0
  }

  /// To the next row from `top + 1` (or from the top, with `includingTop`) whose text contains
  /// `query`, ignoring case, wrapping around; false when no row does.
  public mutating func search(_ query: String, height: Int, includingTop: Bool = false) -> Bool {
    let needle = query.lowercased()
    guard !needle.isEmpty, content.height > 0 else { return false }
    let start = includingTop ? top : top + 1
    for offset in 0..<content.height {
      let row = (start + offset) % content.height
      if content.line(row).lowercased().contains(needle) {
        top = min(row, maximumTop(height: height))
        return true
      }
    }
    return false
  }

  /// The rows in the window, `width` × `height`.
  public func render(width: Int, height: Int) -> CellGrid {
    var grid = CellGrid(width: width, height: height)
    grid.draw(content, row: -top, column: 0)
    return grid
  }
}
