/// The course at a glance: every exercise with where the learner stands, and what to do next.
public struct CourseListing: Sendable {
  /// One exercise's row.
  public struct Row: Sendable {
    /// The exercise.
    public var exercise: Exercise
    /// Where the learner stands with it.
    public var progress: ExerciseProgress
    /// How many hints its lesson has (0 without a lesson).
    public var hintCount: Int

    /// The hints revealed, never more than there are.
    public var hintsRevealed: Int { min(progress.hintsRevealed, hintCount) }
  }

  /// The rows, by exercise number.
  public var rows: [Row]
  /// What to do next: start the first exercise not passed yet (its lesson first while it is new);
  /// empty when every one has passed.
  public var next: [NextStep]
  /// Problems with the progress file, one sentence each.
  public var warnings: [String]

  /// How many exercises have passed (their last check).
  public var passedCount: Int { rows.filter { $0.progress.state == .passed }.count }
}

extension CourseSession {
  /// Every exercise with its state, last measure and hints (snapshotting the originals of each, so
  /// that a later reset knows what was shipped).
  public func listing() throws(WorkshopError) -> CourseListing {
    let (progress, warnings) = try self.progress()
    let files = LearnerFiles(course: course)
    let rows = course.exercises.map { exercise in
      files.snapshotOriginals(of: exercise)
      return CourseListing.Row(
        exercise: exercise, progress: progress[exercise.name],
        hintCount: ExerciseLesson.find(for: exercise, in: course)?.hints.count ?? 0)
    }
    let next = nextExercise(in: progress).map { steps(toWorkOn: $0, progress: progress) } ?? []
    return CourseListing(rows: rows, next: next, warnings: warnings)
  }
}
