import MemoryAnalysis
import Rendering
import WorkshopKit

/// How the command line spells a next step: the command to type.
extension NextStep {
  /// The command, with what it is about in brackets when `annotated` and there is something to say.
  func command(annotated: Bool = false) -> String {
    switch self {
    case .lesson(let number, let title):
      return "workshop lesson \(number)" + (annotated ? "    (\(title))" : "")
    case .check(let exercise, let title):
      return "workshop check \(exercise)" + (annotated ? "    (\(title))" : "")
    case .hint(let exercise, _):
      return "workshop hint \(exercise)"
    case .solution(let exercise):
      return "workshop solution \(exercise)"
    case .explore(let capture, .icicle(let selection, let native)):
      let flags = [
        selection == .leaks ? "--leaks" : nil, selection == .temporary ? "--temporary-allocations" : nil,
        native ? "--native" : nil,
      ].compactMap { $0 }
      return (["workshop flamegraph", TerminalText.shellQuoted(capture)] + flags).joined(separator: " ")
    case .explore(let capture, .summary(let leaks, let order)):
      let flags = [leaks ? "--leaks" : nil, order == .total ? nil : "--sort \(order.rawValue)"].compactMap { $0 }
      return (["workshop summary", TerminalText.shellQuoted(capture)] + flags).joined(separator: " ")
    case .list:
      return "workshop list" + (annotated ? "    (every exercise has passed)" : "")
    }
  }
}
