import Foundation
import MemoryAnalysis
import Testing
import WorkshopTestSupport

/// A command of workshop's in a tmux server of the test's own (``TmuxScreen``), with the terminal's
/// settings recorded before and after and workshop's exit status shown.
private final class TmuxSession {
  let folder: URL
  let screen: TmuxScreen

  init(_ command: String, in folder: URL) throws {
    self.folder = folder
    let script = """
      stty -a > \(folder.path)/stty-before; \
      env -u NO_COLOR LC_ALL=C.UTF-8 TERM=tmux-256color \(command); \
      status=$?; stty -a > \(folder.path)/stty-after; echo "EXIT=$status"; sleep 60
      """
    screen = try TmuxScreen(script, in: folder)
  }

  /// `workshop run --live -o FOLDER/NAME.bin -- PROGRAM ARGUMENTS` in a fresh scratch folder.
  static func live(_ source: URL, capture name: String, arguments: [String] = [], test: String = #function) throws
    -> (TmuxSession, URL)
  {
    try TestEnvironment.requireProducts()
    let program = try TestProgram.compile(source)
    let folder = try TestEnvironment.scratchFolder(test)
    let capture = folder.appendingPathComponent(name)
    let command = ([program.executable] + arguments).joined(separator: " ")
    let session = try TmuxSession(
      "\(TestEnvironment.workshopExecutable) run --live -o \(capture.path) -- \(command)", in: folder)
    return (session, capture)
  }

  func screenText() -> String { screen.screen() }

  func keys(_ keys: String...) throws { try screen.tmux(["send-keys", "-t", screen.session] + keys) }

  /// Waits until the screen shows `text`; the screen as it was then.
  @discardableResult
  func wait(for text: String, seconds: Double = 60, sourceLocation: SourceLocation = #_sourceLocation) async -> String {
    let shown = await screen.poll(for: text, seconds: seconds)
    #expect(
      shown.contains(text), "waited \(seconds) s for \"\(text)\"; the screen:\n\(shown)", sourceLocation: sourceLocation
    )
    return shown
  }

  func expectTerminalRestored(sourceLocation: SourceLocation = #_sourceLocation) throws {
    let before = try String(contentsOf: folder.appendingPathComponent("stty-before"), encoding: .utf8)
    let after = try String(contentsOf: folder.appendingPathComponent("stty-after"), encoding: .utf8)
    #expect(before == after, "the terminal is as it was", sourceLocation: sourceLocation)
  }
}

private let growing = TestEnvironment.repositoryRoot.appendingPathComponent(
  "Tests/ProfileUITests/Programs/grow_for_three_seconds.c")

/// `workshop run --live` and `workshop view` driven in tmux on a real program, asserting on text.
@Suite("workshop run --live and workshop view in tmux", .timeLimit(.minutes(3)))
struct ProfileCommandTests {
  @Test(
    "run --live: the chart redraws as the program grows, the top location is the growing function, q keeps the capture")
  func live() async throws {
    try await withOwnThread {
      // 600 steps, about six seconds: in CI, with every suite running at once, the three-second run
      // ended 9 captures into the chart's (so did the live table after it).
      let (tmux, capture) = try TmuxSession.live(growing, capture: "grow.bin", arguments: ["600"])
      await tmux.wait(for: "workshop run --live:", seconds: 20)
      let first = await tmux.wait(for: "running", seconds: 20)
      #expect(
        first.contains("its output: \(tmux.folder.path)/grow.output.txt"), "the output's file is named:\n\(first)")

      // The chart's rows (under the two heading lines), captured for a second and a half, and on
      // until 10 captures (at most 3 s): each capture takes a tmux process, which on a loaded machine
      // took 200 ms (7 captures in 1.5 s, every one a new chart). Captures are 110 ms apart at least:
      // on a quiet machine a tmux process takes a few milliseconds, and captures closer together than
      // the redraws (10 a second) saw the same chart twice (11 charts in 15 captures, in CI).
      func chart(_ screen: String) -> String {
        screen.split(separator: "\n", omittingEmptySubsequences: false).dropFirst(2).prefix(10).joined(separator: "\n")
      }
      var captures = 0
      var charts = Set<String>()
      var lastRunning = ""
      let start = Date()
      var lastCapture = Date.distantPast
      while Date() < start.addingTimeInterval(1.5) || (captures < 10 && Date() < start.addingTimeInterval(3)) {
        let sinceLast = Date().timeIntervalSince(lastCapture)
        if sinceLast < 0.11 { try await Task.sleep(for: .milliseconds(Int((0.11 - sinceLast) * 1000) + 1)) }
        lastCapture = Date()
        let screen = tmux.screenText()
        guard screen.contains("running") else { break }
        captures += 1
        charts.insert(chart(screen))
        lastRunning = screen
      }
      // At 10 or more redraws a second, nearly every capture (each takes a tmux process) sees a new chart.
      #expect(charts.count >= 10, "\(charts.count) charts in \(captures) captures")
      #expect(
        Double(charts.count) >= Double(min(captures, 15)) * 0.75, "\(charts.count) charts in \(captures) captures")
      #expect(lastRunning.contains("┤"), "the Braille chart's axis:\n\(lastRunning)")

