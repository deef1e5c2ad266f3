import Foundation
import LessonText
import Symbols

/// Where a hint points (`course-hint` options): a frame, `:frame: fibonacci(count:)`, which the
/// explorer selects when the hint is revealed; and a line of the learner's file,
/// `:line: Fibonacci.swift:19`, which the lesson pane shows.
///
/// ```rst
/// .. course-hint::
///    :frame: fibonacci(count:)
///    :line: Fibonacci.swift:19
///
///    What does the caller need: all the numbers, or the next one?
/// ```
public struct HintTarget: Sendable, Equatable {
  /// The function the hint names, as the explorer writes it (`fibonacci(count:)`).
  public var function: String?
  /// The learner's file the hint names (its name, `Fibonacci.swift`).
  public var file: String?
  /// The 1-based line in ``file``.
  public var line: Int?

  /// A target as given.
  public init(function: String? = nil, file: String? = nil, line: Int? = nil) {
    self.function = function
    self.file = file
    self.line = line
  }

  /// The target of a hint's options, nil when it names nothing; and one sentence for a value that
  /// does not read (the rest of the target still counts).
  public static func parse(_ hint: Node, lessonFile: String) -> (target: HintTarget?, problem: String?) {
    var target = HintTarget()
    var problem: String?
    for option in hint.options {
      let value = option.value.trimmingCharacters(in: .whitespaces)
      switch option.name {
      case "frame":
        if !value.isEmpty { target.function = value }
      case "line":
        let parts = value.split(separator: ":")
        if parts.count == 2, let line = Int(parts[1]), line > 0, !parts[0].isEmpty {
          target.file = String(parts[0])
          target.line = line
        } else {
          problem =
            "\(lessonFile):\(hint.line): the hint's :line: \"\(value)\" is not a file and a line, "
            + "as in :line: Fibonacci.swift:19"
        }
      default:
        break
      }
    }
    return (target == HintTarget() ? nil : target, problem)
  }

  /// Whether `frame` is the function this hint names: the same name, or the same after its type
  /// or module (`Fibonacci.fibonacci(count:)` for `fibonacci(count:)`).
  public func matches(_ frame: SymbolizedFrame) -> Bool {
    guard let function, let name = frame.function else { return false }
    return name == function || name.hasSuffix("." + function)
  }

  /// The line the hint names in the learner's file of `exercise`, with the line before and after:
  /// `Fibonacci.swift:19` then the numbered lines, the named one marked `>`; nil when the
  /// exercise has no such file or line.
  public func excerpt(in exercise: Exercise) -> [String]? {
    guard let file, let line,
      let path = exercise.learnerFiles.first(where: { URL(fileURLWithPath: $0).lastPathComponent == file }),
      let text = try? String(contentsOfFile: exercise.path(path), encoding: .utf8)
    else { return nil }
    let lines = text.split(separator: "\n", omittingEmptySubsequences: false)
    guard line <= lines.count else { return nil }
    let shown = max(1, line - 1)...min(lines.count, line + 1)
    let width = String(shown.upperBound).count
    return ["\(file):\(line)"]
      + shown.map { number in
        let label = String(repeating: " ", count: width - String(number).count) + String(number)
        return "\(number == line ? ">" : " ") \(label) │ \(lines[number - 1])"
      }
  }
}

extension HintReveal {
  /// Where the revealed hint points, when it names a frame or a line.
  public var target: HintTarget? {
    HintTarget.parse(hint, lessonFile: "Lessons/" + URL(fileURLWithPath: lesson.lesson.path).lastPathComponent).target
  }
}
