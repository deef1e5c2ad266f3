import LessonText

/// A colour a terminal can show: one of the 256 of `xterm-256color`.
public struct TerminalColor: Hashable, Sendable {
  /// The palette index: 0–15 the basic colours, 16–231 the colour cube, 232–255 greys.
  public var index: UInt8

  /// The palette colour `index`.
  public init(_ index: UInt8) { self.index = index }

  /// The eight basic colours, which every colour terminal has.
  public static let black = TerminalColor(0)
  /// Red.
  public static let red = TerminalColor(1)
  /// Green.
  public static let green = TerminalColor(2)
  /// Yellow.
  public static let yellow = TerminalColor(3)
  /// Blue.
  public static let blue = TerminalColor(4)
  /// Magenta.
  public static let magenta = TerminalColor(5)
  /// Cyan.
  public static let cyan = TerminalColor(6)
  /// White.
  public static let white = TerminalColor(7)
}

/// How a cell (or a run of text) looks besides its characters. Shared by every renderer: the
/// icicle, the charts and tables, the lesson text; the terminal UI draws exactly these.
public struct CellStyle: Hashable, Sendable {
  /// The character's colour, nil for the terminal's own.
  public var foreground: TerminalColor?
  /// The cell's colour, nil for the terminal's own.
  public var background: TerminalColor?
  /// Bold text.
  public var bold: Bool
  /// Italic text.
  public var italic: Bool
  /// Underlined text.
  public var underline: Bool
  /// Dim text.
  public var dim: Bool
  /// Swapped foreground and background (a selection, a search match).
  public var inverse: Bool
  /// A hyperlink target (OSC 8, where the terminal supports it).
  public var link: String?

  /// A style; every part defaults to the terminal's plain text.
  public init(
    foreground: TerminalColor? = nil, background: TerminalColor? = nil, bold: Bool = false, italic: Bool = false,
    underline: Bool = false, dim: Bool = false, inverse: Bool = false, link: String? = nil
  ) {
    self.foreground = foreground
    self.background = background
    self.bold = bold
    self.italic = italic
    self.underline = underline
    self.dim = dim
    self.inverse = inverse
    self.link = link
  }

  /// The terminal's plain text.
  public static let plain = CellStyle()

  /// Whether nothing is set.
  public var isPlain: Bool { self == .plain }

  /// The ANSI SGR parameters of this style (without the leading reset): `1` bold, `2` dim, `3`
  /// italic, `4` underline, `7` inverse, `30`–`37`/`38;5;N` foreground, `40`–`47`/`48;5;N` background.
  public var sgrParameters: [String] {
    var codes: [String] = []
    if bold { codes.append("1") }
    if dim { codes.append("2") }
    if italic { codes.append("3") }
    if underline { codes.append("4") }
    if inverse { codes.append("7") }
    if let foreground {
      codes.append(foreground.index < 8 ? "\(30 + Int(foreground.index))" : "38;5;\(foreground.index)")
    }
    if let background {
      codes.append(background.index < 8 ? "\(40 + Int(background.index))" : "48;5;\(background.index)")
    }
    return codes
  }
}

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
}

/// A rectangle of cells: what renderers draw and what the terminal UI flushes. No I/O.
public struct CellGrid: Sendable, Equatable {
  /// Columns.
  public let width: Int
  /// Rows.
  public let height: Int
  private var cells: [Cell]

  /// A blank grid.
  public init(width: Int, height: Int, filling cell: Cell = .blank) {
    self.width = max(width, 0)
    self.height = max(height, 0)
    cells = Array(repeating: cell, count: self.width * self.height)
  }

  /// The cell at `row`, `column` (0-based).
  public subscript(row: Int, column: Int) -> Cell {
    get { cells[row * width + column] }
    set { cells[row * width + column] = newValue }
  }

  /// Writes `text` from `column` on `row`, at most `limit` columns (to the grid's edge without one);
  /// a wide character that would not fit whole is left out. Returns the columns written.
  @discardableResult
  public mutating func write(_ text: String, row: Int, column: Int, limit: Int? = nil, style: CellStyle = .plain)
    -> Int
  {
    guard row >= 0 && row < height && column >= 0 else { return 0 }
    let end = min(width, column + (limit ?? width))
    var position = column
    for character in text {
      let columns = DisplayWidth.of(character)
      guard columns > 0 else { continue }
      guard position + columns <= end else { break }
      self[row, position] = Cell(character, width: columns, style: style)
      if columns == 2 { self[row, position + 1] = Cell(" ", width: 0, style: style) }
      position += columns
    }
    return position - column
  }

  /// Gives `columns` cells from `column` on `row` the style `style`, keeping their characters.
  public mutating func paint(row: Int, column: Int, columns: Int, style: CellStyle) {
    guard row >= 0 && row < height else { return }
    for position in max(column, 0)..<min(width, column + columns) { self[row, position].style = style }
  }

  /// The grid's rows as one string each: the characters only, without trailing blanks.
  public func lines() -> [String] {
    (0..<height).map { row in
      var line = ""
      for column in 0..<width where self[row, column].width > 0 { line.append(self[row, column].character) }
      while line.last == " " { line.removeLast() }
      return line
    }
  }

  /// The characters only, one line a row, each ending with a newline.
  public func plainText() -> String {
    lines().map { $0 + "\n" }.joined()
  }

  /// The characters with ANSI SGR escapes for the styles, one line a row; each line ends with a
  /// reset so that nothing leaks into what is printed next.
  public func ansiText() -> String {
    var text = ""
    for row in 0..<height {
      var current = CellStyle.plain
      var lastColumn = width - 1
      while lastColumn >= 0 && self[row, lastColumn] == .blank { lastColumn -= 1 }
      if lastColumn >= 0 {
        for column in 0...lastColumn {
          let cell = self[row, column]
          guard cell.width > 0 else { continue }
          if cell.style != current {
            text += Self.escape(for: cell.style)
            current = cell.style
          }
          text.append(cell.character)
        }
      }
      if current != .plain { text += "\u{1B}[0m" }
      text += "\n"
    }
    return text
  }

  static func escape(for style: CellStyle) -> String {
    "\u{1B}[" + (["0"] + style.sgrParameters).joined(separator: ";") + "m"
  }
}

/// How many terminal columns text takes: 2 for East Asian wide and most emoji, 0 for controls and
/// combining marks. One implementation for the whole package: LessonText's, which the reader
/// needs for grid tables and which every renderer uses through here.
public enum DisplayWidth {
  /// The columns one character takes.
  public static func of(_ character: Character) -> Int { character.displayWidth }

  /// The columns a string takes.
  public static func of(_ text: some StringProtocol) -> Int { text.displayWidth }

  /// `text` cut to at most `columns` columns, ending with `ellipsis` when it was cut.
  public static func truncate(_ text: String, to columns: Int, ellipsis: String) -> String {
    guard columns > 0 else { return "" }
    if of(text) <= columns { return text }
    let room = columns - of(ellipsis)
    guard room > 0 else { return String(ellipsis.prefix(columns)) }
    var result = ""
    var used = 0
    for character in text {
      let next = of(character)
      if used + next > room { break }
      result.append(character)
      used += next
    }
    return result + ellipsis
  }
}
