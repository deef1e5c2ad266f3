import Foundation

/// What a reset restored, and where the learner's version is kept.
public struct ResetResult: Sendable {
  /// The files restored as shipped, relative to the course folder.
  public var restored: [String]
  /// The folder that keeps the learner's version, relative to the course folder; nil when none of
  /// the learner's files existed, so nothing was kept.
  public var backup: String?
  /// Problems with the progress file, one sentence each.
  public var warnings: [String]
}

extension CourseSession {
  /// The learner files of `exercise` that differ from their originals: what a reset would restore.
  /// Ask before resetting when there are any.
  public func changedFiles(of exercise: Exercise) throws(WorkshopError) -> [String] {
    let files = LearnerFiles(course: course)
    files.snapshotOriginals(of: exercise)
    return try files.changedFiles(of: exercise)
  }

  /// Restores the changed learner files of `exercise` as shipped, keeping the learner's version in
  /// `.workshop/backups/` first (``LearnerFiles/reset(_:at:)``), and marks the exercise as new.
  ///
  /// - Returns: nil when nothing differed (nothing is changed then).
  public func reset(_ exercise: Exercise) throws(WorkshopError) -> ResetResult? {
    let files = LearnerFiles(course: course)
    files.snapshotOriginals(of: exercise)
    guard let (restored, backup) = try files.reset(exercise) else { return nil }
    let warnings = updateProgress { progress in
      progress[exercise.name].state = .new
      progress[exercise.name].lastMeasured = nil
    }
    return ResetResult(restored: restored, backup: backup, warnings: warnings)
  }
}