      // By own bytes, the top location is the function that grows.
      try tmux.keys("o")
      let table = await tmux.wait(for: "by own", seconds: 10)
      var topRow = ""
      let tableDeadline = Date().addingTimeInterval(10)
      repeat {
        let lines = tmux.screenText().split(separator: "\n").map(String.init)
        if let header = lines.firstIndex(where: { $0.contains("allocs  location") }), header + 1 < lines.count {
          topRow = lines[header + 1]
        }
        if topRow.contains("grow_steadily") { break }
        try await Task.sleep(for: .microseconds(50_000))
      } while Date() < tableDeadline
      #expect(topRow.contains("grow_steadily"), "the top row by own bytes: \(topRow)\n\(table)")

      // Space holds the view while the program goes on (unless the six seconds ran out first, as
      // on a slow machine: then the explorer of its peak is up instead).
      try tmux.keys("Space")
      var held = ""
      let pauseDeadline = Date().addingTimeInterval(10)
      repeat {
        held = tmux.screenText()
        if held.contains("PAUSED") || held.contains("peak memory:") { break }
        try await Task.sleep(for: .microseconds(50_000))
      } while Date() < pauseDeadline
      #expect(held.contains("PAUSED") || held.contains("peak memory:"), "Space holds the view:\n\(held)")
      if held.contains("PAUSED") { try tmux.keys("Space") }

