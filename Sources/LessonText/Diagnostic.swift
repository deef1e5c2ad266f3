/// How serious a reader message is, with docutils' names and numbers.
public enum Severity: Int, Sendable, Comparable, CustomStringConvertible {
  /// Informational: nothing is wrong.
  case info = 1
  /// Something is probably wrong but the output is fine.
  case warning = 2
  /// Something is wrong and part of the output may be off.
  case error = 3
  /// Something is badly wrong; part of the input was not understood.
  case severe = 4

  /// `INFO`, `WARNING`, `ERROR` or `SEVERE`.
  public var description: String {
    switch self {
    case .info: "INFO"
    case .warning: "WARNING"
    case .error: "ERROR"
    case .severe: "SEVERE"
    }
  }

  /// Orders severities from informational to severe.
  public static func < (lhs: Severity, rhs: Severity) -> Bool { lhs.rawValue < rhs.rawValue }
}

/// One message about the source, with its file and line, printed the way docutils prints it.
public struct Diagnostic: Sendable, Equatable, CustomStringConvertible {
  /// How serious it is.
  public var severity: Severity
  /// The message, as docutils words it where docutils has one.
  public var message: String
  /// The file the source came from (or `<string>`).
  public var file: String
  /// The 1-based source line.
  public var line: Int

  /// Makes a message.
  public init(_ severity: Severity, _ message: String, file: String, line: Int) {
    self.severity = severity
    self.message = message
    self.file = file
    self.line = line
  }

  /// `file:line: (WARNING/2) message`, like docutils.
  public var description: String {
    "\(file):\(line): (\(severity)/\(severity.rawValue)) \(message)"
  }
}

/// The reader's one error type. Reading itself never fails (mistakes become ``Diagnostic``s);
/// this covers getting the source.
public enum LessonTextError: Error, Equatable, CustomStringConvertible {
  /// The file could not be read.
  case unreadable(path: String)
  /// The file is not UTF-8 text.
  case notText(path: String)

  /// A lower-case sentence quoting the value.
  public var description: String {
    switch self {
    case .unreadable(let path): "cannot read the file \"\(path)\": check that it exists and is readable"
    case .notText(let path): "the file \"\(path)\" is not UTF-8 text: lessons must be UTF-8 reStructuredText"
    }
  }
}
