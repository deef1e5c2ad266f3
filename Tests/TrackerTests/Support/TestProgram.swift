import Foundation
import Synchronization
import Testing

/// A test program from Tests/TrackerTests/Programs, compiled once per test run.
struct TestProgram: Sendable {
  /// The compiled executable.
  let executable: String

  /// Compiles `Programs/NAME` (a `.c` file with cc -O1 -g, a `.swift` file with swiftc -g), once
  /// per test run however many tests ask for it at the same time.
  static func compile(_ name: String, extraFlags: [String] = []) throws -> TestProgram {
    let key = ([name] + extraFlags).joined(separator: " ")
    return try compiled.withLock { cache in
      if let program = cache[key] { return program }
      let program = try build(name, extraFlags: extraFlags)
      cache[key] = program
      return program
    }
  }

  /// Programs compiled so far in this test run, by name and flags.
  private static let compiled = Mutex<[String: TestProgram]>([:])

  private static func build(_ name: String, extraFlags: [String]) throws -> TestProgram {
    let source = TestEnvironment.programsFolder.appendingPathComponent(name)
    let output = try buildFolder().appendingPathComponent(
      source.deletingPathExtension().lastPathComponent + extraFlags.joined().filter(\.isLetter))
    let compiler: [String]
    switch source.pathExtension {
    case "c":
      compiler =
        ["cc", "-std=gnu11", "-O1", "-g", "-fno-omit-frame-pointer", "-pthread"]
        + ["-I", TestEnvironment.trackerHeaders.path, source.path, "-o", output.path, "-ldl"] + extraFlags
    case "swift":
      compiler = ["swiftc", "-g", source.path, "-o", output.path] + extraFlags
    default:
      throw TestProgramError("no compiler for \(name)")
    }
    let result = try Command.run(compiler)
    guard result.status == 0 else {
      throw TestProgramError("\(name) did not compile:\n\(result.standardError)")
    }
    return TestProgram(executable: output.path)
  }

  private static func buildFolder() throws -> URL {
    let url = FileManager.default.temporaryDirectory.appendingPathComponent(
      "workshop-test-programs-\(ProcessInfo.processInfo.processIdentifier)")
    try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
    return url
  }
}

/// A failure to prepare a test program, said in one sentence.
struct TestProgramError: Error, CustomStringConvertible {
  let description: String
  init(_ description: String) { self.description = description }
}

extension TestEnvironment {
  /// The tracker's public header (the marker API).
  static let trackerHeaders = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
    .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
    .appendingPathComponent("Sources/Tracker/include")
}

/// Runs a command to completion and collects what it printed. It starts through `/usr/bin/env`,
/// so variables meant for the program itself (LD_PRELOAD) go in as `NAME=value` arguments.
enum Command {
  struct Result {
    var status: Int32
    var signal: Int32?
    var standardOutput: String
    var standardError: String
  }

  static func run(
    _ arguments: [String], currentDirectory: URL? = nil,
    standardInput: String? = nil
  ) throws -> Result {
    let process = Process()
    process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
    process.arguments = arguments
    if let currentDirectory { process.currentDirectoryURL = currentDirectory }
    // Files rather than pipes: a chatty child can never block on a full pipe.
    let scratch = FileManager.default.temporaryDirectory.appendingPathComponent("workshop-command-\(UUID().uuidString)")
    try FileManager.default.createDirectory(at: scratch, withIntermediateDirectories: true)
    defer { try? FileManager.default.removeItem(at: scratch) }
    let outputURL = scratch.appendingPathComponent("stdout")
    let errorURL = scratch.appendingPathComponent("stderr")
    let inputURL = scratch.appendingPathComponent("stdin")
    _ = FileManager.default.createFile(atPath: outputURL.path, contents: nil)
    _ = FileManager.default.createFile(atPath: errorURL.path, contents: nil)
    _ = FileManager.default.createFile(atPath: inputURL.path, contents: Data((standardInput ?? "").utf8))
    process.standardOutput = try FileHandle(forWritingTo: outputURL)
    process.standardError = try FileHandle(forWritingTo: errorURL)
    process.standardInput = try FileHandle(forReadingFrom: inputURL)
    try process.run()
    process.waitUntilExit()
    let outputData = try Data(contentsOf: outputURL)
    let errorData = try Data(contentsOf: errorURL)
    let signaled = process.terminationReason == .uncaughtSignal
    return Result(
      status: signaled ? 128 + process.terminationStatus : process.terminationStatus,
      signal: signaled ? process.terminationStatus : nil,
      standardOutput: String(decoding: outputData, as: UTF8.self),
      standardError: String(decoding: errorData, as: UTF8.self))
  }
}
