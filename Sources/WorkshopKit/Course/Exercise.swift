import Foundation

/// What an exercise limits, always of its workload only (docs/course-format.md).
public enum LimitMeasure: String, Codable, Sendable, CaseIterable {
  /// Bytes allocated in the workload and alive at once, at most (pytest-memray's `limit_memory`).
  case peak
  /// Bytes allocated in the workload and still alive when the program ends (`limit_leaks`).
  case leaks
  /// How many allocations the workload makes.
  case allocations
  /// How many of the workload's allocations were temporary (freed before their thread's next one).
  case temporary

  /// Whether the value is a number of bytes (else a count).
  public var isBytes: Bool { self == .peak || self == .leaks }
}

/// An exercise's limit: a measure and the most it may be.
public struct ExerciseLimit: Codable, Sendable, Equatable {
  /// What is limited.
  public var measure: LimitMeasure
  /// Bytes for `peak` and `leaks`, a count for `allocations` and `temporary`.
  public var value: UInt64

  /// A limit as given.
  public init(measure: LimitMeasure, value: UInt64) {
    self.measure = measure
    self.value = value
  }
}

/// `exercise.json`: an exercise's title, learner files, limit and runaway bounds.
public struct ExerciseManifest: Sendable, Equatable {
  /// Shown by `workshop list` and in the check's report.
  public var title: String
  /// The learner's files, relative to the exercise folder; the solution has the same names.
  public var files: [String]
  /// What the workload may use.
  public var limit: ExerciseLimit
  /// The bound on wall time: a runaway exercise is stopped there.
  public var timeLimitSeconds: Double
  /// The bound on the program's resident memory: a runaway exercise is stopped there.
  public var memoryBoundBytes: UInt64
  /// Whether the learner is asked to guess the measure before the first check (`"predictFirst":
  /// true`); the verdict then shows the guess beside the measure.
  public var predictFirst = false

  /// The default time bound, in seconds.
  public static let defaultTimeLimitSeconds: Double = 20
  /// The default memory bound: 1 GiB.
  public static let defaultMemoryBoundBytes: UInt64 = 1 << 30

  /// A manifest as given.
  public init(
    title: String, files: [String], limit: ExerciseLimit, timeLimitSeconds: Double = defaultTimeLimitSeconds,
    memoryBoundBytes: UInt64 = defaultMemoryBoundBytes
  ) {
    self.title = title
    self.files = files
    self.limit = limit
    self.timeLimitSeconds = timeLimitSeconds
    self.memoryBoundBytes = memoryBoundBytes
  }

  /// Reads `exercise.json`, naming the file and the key in any error.
  public init(contentsOf path: String) throws(WorkshopError) {
    guard let data = FileManager.default.contents(atPath: path) else {
      throw .exerciseFileMissing(path: path)
    }
    let raw: RawManifest
    do {
      raw = try JSONDecoder().decode(RawManifest.self, from: data)
    } catch let error as DecodingError {
      if let problem = Self.numberProblem(in: data, file: path) { throw problem }
      throw Self.describe(error, file: path)
    } catch {
      throw .manifestInvalid(file: path, key: nil, reason: "\(error)")
    }
    func invalid(_ key: String, _ reason: String) -> WorkshopError {
      .manifestInvalid(file: path, key: key, reason: reason)
    }
    guard !raw.title.isEmpty else { throw invalid("title", "it is empty") }
    guard !raw.files.isEmpty else { throw invalid("files", "it must name at least one file") }
    for name in raw.files where name.isEmpty || name.hasPrefix("/") || name.split(separator: "/").contains("..") {
      throw invalid("files", "\"\(name)\" is not a path inside the exercise folder")
    }
    guard let measure = LimitMeasure(rawValue: raw.limit.measure) else {
      let measures = LimitMeasure.allCases.map(\.rawValue).joined(separator: ", ")
      throw invalid("limit.measure", "\"\(raw.limit.measure)\" is not one of \(measures)")
    }
    if let seconds = raw.timeLimitSeconds, !(seconds > 0 && seconds <= Self.longestTimeLimitSeconds) {
      throw invalid(
        "timeLimitSeconds", "\(seconds) is not a number of seconds from 0 to \(Int(Self.longestTimeLimitSeconds))")
    }
    if let bytes = raw.memoryBoundBytes, bytes < 1 << 20 {
      throw invalid("memoryBoundBytes", "\(bytes) is less than 1 MiB, too little to start a program")
    }
    self.init(
      title: raw.title, files: raw.files, limit: ExerciseLimit(measure: measure, value: raw.limit.value),
      timeLimitSeconds: raw.timeLimitSeconds ?? Self.defaultTimeLimitSeconds,
      memoryBoundBytes: raw.memoryBoundBytes ?? Self.defaultMemoryBoundBytes)
    predictFirst = raw.predictFirst ?? false
  }

