/// Where a learner stands with one exercise.
public enum ExerciseState: String, Codable, Sendable {
  /// Never checked.
  case new
  /// The last check failed.
  case failed
  /// The last check passed.
  case passed
}

/// One exercise's entry in `.workshop/progress.json`.
public struct ExerciseProgress: Codable, Sendable, Equatable {
  /// The last check's outcome.
  public var state: ExerciseState = .new
  /// Whether any check of it has ever passed (then its solution is shown without asking).
  public var passedOnce = false
  /// The last measure of the limited kind, when the last run measured one.
  public var lastMeasured: UInt64?
  /// The limit it was measured against.
  public var limit: UInt64?
  /// How many hints were revealed, in order.
  public var hintsRevealed = 0

  /// The most hints a file may claim as revealed: a file's larger (or negative) count is clamped to
  /// `0...maximumHintsRevealed` so that no arithmetic on it can overflow.
  public static let maximumHintsRevealed = 10_000
  /// Whether its solution was shown.
  public var solutionRevealed = false
  /// The last capture, relative to the course folder.
  public var lastCapture: String?
  /// Every check recorded, oldest first (at most ``maximumAttempts``, the oldest dropped first).
  public var attempts: [Attempt] = []
  /// The learner's guess of the measure, typed before the first check (``ExerciseManifest/predictFirst``).
  public var guess: UInt64?

  /// How many attempts an entry keeps: enough for any sparkline, and the file stays small.
  public static let maximumAttempts = 200

  /// A fresh entry.
  public init() {}

  /// The smallest measure of every attempt that measured one.
  public var bestMeasured: UInt64? { attempts.compactMap(\.measured).min() }

  enum CodingKeys: String, CodingKey {
    case state, passedOnce, lastMeasured, limit, hintsRevealed, solutionRevealed, lastCapture, attempts, guess
  }

  /// Reads an entry; every key is optional, so that an older file still reads.
  public init(from decoder: any Decoder) throws {
    let container = try decoder.container(keyedBy: CodingKeys.self)
    state = try container.decodeIfPresent(ExerciseState.self, forKey: .state) ?? .new
    passedOnce = try container.decodeIfPresent(Bool.self, forKey: .passedOnce) ?? (state == .passed)
    lastMeasured = try container.decodeIfPresent(UInt64.self, forKey: .lastMeasured)
    limit = try container.decodeIfPresent(UInt64.self, forKey: .limit)
    let hints = try container.decodeIfPresent(Int.self, forKey: .hintsRevealed) ?? 0
    hintsRevealed = min(max(hints, 0), Self.maximumHintsRevealed)
    solutionRevealed = try container.decodeIfPresent(Bool.self, forKey: .solutionRevealed) ?? false
    lastCapture = try container.decodeIfPresent(String.self, forKey: .lastCapture)
    attempts = Array(
      (try container.decodeIfPresent([Attempt].self, forKey: .attempts) ?? []).suffix(Self.maximumAttempts))
    guess = try container.decodeIfPresent(UInt64.self, forKey: .guess)
  }
}

/// `.workshop/progress.json`: every exercise's entry, by exercise name.
public struct CourseProgress: Codable, Sendable, Equatable {
  /// The newest file format this workshop reads and writes.
  public static let currentVersion = 1

  /// The file format's version.
  public var version = Self.currentVersion
  /// The entries, by exercise name (`exercise_1`).
  public var exercises: [String: ExerciseProgress] = [:]

  /// No progress yet.
  public init() {}

  /// The entry of `exercise`, fresh if there is none.
  public subscript(exercise: String) -> ExerciseProgress {
    get { exercises[exercise] ?? ExerciseProgress() }
    set { exercises[exercise] = newValue }
  }

  /// Records a check of the learner's files.
  ///
  /// - Parameter topFrame: the frame that held most of the measure (``CheckResult/topFrame()``).
  public mutating func record(_ result: CheckResult, capture: String?, topFrame: String? = nil) {
    var entry = self[result.exercise.name]
    entry.state = result.verdict.passed ? .passed : .failed
    if result.verdict.passed { entry.passedOnce = true }
    if let measured = result.measured { entry.lastMeasured = measured }
    entry.limit = result.exercise.manifest.limit.value
    if let capture { entry.lastCapture = capture }
    entry.attempts.append(Attempt(result, topFrame: topFrame, guess: entry.attempts.isEmpty ? entry.guess : nil))
    if entry.attempts.count > ExerciseProgress.maximumAttempts {
      entry.attempts.removeFirst(entry.attempts.count - ExerciseProgress.maximumAttempts)
    }
    self[result.exercise.name] = entry
  }
}
