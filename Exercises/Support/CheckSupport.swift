// The fixed part of every exercise, compiled into it beside the learner's file and the exercise's
// Check/main.swift: how a check reports its correctness cases and marks its memory workload.
// Learners never edit this file; `workshop check` reads what it reports (docs/course-format.md).
import Glibc

/// One correctness case: passes when `actual` equals `expected`.
///
/// Under `workshop check` the result goes to the report file named by `WORKSHOP_CHECK_REPORT`;
/// run by hand, the exercise prints it instead.
public func checkCase<Value: Equatable>(_ name: String, _ actual: Value, equals expected: Value) {
  CheckReport.shared.record(name: name, passed: actual == expected, expected: "\(expected)", actual: "\(actual)")
}

/// Runs the memory workload between the tracker's two markers, so that the memory limit applies
/// to it and not to the program's start-up (as pytest-memray's `limit_memory` scopes a test).
public func measureWorkload(_ body: () -> Void) {
  CheckReport.shared.mark("workshop-workload-start")
  body()
  CheckReport.shared.mark("workshop-workload-end")
}

/// Keeps a value alive and opaque to the optimizer, so that a workload is not optimized away.
@inline(never) public func keep<Value>(_ value: Value) {
  withExtendedLifetime(value) {}
}

/// Where results go, and the tracker's marker function when the tracker is preloaded.
final class CheckReport: @unchecked Sendable {
  static let shared = CheckReport()

  typealias MarkerFunction = @convention(c) (UnsafePointer<CChar>) -> Void
  /// `workshop_tracker_marker`, looked up at run time: the exercise also runs untracked.
  let marker: MarkerFunction? = dlsym(nil, "workshop_tracker_marker").map {
    unsafeBitCast($0, to: MarkerFunction.self)
  }
  private let file: UnsafeMutablePointer<FILE>?

  /// Marks with a static C string: converting a `String` would allocate, inside the workload.
  func mark(_ name: StaticString) {
    marker?(UnsafeRawPointer(name.utf8Start).assumingMemoryBound(to: CChar.self))
  }

  private init() {
    file = getenv("WORKSHOP_CHECK_REPORT").flatMap { fopen($0, "a") }
  }

  func record(name: String, passed: Bool, expected: String, actual: String) {
    guard let file else {
      print(passed ? "ok     \(name)" : "FAILED \(name): expected \(expected), got \(actual)")
      return
    }
    let line =
      "{\"case\":\(Self.quoted(name)),\"passed\":\(passed),\"expected\":\(Self.quoted(expected)),"
      + "\"actual\":\(Self.quoted(actual))}\n"
    fputs(line, file)
    fflush(file)
  }

  /// A JSON string literal.
  static func quoted(_ text: String) -> String {
    var result = "\""
    for scalar in text.unicodeScalars {
      switch scalar {
      case "\"": result += "\\\""
      case "\\": result += "\\\\"
      case "\n": result += "\\n"
      case "\t": result += "\\t"
      case _ where scalar.value < 0x20: result += "\\u" + String(repeating: "0", count: 4 - String(scalar.value, radix: 16).count) + String(scalar.value, radix: 16)
      default: result.unicodeScalars.append(scalar)
      }
    }
    return result + "\""
  }
}
