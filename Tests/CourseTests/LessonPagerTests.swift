import Foundation
import Testing
import WorkshopTestSupport

/// The lesson pager on a real terminal (tmux, 80 × 24): its keys are always on screen, and its `r`
/// follows the course's rules (one hint at a time, counted; the solution asked for first).
@Suite("the lesson pager in a course")
struct LessonPagerTests {
  @Test(
    "at 80 × 24, r reveals one hint at a time and asks before the solution; ? lists the keys",
    .timeLimit(.minutes(2)))
  func revealFollowsTheCourse() throws {
    let course = try CourseCopy()
    try TestEnvironment.requireProducts()
    let command =
      "cd \(course.folder.path) && env TERM=xterm-256color LANG=C.UTF-8 WORKSHOP_COURSE_DIR=\(course.folder.path) "
      + "\(TestEnvironment.workshopExecutable) lesson 2; sleep 30"
    let terminal = try TmuxTerminal(running: command)
    defer { terminal.end() }
    var text = try terminal.waitFor { $0.contains("q quit") }
    let status = text.split(separator: "\n", omittingEmptySubsequences: false)[23]
    #expect(status.contains("? keys") && status.contains("q quit"), "\(status)")
    #expect(!text.contains("Who owns whom?"))

    try terminal.press("?")
    text = try terminal.waitFor { $0.contains("reveal the next hint") }
    #expect(text.contains("reveal the next hint or solution"))
    try terminal.press("x")
    text = try terminal.waitFor { !$0.contains("reveal the next hint") }

    try terminal.press("r")
    // The whole redraw: tmux may capture the hint already drawn and the status line not yet.
    text = try terminal.waitFor { $0.contains("Who owns whom?") && $0.contains("hint 1 of 2 revealed") }
    #expect(text.contains("hint 1 of 2 revealed"))
    #expect(!text.contains("Make the child"), "one hint at a time")
    #expect(try course.progress(of: "exercise_2")["hintsRevealed"] as? Int == 1, "counted as workshop hint counts")

    try terminal.press("r")
    text = try terminal.waitFor { $0.contains("Make the child") }
    try terminal.press("r")
    text = try terminal.waitFor { $0.contains("(y/n)") }
    #expect(text.contains("exercise_2 has not passed yet. Show its solutions anyway? (y/n)"))
    try terminal.press("n")
    text = try terminal.waitFor { $0.contains("not shown") }
    #expect(!text.contains("With a weak parent"))
    #expect(try course.progress(of: "exercise_2")["solutionRevealed"] as? Bool != true)

    try terminal.press("r")
    _ = try terminal.waitFor { $0.contains("(y/n)") }
    try terminal.press("y")
    text = try terminal.waitFor { $0.contains("With a weak parent") }
    #expect(text.contains("With a weak parent"))
    #expect(try course.progress(of: "exercise_2")["hintsRevealed"] as? Int == 2)
    #expect(try course.progress(of: "exercise_2")["solutionRevealed"] as? Bool == true)
    try terminal.press("q")
  }
}
