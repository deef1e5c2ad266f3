import Foundation

extension CourseSession {
  /// Warms the build cache so that the first check of each exercise is quick: builds the learner's
  /// files as they are and the reference solution (on two threads, as ``check(_:events:)`` does),
  /// and measures the solution (``ExerciseChecker/solutionMeasure(of:progress:)`` keeps it beside
  /// its build). Nothing is recorded in the progress file.
  ///
  /// - Parameters:
  ///   - exercises: the exercises to prepare (default: every one).
  ///   - progress: told the exercise being prepared.
  /// - Returns: one sentence per exercise that could not be prepared (the check will say why).
  public func prepare(_ exercises: [Exercise]? = nil, progress: (Exercise) -> Void = { _ in }) throws -> [String] {
    let checker = ExerciseChecker(builder: builder, runner: ExerciseRunner(trackerLibrary: try trackerLibrary()))
    var problems: [String] = []
    for exercise in exercises ?? course.exercises {
      progress(exercise)
      let learnerBuilt = DispatchSemaphore(value: 0)
      let learnerBuilder = builder
      Thread.detachNewThread {
        _ = try? learnerBuilder.build(exercise, variant: .learner)
        learnerBuilt.signal()
      }
      do {
        _ = try checker.solutionMeasure(of: exercise)
      } catch {
        problems.append("\(exercise.name): \(error)")
      }
      learnerBuilt.wait()
    }
    return problems
  }
}
