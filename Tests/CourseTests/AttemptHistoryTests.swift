import Foundation
import Testing
import WorkshopKit

/// The attempt history and the guess in the progress file, and the words that compare attempts.
@Suite("attempt history")
struct AttemptHistoryTests {
  @Test("a progress file from before the history reads, with no attempts; attempts and the guess round-trip")
  func oldAndNewFiles() throws {
    let old = """
      {"version": 1, "exercises": {"exercise_1": {"state": "failed", "lastMeasured": 3670016, "limit": 102400}}}
      """
    let progress = try JSONDecoder().decode(CourseProgress.self, from: Data(old.utf8))
    #expect(progress["exercise_1"].attempts.isEmpty)
    #expect(progress["exercise_1"].lastMeasured == 3_670_016)
    #expect(progress["exercise_1"].bestMeasured == nil)
    var entry = progress["exercise_1"]
    entry.guess = 1 << 20
    entry.attempts = [
      Attempt(time: 1, measured: 3_670_016, limit: 102_400, verdict: "overLimit", topFrame: "f (A.swift:3)"),
      Attempt(time: 2, measured: 96, limit: 102_400, verdict: "passed"),
    ]
    var changed = progress
    changed["exercise_1"] = entry
    let again = try JSONDecoder().decode(CourseProgress.self, from: JSONEncoder().encode(changed))
    #expect(again == changed)
    #expect(again["exercise_1"].bestMeasured == 96)
  }

  @Test("a file with more attempts than kept reads its newest ones")
  func bounded() throws {
    let attempts = (0..<(ExerciseProgress.maximumAttempts + 5)).map {
      #"{"time": \#($0), "measured": \#($0), "verdict": "overLimit"}"#
    }
    let text = #"{"version": 1, "exercises": {"exercise_1": {"attempts": [\#(attempts.joined(separator: ","))]}}}"#
    let progress = try JSONDecoder().decode(CourseProgress.self, from: Data(text.utf8))
    #expect(progress["exercise_1"].attempts.count == ExerciseProgress.maximumAttempts)
    #expect(progress["exercise_1"].attempts.first?.measured == 5)
  }

  @Test("what changed since the last attempt, in words")
  func change() {
    let failed = Attempt(
      time: 1, measured: 3_670_016, verdict: "overLimit", topFrame: "fibonacci(count:) (Fibonacci.swift:19)")
    let passed = Attempt(time: 2, measured: 96, verdict: "passed")
    let describe = LimitMeasure.peak.describe
    #expect(
      AttemptChange.describe(from: failed, to: passed, measureName: "peak", describe: describe)
        == "peak 3.5 MiB → 96 B; `Fibonacci.swift:19` is no longer at the peak")
    #expect(
      AttemptChange.describe(from: failed, to: failed, measureName: "peak", describe: describe)
        == "peak unchanged at 3.5 MiB; `Fibonacci.swift:19` is still at the peak")
    let moved = Attempt(time: 3, measured: 200_000, verdict: "overLimit", topFrame: "g() (Other.swift:4)")
    #expect(
      AttemptChange.describe(from: failed, to: moved, measureName: "peak", describe: describe)
        == "peak 3.5 MiB → 195.3 KiB; `Fibonacci.swift:19` is no longer at the peak; `Other.swift:4` is")
    let compileError = Attempt(time: 4, measured: nil, verdict: "compileFailed")
    #expect(
      AttemptChange.describe(from: compileError, to: compileError, measureName: "peak", describe: describe) == nil)
    #expect(
      AttemptChange.describe(from: failed, to: compileError, measureName: "peak", describe: describe)
        == "peak 3.5 MiB last time, not measured now", "a check that measured nothing says nothing of the frames")
  }

  @Test("a guess reads as a size or a count")
  func guesses() {
    #expect(MeasureGuess.parse("1.5 MiB", measure: .peak) == 1_572_864)
    #expect(MeasureGuess.parse("100 KB", measure: .peak) == 102_400)
    #expect(MeasureGuess.parse("100k", measure: .peak) == 102_400)
    #expect(MeasureGuess.parse("2048", measure: .peak) == 2048)
    #expect(MeasureGuess.parse("2 bytes", measure: .peak) == 2)
    #expect(MeasureGuess.parse("1,204", measure: .allocations) == 1204)
    #expect(MeasureGuess.parse("5k", measure: .allocations) == 5000)
    #expect(MeasureGuess.parse("5 KiB", measure: .allocations) == nil)
    #expect(MeasureGuess.parse("lots", measure: .peak) == nil)
    #expect(MeasureGuess.parse("", measure: .peak) == nil)
    #expect(MeasureGuess.parse("-3", measure: .peak) == nil)
    #expect(MeasureGuess.parse("1e30", measure: .peak) == nil)
  }
}