  private struct RawManifest: Decodable {
    struct Limit: Decodable {
      var measure: String
      var value: UInt64
    }
    var title: String
    var files: [String]
    var limit: Limit
    var timeLimitSeconds: Double?
    var memoryBoundBytes: UInt64?
    var predictFirst: Bool?
  }

  /// The longest time bound a manifest may set: a day.
  static let longestTimeLimitSeconds: Double = 86_400

  /// The key and value of a number JSON allows but the manifest's type does not hold (-5 or 1e300
  /// for a count of bytes), which the decoder reports as "not valid JSON" without naming either.
  private static func numberProblem(in data: Data, file: String) -> WorkshopError? {
    guard let object = try? JSONSerialization.jsonObject(with: data) as? [String: Any] else { return nil }
    let limit = object["limit"] as? [String: Any]
    for (key, value) in [("limit.value", limit?["value"]), ("memoryBoundBytes", object["memoryBoundBytes"])] {
      guard let number = value as? NSNumber, !(value is Bool) else { continue }
      let double = number.doubleValue
      if UInt64(exactly: double) == nil || double >= 18_446_744_073_709_551_615 {
        return .manifestInvalid(
          file: file, key: key, reason: "\(number) is not a whole number from 0 to 18446744073709551615")
      }
    }
    return nil
  }

  /// One sentence naming the key that `error` is about.
  private static func describe(_ error: DecodingError, file: String) -> WorkshopError {
    func keyPath(_ path: [any CodingKey]) -> String? {
      let keys = path.map { $0.intValue.map { "[\($0)]" } ?? $0.stringValue }
      return keys.isEmpty ? nil : keys.joined(separator: ".").replacingOccurrences(of: ".[", with: "[")
    }
    switch error {
    case .keyNotFound(let key, let context):
      return .manifestInvalid(file: file, key: keyPath(context.codingPath + [key]), reason: "it is missing")
    case .typeMismatch(let type, let context):
      let name = "\(type)"
      let expected =
        type == String.self
        ? "a string"
        : type == UInt64.self || type == Double.self
          ? "a positive number"
          : name.hasPrefix("Array") ? "a list" : name.hasPrefix("Dictionary") ? "an object" : name
      return .manifestInvalid(file: file, key: keyPath(context.codingPath), reason: "it must be \(expected)")
    case .valueNotFound(_, let context):
      return .manifestInvalid(file: file, key: keyPath(context.codingPath), reason: "it is null")
    case .dataCorrupted(let context):
      if context.codingPath.isEmpty {
        return .manifestInvalid(file: file, key: nil, reason: "it is not valid JSON")
      }
      return .manifestInvalid(
        file: file, key: keyPath(context.codingPath), reason: "it must be a positive whole number")
    @unknown default:
      return .manifestInvalid(file: file, key: nil, reason: "\(error)")
    }
  }
}

/// One exercise of the course: `Exercises/exercise_N/` and its solution.
public struct Exercise: Sendable, Equatable {
  /// `exercise_N`.
  public var name: String
  /// N.
  public var number: Int
  /// The course folder.
  public var courseFolder: URL
  /// The manifest.
  public var manifest: ExerciseManifest

  /// A described exercise; nothing is read.
  public init(name: String, number: Int, courseFolder: URL, manifest: ExerciseManifest) {
    self.name = name
    self.number = number
    self.courseFolder = courseFolder
    self.manifest = manifest
  }

  /// `Exercises/exercise_N`, relative to the course folder.
  public var relativeFolder: String { "Exercises/\(name)" }
  /// The learner's files, relative to the course folder.
  public var learnerFiles: [String] { manifest.files.map { "\(relativeFolder)/\($0)" } }
  /// The reference solution's files, relative to the course folder, in the order of ``learnerFiles``.
  public var solutionFiles: [String] { manifest.files.map { "Solutions/\(name)/\($0)" } }
  /// The check harness, relative to the course folder.
  public var checkMain: String { "\(relativeFolder)/Check/main.swift" }
  /// The support file compiled into every exercise, relative to the course folder.
  public static let supportFile = "Exercises/Support/CheckSupport.swift"

  /// The absolute path of a file given relative to the course folder.
  public func path(_ relative: String) -> String { courseFolder.appendingPathComponent(relative).path }
}
