/// A rendered lesson: its grid, one row a line, and where its headings are. The pager (or a pane)
/// shows a window of rows; printed, it is the grid's text.
public struct LessonRendering: Sendable, Equatable {
  /// The lines, top to bottom.
  public var grid: CellGrid
  /// The rows of the section headings, in order.
  public var headingRows: [Int]

  /// Makes a rendering.
  public init(grid: CellGrid, headingRows: [Int]) {
    self.grid = grid
    self.headingRows = headingRows
  }

  /// Plain text, one line a row, trailing blanks removed.
  public var plainText: String { grid.plainText() }
}
