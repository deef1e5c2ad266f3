import Foundation
import Testing
import WorkshopTestSupport

/// The README's first command makes `workshop` callable by name. Its linking is tested here with
/// the debug build (`--link-only`) and a HOME and PATH of the test's own; CI never builds release.
@Suite("Scripts/start.sh links workshop")
struct StartScriptTests {
  static let script = TestEnvironment.repositoryRoot.appendingPathComponent("Scripts/start.sh").path
  /// The system's folders and the toolchain's (a check compiles with swiftc), never /usr/local/bin.
  static let basePath: String = {
    let path = (ProcessInfo.processInfo.environment["PATH"] ?? "").split(separator: ":").map(String.init)
    let toolchain = path.filter {
      $0 != "/usr/local/bin" && FileManager.default.isExecutableFile(atPath: $0 + "/swiftc")
    }
    return (toolchain.prefix(1) + ["/usr/bin", "/bin"]).joined(separator: ":")
  }()

  func start(home: URL, path: String) throws -> Command.Result {
    try Command.run(
      ["bash", Self.script, "--link-only", TestEnvironment.productsFolder.path],
      environment: ["HOME": home.path, "PATH": path], timeLimit: 30)
  }

  @Test("with ~/.local/bin on PATH the link goes there, and workshop check 1 typed by name works")
  func linkedOnPath() throws {
    try TestEnvironment.requireProducts()
    let home = try TestEnvironment.scratchFolder()
    let local = home.appendingPathComponent(".local/bin")
    try FileManager.default.createDirectory(at: local, withIntermediateDirectories: true)
    let path = local.path + ":" + Self.basePath
    let output = try start(home: home, path: path)
    #expect(output.status == 0, "\(output.all)")
    #expect(output.standardOutput.contains("workshop is linked as \(local.path)/workshop."))
    #expect(!output.standardOutput.contains("export PATH"), "already on PATH: no line to add")
    #expect(output.standardOutput.contains("workshop lesson 1"))
    #expect(output.standardOutput.contains("workshop check 1"))

    let course = try CourseCopy()
    try course.write("Exercises/exercise_1/Check/main.swift", CheckScreenTests.lightCheck)
    let check = try Command.run(
      ["bash", "-c", "workshop check 1"],
      environment: [
        "HOME": home.path, "PATH": path, "WORKSHOP_BUILD_CACHE": CourseTestEnvironment.sharedBuildCache.path,
        "COLUMNS": "100",
      ],
      unsetting: ["WORKSHOP_BIN_PATH", "WORKSHOP_TRACKER_LIBRARY", "WORKSHOP_COURSE_DIR"],
      currentDirectory: course.folder)
    #expect(check.standardOutput.hasPrefix("FAILED exercise_1: "), "\(check.all)")
  }

  @Test("with no writable folder on PATH it links into ~/.local/bin and prints the one line to add")
  func linkedOffPath() throws {
    try TestEnvironment.requireProducts()
    let home = try TestEnvironment.scratchFolder()
    let output = try start(home: home, path: Self.basePath)
    #expect(output.status == 0, "\(output.all)")
    let link = home.appendingPathComponent(".local/bin/workshop").path
    #expect(
      try FileManager.default.destinationOfSymbolicLink(atPath: link)
        == TestEnvironment.productsFolder.appendingPathComponent("workshop").path)
    #expect(output.standardOutput.contains("  export PATH=\"\(home.path)/.local/bin:$PATH\""), "\(output.all)")
    // Run again: the link is replaced, not refused.
    #expect(try start(home: home, path: Self.basePath).status == 0)
  }

  @Test("a workshop file that is not a link is left alone")
  func notClobbered() throws {
    try TestEnvironment.requireProducts()
    let home = try TestEnvironment.scratchFolder()
    let local = home.appendingPathComponent(".local/bin")
    try FileManager.default.createDirectory(at: local, withIntermediateDirectories: true)
    try "#!/bin/sh\necho mine\n".write(to: local.appendingPathComponent("workshop"), atomically: true, encoding: .utf8)
    let output = try start(home: home, path: local.path + ":" + Self.basePath)
    #expect(output.standardError.contains("is not a link made by this script"))
    #expect(try String(contentsOf: local.appendingPathComponent("workshop"), encoding: .utf8).contains("mine"))
  }
}
