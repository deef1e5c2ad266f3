import Foundation

/// The learner's guess of an exercise's measure, typed before its first check
/// (``ExerciseManifest/predictFirst``): read from text and kept in the progress file, so that the
/// verdict can show it beside the measure.
public enum MeasureGuess {
  /// The value of `text` for `measure`: a size for bytes (`3.5 MiB`, `100 KB`, `100k`, `2048`; K, M
  /// and G count 1024s), a count otherwise (`1,204`, `2k`: 1000s); nil when it does not read as one.
  public static func parse(_ text: String, measure: LimitMeasure) -> UInt64? {
    var rest = text.lowercased().replacingOccurrences(of: ",", with: "").replacingOccurrences(of: "_", with: "")
      .trimmingCharacters(in: .whitespaces)
    let number = rest.prefix { $0.isNumber || $0 == "." }
    guard !number.isEmpty, let value = Double(number), value.isFinite, value >= 0 else { return nil }
    rest = String(rest.dropFirst(number.count)).trimmingCharacters(in: .whitespaces)
    // Sizes count in 1024s; counts (`2k` allocations) in 1000s.
    let units: [(suffixes: [String], bytes: Double, count: Double)] = [
      (["", "b", "byte", "bytes"], 1, 1), (["k", "kb", "kib"], 1024, 1e3), (["m", "mb", "mib"], 1_048_576, 1e6),
      (["g", "gb", "gib"], 1_073_741_824, 1e9),
    ]
    guard let unit = units.first(where: { $0.suffixes.contains(rest) }) else { return nil }
    if !measure.isBytes && (rest.hasSuffix("b") || rest.hasPrefix("byte")) { return nil }
    let factor = measure.isBytes ? unit.bytes : unit.count
    let result = (value * factor).rounded()
    return result < 1.8e19 ? UInt64(result) : nil
  }
}

extension CourseSession {
  /// Keeps the learner's guess of `exercise`'s measure, for the verdict of its first check.
  ///
  /// - Returns: a sentence when the progress file was damaged or could not be written.
  @discardableResult
  public func recordGuess(_ value: UInt64, of exercise: Exercise) -> [String] {
    updateProgress { $0[exercise.name].guess = value }
  }
}
