import TextWidth

/// One column of a grid.
public struct Cell: Hashable, Sendable {
  /// The character shown. A wide character's second column holds an empty continuation cell.
  public var character: Character
  /// The columns the character takes: 1, 2 for a wide character, 0 for a continuation cell.
  public var width: Int
  /// How it looks.
  public var style: CellStyle

  /// A cell holding `character`.
  public init(_ character: Character, width: Int = 1, style: CellStyle = .plain) {
    self.character = character
    self.width = width
    self.style = style
  }

  /// A blank cell.
  public static let blank = Cell(" ")

  /// The second column of a wide character in `style`.
  static func continuation(_ style: CellStyle) -> Cell { Cell(" ", width: 0, style: style) }
}
