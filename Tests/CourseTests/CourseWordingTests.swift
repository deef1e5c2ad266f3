import Foundation
import Rendering
import Testing
import WorkshopTestSupport

/// The course's lessons speak the reports' units: binary ones (KiB, MiB), the limit as the check
/// prints it.
@Suite("the course's words and units")
struct CourseWordingTests {
  static let root = TestEnvironment.repositoryRoot

  static func lessons() throws -> [(name: String, text: String)] {
    let folder = root.appendingPathComponent("Lessons")
    return try FileManager.default.contentsOfDirectory(atPath: folder.path).filter { $0.hasSuffix(".rst") }.sorted()
      .map { ($0, try String(contentsOf: folder.appendingPathComponent($0), encoding: .utf8)) }
  }

  @Test("no lesson counts bytes in decimal units (KB, MB, GB) where the reports print KiB and MiB")
  func binaryUnits() throws {
    let decimal = try Regex(#"[0-9] ?(kB|KB|MB|GB)\b"#)
    for lesson in try Self.lessons() {
      let found = lesson.text.split(separator: "\n").filter { $0.contains(decimal) }
      #expect(found.isEmpty, "\(lesson.name): \(found)")
    }
  }

  @Test("each exercise's lesson states its limit as the check prints it")
  func limitsAsPrinted() throws {
    let exercises = Self.root.appendingPathComponent("Exercises")
    for folder in try FileManager.default.contentsOfDirectory(atPath: exercises.path).sorted()
    where folder.hasPrefix("exercise_") {
      let manifest = try #require(
        try JSONSerialization.jsonObject(
          with: Data(contentsOf: exercises.appendingPathComponent("\(folder)/exercise.json"))) as? [String: Any])
      let limit = try #require(manifest["limit"] as? [String: Any])
      let value = try #require(limit["value"] as? Int)
      let printed =
        limit["measure"] as? String == "allocations" || limit["measure"] as? String == "temporary"
        ? ByteCountText.grouped(UInt64(value)) : ByteCountText.describe(UInt64(value))
      let spoken = printed.replacingOccurrences(of: ".0 ", with: " ")
      let lesson = try #require(try Self.lessons().first { $0.text.contains(".. exercise:: \(folder)") })
      #expect(
        lesson.text.contains(printed) || lesson.text.contains(spoken),
        "\(lesson.name) should state \(folder)'s limit as \(printed)")
    }
  }
}