      // When it ends: the explorer of its peak; q leaves with the summary, the capture kept.
      let explorer = await tmux.wait(for: "peak memory:", seconds: 30)
      #expect(explorer.contains("q leaves"), "\(explorer)")
      #expect(explorer.contains("grow_steadily"), "the icicle of the peak names the function:\n\(explorer)")
      try tmux.keys("q")
      let summary = await tmux.wait(for: "EXIT=0", seconds: 30)
      #expect(summary.contains("peak heap"), "the usual summary:\n\(summary)")
      #expect(FileManager.default.fileExists(atPath: capture.path))
      let output = try String(contentsOf: tmux.folder.appendingPathComponent("grow.output.txt"), encoding: .utf8)
      #expect(output.contains("step 290"), "the program's output is in its file, not on the screen")
      #expect(!summary.contains("step 1"), "nothing of the program's output on the terminal")
      let profile = try MemoryProfile(contentsOf: capture.path)
      #expect(profile.peak.bytes >= 300 * 16 * 1024)
      try tmux.expectTerminalRestored()
    }
  }

  @Test("run --live: a location's total is over every alive stack, not only the largest ones")
  func liveTableCountsEveryStack() async throws {
    try await withOwnThread {
      let tree = TestEnvironment.repositoryRoot.appendingPathComponent("Tests/ProfileUITests/Programs/hold_a_tree.c")
      let release = try TestEnvironment.scratchFolder("hold-a-tree-release").appendingPathComponent("release")
      let (tmux, _) = try TmuxSession.live(tree, capture: "tree.bin", arguments: [release.path])
      await tmux.wait(for: "running", seconds: 20)
      // 8,191 nodes of 64 bytes, each from a stack of its own, all alive until the test lets go.
      let deadline = Date().addingTimeInterval(40)
      var buildRow = ""
      repeat {
        let screen = tmux.screenText()
        buildRow = screen.split(separator: "\n").map(String.init).first { $0.contains("build (hold_a_tree.c") } ?? ""
        if buildRow.contains("8,191") { break }
        try await Task.sleep(for: .milliseconds(100))
      } while Date() < deadline
      FileManager.default.createFile(atPath: release.path, contents: Data())
      #expect(buildRow.contains("511.9 KiB"), "build's total is every node's: \(buildRow)\n\(tmux.screenText())")
      #expect(buildRow.contains("8,191"), "and its allocations: \(buildRow)")
      await tmux.wait(for: "peak memory:", seconds: 30)
      try tmux.keys("q")
      await tmux.wait(for: "EXIT=0", seconds: 30)
      try tmux.expectTerminalRestored()
    }
  }

  @Test("run --live: q while the program runs detaches; the summary follows when it ends")
  func detach() async throws {
    try await withOwnThread {
      let (tmux, _) = try TmuxSession.live(growing, capture: "grow.bin")
      await tmux.wait(for: "running", seconds: 20)
      try tmux.keys("q")
      let detached = await tmux.wait(for: "goes on", seconds: 10)
      #expect(!detached.contains("EXIT="))
      let summary = await tmux.wait(for: "EXIT=0", seconds: 30)
      #expect(summary.contains("peak heap"), "\(summary)")
      try tmux.expectTerminalRestored()
    }
  }

  @Test("run --live: a program that crashes is reported on the explorer and in the summary; the terminal is restored")
  func crash() async throws {
    try await withOwnThread {
      let (tmux, _) = try TmuxSession.live(
        TestEnvironment.repositoryRoot.appendingPathComponent("Tests/ProfileUITests/Programs/crash_after_growing.c"),
        capture: "crash.bin")
      let explorer = await tmux.wait(for: "was killed by SIGSEGV", seconds: 30)
      #expect(explorer.contains("hold_some"), "the icicle of what it held:\n\(explorer)")
      try tmux.keys("q")
      let summary = await tmux.wait(for: "EXIT=139", seconds: 20)
      #expect(summary.contains("was killed by SIGSEGV"), "\(summary)")
      #expect(!summary.contains("about to crash"), "its output went to its file")
      try tmux.expectTerminalRestored()
    }
  }

  @Test("run --live: Ctrl-C stops the program; the capture is kept and the summary printed")
  func interrupt() async throws {
    try await withOwnThread {
      let (tmux, capture) = try TmuxSession.live(growing, capture: "grow.bin")
      await tmux.wait(for: "running", seconds: 20)
      try await Task.sleep(for: .microseconds(300_000))
      let before = Date()
      try tmux.keys("C-c")
      let summary = await tmux.wait(for: "EXIT=130", seconds: 20)
      #expect(Date().timeIntervalSince(before) < 2.5, "stopped well before the program's 3 s")
      #expect(summary.contains("peak heap"), "\(summary)")
      #expect(FileManager.default.fileExists(atPath: capture.path))
      try tmux.expectTerminalRestored()
    }
  }

  @Test("view: markers as bands, search lights frames and shows their share, a moment and a range chosen on the chart")
  func view() async throws {
    try await withOwnThread {
      let program = try TestProgram.compile(growing)
      let run = try TrackedRun.run(program.executable)
      let folder = URL(fileURLWithPath: run.capturePath).deletingLastPathComponent()
      let tmux = try TmuxSession("\(TestEnvironment.workshopExecutable) view \(run.capturePath)", in: folder)
      let opened = await tmux.wait(for: "peak memory:", seconds: 30)
      #expect(opened.contains("growing"), "the marker's band is labelled:\n\(opened)")

      try tmux.keys("/", "g", "r", "o", "w")
      let searching = await tmux.wait(for: "matching “grow”", seconds: 10)
      #expect(searching.contains("search: grow"), "\(searching)")
      // grow_steadily holds nearly all of the peak.
      let share = searching.firstMatch(of: /matching “grow”: \d+ frames?, [0-9.]+ [KM]iB \((\d+)\.\d%\)/)
      #expect(share.flatMap { Int($0.1) }.map { $0 >= 90 } == true, "the share matching:\n\(searching)")
      try tmux.keys("Enter")

      // A moment near the middle of the run: what was alive then.
      try tmux.keys("c", "Home")
      for _ in 0..<6 { try tmux.keys("]") }
      try tmux.keys("Enter")
      let moment = await tmux.wait(for: "showing alive at", seconds: 20)
      let time = try #require(moment.firstMatch(of: /showing alive at (\d+) ms/).flatMap { UInt64($0.1) })
      let status = try #require(
        moment.firstMatch(of: /alive at \d+ ms: [0-9.]+ [KMG]?i?B in ([0-9,]+) allocations?/), "\(moment)")
      let shown = try #require(UInt64(status.1.replacingOccurrences(of: ",", with: "")))
      let expected = try TemporalSnapshot(contentsOf: run.capturePath, query: .aliveAt(microseconds: time * 1000))
      #expect(
        (Int(shown) - Int(expected.count)).magnitude <= 2, "\(shown) allocations shown, \(expected.count) alive then")
      #expect(expected.count > 20 && expected.count < 290, "a moment within the growth: \(expected.count)")
      #expect(moment.contains("matching “grow”"), "the search stays across views")

      // A range: allocated within it and not freed.
      try tmux.keys("c", " ")
      for _ in 0..<3 { try tmux.keys("]") }
      try tmux.keys("Enter")
      // The status line is drawn after the heading: wait for the whole redraw.
      let range = await tmux.wait(for: "not freed:", seconds: 20)
      #expect(range.contains("showing allocated from"), "the icicle's heading:\n\(range)")
      #expect(range.contains("grow_steadily"), "\(range)")
      #expect(!range.contains("make_scratch"), "freed at once: not in the range's icicle")

      try tmux.keys("l")
      let leaks = await tmux.wait(for: "leaked at exit:", seconds: 20)
      #expect(leaks.contains("leak_once"), "\(leaks)")
      try tmux.keys("q")
      await tmux.wait(for: "EXIT=0", seconds: 10)
      try tmux.expectTerminalRestored()
    }
  }
}

