import Foundation
import WorkshopTestSupport

/// The tracker tests' programs, in Tests/TrackerTests/Programs.
enum Programs {
  static let folder = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("Programs")

  /// Compiles `Programs/NAME` (see ``TestProgram/compile(_:extraFlags:)`` for the flags).
  static func compile(_ name: String, extraFlags: [String] = []) throws -> TestProgram {
    try TestProgram.compile(folder.appendingPathComponent(name), extraFlags: extraFlags)
  }

  /// Compiles a program from Benchmarks/ as its header says (-O2 -g, frame pointers kept).
  static func compileBenchmark(_ name: String) throws -> TestProgram {
    try TestProgram.compile(
      TestEnvironment.repositoryRoot.appendingPathComponent("Benchmarks").appendingPathComponent(name),
      extraFlags: ["-O2", "-fno-builtin"])
  }
}
