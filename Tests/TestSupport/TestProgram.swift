import Foundation
import Synchronization

/// A test program compiled from source, once per test run however many tests ask for it at once.
public struct TestProgram: Sendable {
  /// The compiled executable.
  public let executable: String

  /// Compiles `source`: a `.c` file with cc (`-std=gnu11 -O1 -g -fno-omit-frame-pointer -pthread`,
  /// the tracker's public header on the include path, `-ldl`), a `.cpp` file with g++, a `.swift`
  /// file with `swiftc -g` (its module named after the file); `extraFlags` come last, so `-O2`
  /// overrides `-O1`.
  public static func compile(_ source: URL, extraFlags: [String] = []) throws -> TestProgram {
    let key = ([source.path] + extraFlags).joined(separator: " ")
    return try compiled.withLock { cache in
      if let program = cache[key] { return program }
      let program = try build(source, extraFlags: extraFlags)
      cache[key] = program
      return program
    }
  }

  private static let compiled = Mutex<[String: TestProgram]>([:])

  private static func build(_ source: URL, extraFlags: [String]) throws -> TestProgram {
    let folder = FileManager.default.temporaryDirectory.appendingPathComponent(
      "workshop-test-programs-\(ProcessInfo.processInfo.processIdentifier)")
    try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
    let output = folder.appendingPathComponent(
      source.deletingPathExtension().lastPathComponent + extraFlags.joined().filter(\.isLetter)
        + "-\(UInt(bitPattern: source.path.hashValue) % 100_000)")
    let headers = TestEnvironment.repositoryRoot.appendingPathComponent("Sources/Tracker/include").path
    let compiler: [String]
    switch source.pathExtension {
    case "c":
      compiler =
        ["cc", "-std=gnu11", "-O1", "-g", "-fno-omit-frame-pointer", "-pthread", "-I", headers]
        + [source.path, "-o", output.path, "-ldl"] + extraFlags
    case "cpp":
      compiler = ["g++", "-O1", "-g", source.path, "-o", output.path] + extraFlags
    case "swift":
      // The module is named after the source, whatever the output is called: symbols depend on it.
      let module = String(
        source.deletingPathExtension().lastPathComponent.map { $0.isLetter || $0.isNumber ? $0 : "_" })
      compiler = ["swiftc", "-g", "-module-name", module, source.path, "-o", output.path] + extraFlags
    default:
      throw TestSupportError("no compiler for \(source.lastPathComponent)")
    }
    let result = try Command.run(compiler)
    guard result.status == 0 else {
      throw TestSupportError("\(source.lastPathComponent) did not compile:\n\(result.standardError)")
    }
    return TestProgram(executable: output.path)
  }
}
