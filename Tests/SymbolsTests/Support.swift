import Foundation
import WorkshopTestSupport

@testable import Symbols

/// The symbol tests' programs (Programs/) and the small commands they run.
enum SymbolTestSupport {
  static let programsFolder = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
    .appendingPathComponent("Programs")

  /// Compiles `Programs/NAME` once per test run: C with `-O2 -g`, Swift with `swiftc -g`.
  static func compile(_ name: String) throws -> String {
    let source = programsFolder.appendingPathComponent(name)
    return try TestProgram.compile(source, extraFlags: source.pathExtension == "c" ? ["-O2"] : []).executable
  }

  /// Writes an executable script at `path` through a descriptor closed on exec. Why not
  /// `String.write(toFile:atomically:)`: its temporary file is not opened close-on-exec, so a
  /// symbolizer another test starts at that moment keeps it open for writing, and running the
  /// script then fails with "text file busy" (the symbolizer tests run at once and fork often).
  static func writeScript(_ text: String, to path: String) throws {
    let file = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0o755)
    guard file >= 0 else { throw CocoaError(.fileWriteUnknown, userInfo: [NSFilePathErrorKey: path]) }
    let bytes = Array(text.utf8)
    let written = bytes.withUnsafeBytes { write(file, $0.baseAddress, $0.count) }
    close(file)
    guard written == bytes.count else { throw CocoaError(.fileWriteUnknown, userInfo: [NSFilePathErrorKey: path]) }
  }

  /// Runs a command and returns its status and standard output.
  static func run(_ arguments: [String]) throws -> (Int32, String) {
    let result = try Command.run(arguments)
    return (result.status, result.standardOutput)
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
}

/// A folder of its own (removed with this) holding a symbolizer that counts its starts in a file
/// before running the real one: how the tests see how many processes a batch started.
final class CountingSymbolizer {
  /// The folder.
  let path: String
  /// The script to run as the symbolizer.
  let executable: String
  private let starts: String

  init(prefix: String) throws {
    path = NSTemporaryDirectory() + "\(prefix)-\(UUID().uuidString)"
    try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
    starts = path + "/starts"
    executable = path + "/symbolizer"
    try SymbolTestSupport.writeScript(
      "#!/bin/sh\necho x >> \(starts)\nexec \(try LLVMSymbolizer.locate()) \"$@\"\n", to: executable)
  }

  deinit { try? FileManager.default.removeItem(atPath: path) }

  /// How many symbolizers were started so far (each counts itself once its shell runs).
  var started: Int {
    ((try? String(contentsOfFile: starts, encoding: .utf8)) ?? "").split(separator: "\n").count
  }
}
