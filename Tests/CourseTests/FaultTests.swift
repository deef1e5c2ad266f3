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
      #expect(
        run.standardError.contains("events the tracker could not write: the disk holding \(disk.path) is full"),
        "\(run.all)")
      let json = try course.workshop("stats", "--json", capture)
      let object = try #require(
        try JSONSerialization.jsonObject(with: Data(json.standardOutput.utf8)) as? [String: Any])
      let lost = try #require(object["lost_events"] as? Int, "\(json.all)")
      #expect(lost > 100_000)
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
    #expect(
      result.standardOutput.contains("the capture is incomplete: the disk holding \(captures.path) is full"),
      "\(result.all)")
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
}
