import Foundation
import Synchronization

/// Compiles the symbol tests' programs (Programs/) and runs small commands.
enum SymbolTestSupport {
  static let programsFolder = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
    .appendingPathComponent("Programs")

  private static let compiled = Mutex<[String: String]>([:])

  /// Compiles `Programs/NAME` once per test run (tests run in parallel): C with `cc -O2 -g`,
  /// Swift with `swiftc -g`.
  static func compile(_ name: String) throws -> String {
    try compiled.withLock { programs in
      if let known = programs[name] { return known }
      let output = try compileNow(name)
      programs[name] = output
      return output
    }
  }

  private static func compileNow(_ name: String) throws -> String {
    let source = programsFolder.appendingPathComponent(name)
    let folder = FileManager.default.temporaryDirectory.appendingPathComponent(
      "workshop-symbols-tests-\(ProcessInfo.processInfo.processIdentifier)")
    try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
    let output = folder.appendingPathComponent(source.deletingPathExtension().lastPathComponent).path
    let command =
      source.pathExtension == "c"
      ? ["cc", "-O2", "-g", "-fno-omit-frame-pointer", source.path, "-o", output, "-ldl"]
      : ["swiftc", "-g", source.path, "-o", output]
    let (status, _) = try run(command)
    guard status == 0 else { throw SupportError(description: "\(name) did not compile") }
    return output
  }

  /// Runs a command and returns its status and standard output.
  static func run(_ arguments: [String]) throws -> (Int32, String) {
    let process = Process()
    process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
    process.arguments = arguments
    let output = FileManager.default.temporaryDirectory.appendingPathComponent("symbols-\(UUID().uuidString)")
    _ = FileManager.default.createFile(atPath: output.path, contents: nil)
    defer { try? FileManager.default.removeItem(at: output) }
    process.standardOutput = try FileHandle(forWritingTo: output)
    try process.run()
    process.waitUntilExit()
    return (process.terminationStatus, try String(contentsOf: output, encoding: .utf8))
  }

  /// The file address of a symbol, as `nm` prints it.
  static func address(of symbol: String, in executable: String) throws -> UInt64? {
    let (_, table) = try run(["nm", executable])
    for line in table.split(separator: "\n") {
      let fields = line.split(separator: " ")
      if fields.count == 3 && fields[2] == symbol { return UInt64(fields[0], radix: 16) }
    }
    return nil
  }

  struct SupportError: Error, CustomStringConvertible { var description: String }
}
