import ArgumentParser
import Foundation
import TerminalUI

/// One line on standard error, prefixed with `workshop:` (every command's warnings).
func say(_ message: String) {
  FileHandle.standardError.write(Data("workshop: \(message)\n".utf8))
}

/// Ends a report command once its output is written, with status 0, without freeing what it built
/// (call it inside `withExtendedLifetime` of the report and its tree, or Swift frees them after
/// their last use): a profile and a tree of millions of nodes would be freed node by node by a
/// process about to end anyway.
func endAfterReport() -> Never {
  fflush(nil)  // every output stream, standard output included
  exit(0)
}

/// The columns a command lays its text out for: `--width` checked against one range, else the
/// terminal's width (``Terminal/columns(environment:)``: `COLUMNS` first, then the window's width).
enum LayoutWidth {
  /// The widest layout any command makes.
  static let maximum = 1000

  /// Throws a ValidationError quoting `width` when it is outside `minimum...maximum`.
  static func validate(_ width: Int?, minimum: Int) throws {
    guard let width, !(minimum...maximum).contains(width) else { return }
    throw ValidationError("--width \(width) is out of range: give \(minimum) to \(maximum) columns")
  }

  /// `width` when given (already validated), else the terminal's width at most ``maximum``, else
  /// `fallback`.
  static func choose(_ width: Int?, terminal: Int? = Terminal.columns(), fallback: Int) -> Int {
    width ?? terminal.map { min($0, maximum) } ?? fallback
  }
}
