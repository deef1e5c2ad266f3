/// Where each part of `workshop start` goes on a screen of a given size: two header rows, the tab
/// bar, the panes, the status line. From 160 columns the lesson and the check (or the hints) stand
/// side by side; below, one pane fills the body and Tab switches.
public struct CourseScreenLayout: Sendable, Equatable {
  /// The smallest screen the course is shown on.
  public static let minimumWidth = 80
  /// The smallest screen the course is shown on.
  public static let minimumHeight = 24
  /// From this many columns the lesson and the check stand side by side.
  public static let wideWidth = 160

  /// A rectangle of rows and columns.
  public struct Area: Sendable, Equatable {
    /// The first row.
    public var row: Int
    /// The first column.
    public var column: Int
    /// Columns.
    public var width: Int
    /// Rows.
    public var height: Int
  }

  /// The screen's size.
  public var width: Int
  /// The screen's size.
  public var height: Int

  /// Whether the screen is smaller than the course needs.
  public var isTooSmall: Bool { width < Self.minimumWidth || height < Self.minimumHeight }
  /// Whether the lesson and the side pane stand side by side.
  public var isWide: Bool { width >= Self.wideWidth }
  /// The rows under the tab bar and above the status line, full width.
  public var body: Area { Area(row: 3, column: 0, width: width, height: max(1, height - 4)) }
  /// The lesson's pane (the only pane on a narrow screen).
  public var left: Area {
    Area(row: body.row, column: 0, width: isWide ? (width - 1) / 2 : width, height: body.height)
  }
  /// The check's or the hints' pane beside the lesson (on a narrow screen, the same as ``left``).
  public var right: Area {
    guard isWide else { return left }
    return Area(row: body.row, column: left.width + 1, width: width - left.width - 1, height: body.height)
  }
  /// The columns text in a pane is laid out for.
  public var paneWidth: Int { min(left.width, right.width) - 1 }
}
