#if canImport(Glibc)
  import Glibc
#elseif canImport(Darwin)
  import Darwin
#endif

/// Facts about the process's terminal.
public enum Terminal {
  /// True when standard output is a terminal.
  public static var standardOutputIsTerminal: Bool { isatty(STDOUT_FILENO) == 1 }

  /// True when standard input is a terminal (the pager reads keys from it).
  public static var standardInputIsTerminal: Bool { isatty(STDIN_FILENO) == 1 }

  /// The terminal's width in columns, if standard output is a terminal.
  public static var columns: Int? {
    var size = winsize()
    guard ioctl(STDOUT_FILENO, UInt(TIOCGWINSZ), &size) == 0, size.ws_col > 0 else { return nil }
    return Int(size.ws_col)
  }
}
