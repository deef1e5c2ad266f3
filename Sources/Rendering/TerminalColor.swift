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

  /// Whether this is one of the eight basic colours.
  public var isBasic: Bool { index < 8 }

  /// The nearest of the eight basic colours, for terminals that have no more: a bright colour
  /// becomes its plain one, a cube colour keeps each of red, green and blue that is at least
  /// half on, a grey becomes black or white.
  public var basic: TerminalColor {
    switch index {
    case 0..<8: return self
    case 8..<16: return TerminalColor(index - 8)
    case 16..<232:
      let cube = Int(index) - 16
      let red = cube / 36 >= 3 ? 1 : 0
      let green = cube / 6 % 6 >= 3 ? 2 : 0
      let blue = cube % 6 >= 3 ? 4 : 0
      return TerminalColor(UInt8(red + green + blue))
    default: return index >= 244 ? .white : .black
    }
  }
}
