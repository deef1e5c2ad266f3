import Foundation
import Testing
import WorkshopTestSupport

/// Faults of the machine under `workshop`: a full disk, a temporary folder on another file system,
/// an exercise that leaves children behind. Mounts need root (as the project's machines have); a
/// test whose mount is refused says so and checks nothing.
@Suite("faults", .serialized)
struct FaultTests {
  /// A tmpfs of `size` mounted at `folder` (made if needed) for the length of `body`.
  func withTmpfs<T>(at folder: URL, size: String, _ body: () throws -> T) throws -> T? {
    try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
    let mount = try Command.run(["mount", "-t", "tmpfs", "-o", "size=\(size)", "tmpfs", folder.path], timeLimit: 30)
    guard mount.status == 0 else {
      print("skipped: cannot mount a tmpfs here (\(mount.standardError))")
      return nil
    }
    defer { _ = try? Command.run(["umount", "-l", folder.path], timeLimit: 30) }
    return try body()
  }

  /// A command that makes 300,000 allocations and frees (bytes objects past pymalloc's 512 bytes).
  static let allocating = ["python3", "-c", "for i in range(300000): bytes(600 + i % 5)"]

  @Test(
    "a full disk: lost events are a line of run's summary, a field of --json and a line of every report",
    .timeLimit(.minutes(3)))
  func fullDiskReports() throws {
    let course = try CourseCopy()
    let disk = course.folder.appendingPathComponent("small-disk")
    _ = try withTmpfs(at: disk, size: "256k") {
      let capture = disk.appendingPathComponent("c.bin").path
      let run = try course.workshop(
        "run", "--no-compress", "-o", capture, "--", Self.allocating[0], Self.allocating[1], Self.allocating[2])
      #expect(run.status == 0, "\(run.all)")
      // The tracker counts what it could not write in a LOST record, unless the disk stays too full
      // for even that: then the capture is cut short, and the reports say so.
      #expect(run.standardError.contains("the disk holding \(disk.path) is full"), "\(run.all)")
      let json = try course.workshop("stats", "--json", capture)
      let object = try #require(
        try JSONSerialization.jsonObject(with: Data(json.standardOutput.utf8)) as? [String: Any])
      let lost = try #require(object["lost_events"] as? Int, "\(json.all)")
      let complete = try #require(object["complete"] as? Bool, "\(json.all)")
      #expect(!complete, "\(json.all)")
      #expect(lost > 100_000 || lost == 0, "lost \(lost)")
      for command in [["stats"], ["flamegraph"], ["summary"]] as [[String]] {
        let result = try course.workshop(command[0], capture)
        #expect(result.standardError.contains("the disk holding \(disk.path) is full"), "\(command): \(result.all)")
      }
    }
  }

  @Test("a full disk under a check is a verdict of its own, not a missing workload", .timeLimit(.minutes(3)))
  func fullDiskCheck() throws {
    let course = try CourseCopy()
    let captures = course.url(".workshop/captures")
    let result = try withTmpfs(at: captures, size: "64k") { try course.workshop("check", "exercise_1") }
    guard let result else { return }
    #expect(result.status == 1, "\(result.all)")
    // The report wraps at words: read it as one line.
    let words = result.standardOutput.split(whereSeparator: \.isWhitespace).joined(separator: " ")
    #expect(words.contains("the capture is incomplete: the disk holding \(captures.path) is full"), "\(result.all)")
    #expect(!result.standardOutput.contains("workshop-workload-end"), "\(result.all)")
  }

  @Test("a symbolic link at .workshop/ or its captures/ is refused in one sentence", .timeLimit(.minutes(3)))
  func symlinkedStateFolder() throws {
    let course = try CourseCopy()
    let elsewhere = course.folder.deletingLastPathComponent().appendingPathComponent("elsewhere")
    try FileManager.default.createDirectory(at: elsewhere, withIntermediateDirectories: true)
    try FileManager.default.createDirectory(at: course.url(".workshop"), withIntermediateDirectories: true)
    try FileManager.default.createSymbolicLink(
      atPath: course.url(".workshop/captures").path, withDestinationPath: elsewhere.path)
    let result = try course.workshop("check", "exercise_1")
    #expect(result.status != 0)
    #expect(
      result.standardError.contains(
        "\(course.url(".workshop/captures").path) is a symbolic link to \(elsewhere.path): workshop writes only into a real folder"
      ), "\(result.all)")
    #expect(try FileManager.default.contentsOfDirectory(atPath: elsewhere.path).isEmpty)
  }

  @Test("a check with TMPDIR on another file system than the course", .timeLimit(.minutes(5)))
  func temporaryFolderElsewhere() throws {
    let course = try CourseCopy()
    let temporary = course.folder.deletingLastPathComponent().appendingPathComponent("tmp")
    let result = try withTmpfs(at: temporary, size: "512m") {
      try course.workshop("check", "exercise_1", environment: ["TMPDIR": temporary.path])
    }
    guard let result else { return }
    #expect(!result.all.contains("cross-device"), "\(result.all)")
    #expect(result.status == 1, "\(result.all)")
    #expect(result.standardOutput.contains("the workload was limited to 64.0 KiB but peaked at "), "\(result.all)")
    #expect(FileManager.default.fileExists(atPath: course.url(".workshop/captures/exercise_1.bin").path))
  }

  /// The learner's file of exercise 1, made to start 300 sleepers once (and then, with `hang`, never end).
  static func sleepers(_ duration: String, hang: Bool) -> String {
    """
    import Glibc

    nonisolated(unsafe) var sleepersStarted = false

    func squares(count: Int) -> [Int] {
      if !sleepersStarted {
        sleepersStarted = true
        for _ in 0..<300 {
          var pid: pid_t = 0
          let words: [String] = ["sleep", "\(duration)"]
          let arguments: [UnsafeMutablePointer<CChar>?] = words.map { strdup($0) } + [nil]
          posix_spawnp(&pid, "sleep", nil, nil, arguments, environ)
        }
      }
      \(hang ? "while true { usleep(10_000) }" : "")
      var result: [Int] = []
      for number in 0..<count { result.append(number * number) }
      return result
    }
    """
  }

  /// The processes whose command line is `sleep DURATION`.
  func sleeping(_ duration: String) throws -> [String] {
    try Command.run(["pgrep", "-f", "^sleep \(duration)$"], timeLimit: 10).standardOutput.split(separator: "\n").map(
      String.init)
  }

  @Test(
    "an exercise's children end with its check, at a normal end and at the time bound", .timeLimit(.minutes(5)),
    arguments: [false, true])
  func childrenEndWithTheCheck(hang: Bool) throws {
    let course = try CourseCopy()
    let duration = hang ? "7302.5" : "7301.5"
    try course.write("Exercises/exercise_1/Squares.swift", Self.sleepers(duration, hang: hang))
    if hang { try course.setManifest("exercise_1", ["timeLimitSeconds": 3]) }
    let result = try course.workshop("check", "exercise_1")
    defer { _ = try? Command.run(["pkill", "-KILL", "-f", "^sleep \(duration)$"], timeLimit: 10) }
    #expect(result.status == 1, "\(result.all)")
    if hang {
      #expect(result.standardOutput.contains("past the time bound of 3.0 s"), "\(result.all)")
    } else {
      #expect(
        result.standardOutput.contains("the workload was limited to 64.0 KiB"), "it ran to its end: \(result.all)")
    }
    // SIGKILL is delivered at once, but the kernel may take a moment to take 300 processes down.
    var left = try sleeping(duration)
    for _ in 0..<50 where !left.isEmpty {
      usleep(100_000)
      left = try sleeping(duration)
    }
    #expect(left.isEmpty, "\(left.count) sleepers outlived the check")
  }
}
