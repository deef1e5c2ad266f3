import Foundation
import Testing
import WorkshopTestSupport

/// `workshop prepare` (run by Scripts/start.sh) warms the cache: the first check compiles nothing.
@Suite("workshop prepare")
struct PrepareTests {
  @Test(
    "after prepare, the first check of an exercise compiles nothing and measures no solution", .timeLimit(.minutes(4)))
  func firstCheckIsWarm() throws {
    let course = try CourseCopy()
    let cache = try TestEnvironment.scratchFolder().appendingPathComponent("cache")
    let environment = ["WORKSHOP_BUILD_CACHE": cache.path]
    // One exercise (the lightest), so that the test compiles little; the start script prepares all.
    let prepared = try course.workshop("prepare", "2", environment: environment)
    #expect(prepared.status == 0, "\(prepared.all)")
    #expect(prepared.standardError.contains("preparing exercise_2"))
    #expect(!prepared.standardError.contains("preparing exercise_1"))
    #expect(!FileManager.default.fileExists(atPath: course.url(".workshop/progress.json").path), "nothing recorded")
    let check = try course.workshop("check", "2", environment: environment)
    #expect(!check.standardError.contains("compiling"), "\(check.all)")
    #expect(check.standardOutput.contains("reference solution"), "the solution's measure, from the cache")
  }
}