extension ProfileCommandTests {
  @Test("view: while a moment is read the keys still answer, and the icicle comes when it is ready")
  func keysAnswerWhileReading() async throws {
    try await withOwnThread {
      // Two million events: a moment reads them all again, seconds in a debug build.
      let source = TestEnvironment.repositoryRoot.appendingPathComponent("Benchmarks/workloads/threads.c")
      let program = try TestProgram.compile(source, extraFlags: ["-O2", "-pthread"])
      let run = try TrackedRun.run(program.executable, arguments: ["1"])
      let folder = URL(fileURLWithPath: run.capturePath).deletingLastPathComponent()
      let tmux = try TmuxSession("\(TestEnvironment.workshopExecutable) view \(run.capturePath)", in: folder)
      await tmux.wait(for: "peak memory:", seconds: 90)

      try tmux.keys("c", "Home")
      for _ in 0..<3 { try tmux.keys("]") }
      try tmux.keys("Enter", "/", "r", "e", "p", "Enter")
      // Both at once: the search answered (on the peak's icicle) while the moment was still read. The
      // screen is read once the search's last Enter is taken (its prompt gone, its matches shown).
      var reading = ""
      let searched = Date().addingTimeInterval(20)
      repeat {
        reading = tmux.screenText()
        if reading.contains("matching “rep”") && !reading.contains("search: rep") { break }
        try await Task.sleep(for: .milliseconds(30))
      } while Date() < searched
      #expect(reading.contains("reading alive at"), "the search took its keys before the moment was read:\n\(reading)")
      let moment = await tmux.wait(for: "showing alive at", seconds: 90)
      #expect(moment.contains("matching “rep”"), "the search stays on the moment's icicle:\n\(moment)")
      try tmux.keys("q")
      await tmux.wait(for: "EXIT=0", seconds: 10)
      try tmux.expectTerminalRestored()
    }
  }
}

/// Without a terminal the full-screen commands say so in one sentence and draw nothing.
@Suite("workshop view and run --live without a terminal", .timeLimit(.minutes(2)))
struct ProfileWithoutTerminalTests {
  @Test("each says it needs a terminal, exits 2, and run --live does not start the program")
  func noTerminal() async throws {
    try await withOwnThread {
      try TestEnvironment.requireProducts()
      let folder = try TestEnvironment.scratchFolder(#function)
      let view = try Command.run(
        [TestEnvironment.workshopExecutable, "view", "missing.bin"], currentDirectory: folder, timeLimit: 30)
      #expect(view.status == 2)
      #expect(
        view.standardError
          == "workshop: workshop view draws a full screen and needs a terminal on standard input and output\n")
      let marker = folder.appendingPathComponent("ran")
      let live = try Command.run(
        [TestEnvironment.workshopExecutable, "run", "--live", "--", "/usr/bin/touch", marker.path],
        currentDirectory: folder, timeLimit: 30)
      #expect(live.status == 2)
      #expect(
        live.standardError.contains("workshop run --live draws a full screen and needs a terminal"), "\(live.all)")
      #expect(live.standardError.contains("without --live the program shares the terminal"))
      #expect(!FileManager.default.fileExists(atPath: marker.path), "the program never started")
    }
  }
}
