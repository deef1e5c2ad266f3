// The one place reports ask the terminal what it can do (the renderers themselves do no I/O).
#if canImport(Glibc)
  import Glibc
#elseif canImport(Darwin)
  import Darwin
#endif
import Foundation
import Rendering

/// Asks standard output what it is.
public enum TerminalProbe {
  /// Colour, Unicode and width of standard output, by ``TerminalCapabilities/detect(environment:isTerminal:width:)``.
  public static func standardOutput() -> TerminalCapabilities {
    let isTerminal = isatty(STDOUT_FILENO) == 1
    return TerminalCapabilities.detect(
      environment: ProcessInfo.processInfo.environment, isTerminal: isTerminal, width: isTerminal ? columns() : nil)
  }

  /// The terminal's width in columns: `COLUMNS` when set, else the kernel's window size, else nil.
  public static func columns() -> Int? {
    if let columns = ProcessInfo.processInfo.environment["COLUMNS"].flatMap(Int.init), columns > 0 { return columns }
    var size = winsize()
    if ioctl(STDOUT_FILENO, UInt(TIOCGWINSZ), &size) == 0 && size.ws_col > 0 { return Int(size.ws_col) }
    return nil
  }
}
