import Foundation
import WorkshopTestSupport

/// The symbol tests' programs (Programs/) and the small commands they run.
enum SymbolTestSupport {
  static let programsFolder = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
    .appendingPathComponent("Programs")

  /// Compiles `Programs/NAME` once per test run: C with `-O2 -g`, Swift with `swiftc -g`.
  static func compile(_ name: String) throws -> String {
    let source = programsFolder.appendingPathComponent(name)
    return try TestProgram.compile(source, extraFlags: source.pathExtension == "c" ? ["-O2"] : []).executable
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
