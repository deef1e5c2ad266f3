import Foundation
import Testing
import WorkshopKit
import WorkshopTestSupport

/// The build cache keeps the three most recently used builds of an exercise and variant, and never
/// removes one used in the last ten minutes (a check may still be running or symbolizing it).
@Suite("The build cache prunes old builds, never recent ones", .timeLimit(.minutes(3)))
struct BuildCachePruningTests {
  @Test("a new build removes the builds past the two most recent others, unless used in the last ten minutes")
  func prunesOldBuildsOnly() throws {
    let copy = try CourseCopy()
    let course = try Course(folder: copy.folder)
    let exercise = try #require(course.exercises.first)
    let cache = try TestEnvironment.scratchFolder("pruned-cache")
    // Earlier builds of the same exercise and variant, by age; one of another variant.
    let ages: [String: TimeInterval] = [
      "a-20-seconds": 20, "b-1-minute": 60, "c-5-minutes": 300,
      "d-30-minutes": 1_800, "e-40-minutes": 2_400, "f-50-minutes": 3_000,
    ]
    for (suffix, age) in ages {
      try Self.makeBuild(named: "\(exercise.name)-learner-\(suffix)", in: cache, age: age)
    }
    try Self.makeBuild(named: "\(exercise.name)-solution-old", in: cache, age: 3_600)

    let outcome = try ExerciseBuilder(cacheFolder: cache).build(exercise, variant: .learner)
    guard case .built(_, let key, let cached) = outcome else {
      Issue.record("the shipped exercise did not build: \(outcome)")
      return
    }
    #expect(!cached)
    let left = Set(try FileManager.default.contentsOfDirectory(atPath: cache.path))
    let prefix = "\(exercise.name)-learner-"
    // The two most recent others stay; of the rest only the one used five minutes ago stays.
    #expect(left.contains("\(prefix)a-20-seconds"))
    #expect(left.contains("\(prefix)b-1-minute"))
    #expect(left.contains("\(prefix)c-5-minutes"), "a build used in the last ten minutes is kept")
    #expect(!left.contains("\(prefix)d-30-minutes"))
    #expect(!left.contains("\(prefix)e-40-minutes"))
    #expect(!left.contains("\(prefix)f-50-minutes"))
    #expect(left.contains("\(exercise.name)-solution-old"), "another variant's builds are not this build's to prune")
    #expect(left.contains { $0.hasPrefix(prefix) && $0.hasSuffix(key) }, "the new build is kept: \(left.sorted())")
  }

  /// A build folder holding a stand-in program, last used `age` seconds ago.
  static func makeBuild(named name: String, in cache: URL, age: TimeInterval) throws {
    let folder = cache.appendingPathComponent(name)
    try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
    try Data("stand-in".utf8).write(to: folder.appendingPathComponent("program"))
    try FileManager.default.setAttributes(
      [.modificationDate: Date(timeIntervalSinceNow: -age)], ofItemAtPath: folder.path)
  }
}
