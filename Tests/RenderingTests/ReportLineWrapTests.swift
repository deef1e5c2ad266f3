import Rendering
import Testing

/// Report lines wrap at words: a number, a path or a frame is never split.
@Suite("ReportLineWrap")
struct ReportLineWrapTests {
  @Test("a line breaks at the last space that fits, continuing two columns further in")
  func words() {
    #expect(
      ReportLineWrap.wrap("  one two three four", width: 12) == ["  one two", "    three", "    four"])
    #expect(ReportLineWrap.wrap("short", width: 12) == ["short"])
  }

  @Test("a word wider than the line stays whole on a line of its own")
  func longWord() {
    let path = "/tmp/" + String(repeating: "deep/", count: 20) + "capture.bin"
    let lines = ReportLineWrap.wrap("capture      \(path) (program, pid 12)", width: 80, hangingIndent: 13)
    #expect(lines == ["capture", "             \(path)", "             (program, pid 12)"])
  }

  @Test("the check's verdict wraps at words at 80 columns, never inside a number or a word")
  func verdict() {
    let report = CheckReportText.Report(
      exercise: "exercise_5", title: "Allocation churn in the report", verdict: .passed, measure: .allocations,
      limit: 12_500, measured: 4_321)
    let lines = CheckReportText.render(report, width: 80, capabilities: .plain).lines()
    #expect(lines.allSatisfy { $0.count <= 80 }, "\(lines)")
    let text = lines.joined(separator: "\n")
    #expect(text.contains("12,500 allocations") || text.contains("12,500\n"), "\(text)")
    #expect(!text.contains(" al\n"))
    #expect(CheckReportText.verdictLines(report, width: 80).count == 2)
  }
}
