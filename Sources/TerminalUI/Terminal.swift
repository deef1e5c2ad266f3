// The one place that asks what the process's terminal is; the renderers themselves do no I/O.
#if canImport(Glibc)
  import Glibc
#elseif canImport(Darwin)
  import Darwin
#endif
import Foundation
import Rendering

/// Facts about the process's terminal, and what output to it can show.
public enum Terminal {
  /// True when standard output is a terminal.
  public static var standardOutputIsTerminal: Bool { isatty(STDOUT_FILENO) == 1 }

  /// True when standard input is a terminal (the pager reads keys from it).
  public static var standardInputIsTerminal: Bool { isatty(STDIN_FILENO) == 1 }

  /// Why a full screen cannot be drawn on standard input and output.
  public enum FullScreenProblem: Equatable, Sendable {
    /// Standard input or output is not a terminal.
    case notATerminal
    /// `TERM` is unset or names a terminal that cannot move its cursor.
    case cannotDraw(term: String)
  }

  /// Why a full-screen command (`start`, `view`, `run --live`) cannot run here, or nil when it can.
  public static func fullScreenProblem(term: String) -> FullScreenProblem? {
    guard standardInputIsTerminal && standardOutputIsTerminal else { return .notATerminal }
    // A dumb terminal cannot move its cursor: ncurses would draw garbage on it.
    if term.isEmpty || term == "dumb" { return .cannotDraw(term: term) }
    return nil
  }

  /// Colour, Unicode, hyperlinks and width of standard output, by
  /// ``TerminalCapabilities/detect(environment:isTerminal:width:)``.
  public static func standardOutput(
    environment: [String: String] = ProcessInfo.processInfo.environment
  ) -> TerminalCapabilities {
    let isTerminal = standardOutputIsTerminal
    return TerminalCapabilities.detect(
      environment: environment, isTerminal: isTerminal, width: isTerminal ? columns(environment: environment) : nil)
  }

  /// The columns text printed to standard output is laid out for: `COLUMNS` when set (a script
  /// asking for a width), else the window's width, else nil.
  public static func columns(environment: [String: String] = ProcessInfo.processInfo.environment) -> Int? {
    if let columns = environment["COLUMNS"].flatMap(Int.init), columns > 0 { return columns }
    return windowSize(of: STDOUT_FILENO)?.width
  }

  /// The size of the terminal window on `descriptor`, by the kernel (`TIOCGWINSZ`): what a
  /// full-screen UI fills, whatever `COLUMNS` says. Nil when it is not a terminal.
  public static func windowSize(of descriptor: Int32) -> (width: Int, height: Int)? {
    var size = winsize()
    guard ioctl(descriptor, UInt(TIOCGWINSZ), &size) == 0, size.ws_col > 0, size.ws_row > 0 else { return nil }
    return (Int(size.ws_col), Int(size.ws_row))
  }
}
