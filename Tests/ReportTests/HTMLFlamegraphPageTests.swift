import Foundation
import MemoryAnalysis
import Testing
import WorkshopTestSupport

/// `workshop flamegraph --format html` end to end: real programs under the real tracker, the page
/// opened in headless Chromium (Debian's `chromium`, installed by Scripts/bootstrap.sh --tests), and
/// the DOM read after the page's script has run. Every console message fails a test: the page logs
/// nothing, and Chromium reports script errors and anything the page's Content-Security-Policy
/// blocked (a network load, an injected script or handler) there.
/// Serialized: each test blocks on real processes (a tracked program, the flamegraph, the browser),
/// and one at a time leaves the rest of the suite its share of the machine.
@Suite(.serialized) struct HTMLFlamegraphPageTests {
  static let programs = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("Programs")

  /// A capture of `program`, and the folder it is in.
  func capture(_ program: String, flags: [String] = [], arguments: [String] = [], name: String = #function) throws
    -> TrackedRun
  {
    let executable = try TestProgram.compile(Self.programs.appendingPathComponent(program), extraFlags: flags)
    let run = try TrackedRun.run(executable.executable, arguments: arguments, name: name)
    #expect(run.result.status == 0, "\(run.result.all)")
    return run
  }

  /// Writes the page of `capture` with `options` beside it and returns its path.
  func page(_ run: TrackedRun, _ options: [String] = [], name: String = "page") throws -> String {
    let path = URL(fileURLWithPath: run.capturePath).deletingLastPathComponent().appendingPathComponent("\(name).html")
      .path
    let result = try Command.run(
      [TestEnvironment.workshopExecutable, "flamegraph", run.capturePath, "--format", "html", "-o", path] + options,
      timeLimit: 120)
    #expect(result.status == 0, "\(result.all)")
    #expect(result.standardOutput.isEmpty, "the page goes to the file only")
    return path
  }

  /// `workshop stats --json` of the capture.
  func stats(_ run: TrackedRun) throws -> [String: Any] {
    let result = try Command.run(
      [TestEnvironment.workshopExecutable, "stats", "--json", run.capturePath], timeLimit: 60)
    #expect(result.status == 0, "\(result.all)")
    return try #require(try JSONSerialization.jsonObject(with: Data(result.standardOutput.utf8)) as? [String: Any])
  }

  @Test(.timeLimit(.minutes(5)))
  func totalsEqualStatsAndTheTreeIsThePeakOrTheLeaks() async throws {
    let run = try capture("Growth.swift")
    let figures = try stats(run)
    let peak = try await BrowserPage.open(try page(run))
    #expect(peak.console.isEmpty, "\(peak.console)")
    #expect(peak.element("body")?.attributes["data-ready"] == "true", "the script ran to its end")
    let number = { (key: String) in (figures[key] as? NSNumber)?.stringValue }
    #expect(peak.element(id: "total-peak")?.attributes["data-bytes"] == number("peak_bytes"))
    #expect(peak.element(id: "total-allocations")?.attributes["data-count"] == number("total_allocations"))
    #expect(peak.element(id: "total-allocated")?.attributes["data-bytes"] == number("total_bytes_allocated"))
    #expect(peak.element(id: "total-leaked")?.attributes["data-bytes"] == number("leaked_bytes"))
    #expect(peak.element(id: "total-leaked")?.attributes["data-count"] == number("leaked_allocations"))
    #expect(peak.element(id: "recorded")?.text.hasSuffix(" UTC") == true)
    #expect(peak.element(id: "command")?.text.contains("Growth") == true)
    #expect(peak.element(id: "chart-peak-label")?.text.hasPrefix("peak ") == true)
    #expect(peak.element(id: "chart-heap") != nil, "the heap is drawn over time")
    // The icicle's root holds the peak; the frames of the program are named.
    let root = try #require(peak.frames.first { $0.node == 0 })
    #expect(String(root.bytes) == number("peak_bytes"))
    #expect(peak.frames.contains { $0.text.hasPrefix("fill(_:) (Growth.swift:6)") })
    #expect(!peak.frames.contains { $0.text.hasPrefix("swift_allocObject") })

    // The other trees, read from the page's data without a browser (the script is the same).
    let leaks = try PageData(path: try page(run, ["--leaks"], name: "leaks"))
    #expect(leaks.html.contains("<h1>Leaked at exit</h1>"))
    #expect(String(leaks.nodes[3]) == number("leaked_bytes"), "the root's size")
    let native = try PageData(path: try page(run, ["--native"], name: "native"))
    #expect(native.names.contains { $0.hasPrefix("swift_allocObject") })

    let temporary = try await BrowserPage.open(
      try page(run, ["--temporary-allocations", "--colour", "share"], name: "temporary"))
    #expect(temporary.console.isEmpty, "\(temporary.console)")
    #expect(temporary.element("h1")?.text == "Temporary allocations")
    let shares = temporary.frames.filter { $0.node != 0 }.map { $0.classes[1] }
    #expect(!shares.isEmpty && shares.allSatisfy { ["s0", "s1", "s2", "s3", "s4"].contains($0) }, "\(shares)")
  }

  @Test(.timeLimit(.minutes(5)))
  func theAddressSearchesAndZooms() async throws {
    let run = try capture("Growth.swift")
    let path = try page(run)
    let searched = try await BrowserPage.open(path, fragment: "search=FILL")
    #expect(searched.console.isEmpty, "\(searched.console)")
    let lit = searched.frames.filter { $0.classes.contains("match") }
    #expect(!lit.isEmpty)
    #expect(lit.allSatisfy { $0.label.lowercased().contains("fill") }, "\(lit.map(\.label))")
    #expect(
      searched.frames.filter { !$0.classes.contains("match") }.allSatisfy { !$0.label.lowercased().contains("fill") })
    // The share counts each byte once: the outermost lit frame's bytes.
    let fill = try #require(lit.first { $0.label.hasPrefix("fill(_:)") })
    let result = try #require(searched.element(id: "search-result"))
    #expect(result.attributes["data-bytes"] == String(fill.bytes))
    #expect(result.text.contains("% of peak memory"), "\(result.text)")

    let zoomed = try await BrowserPage.open(path, fragment: "zoom=\(fill.node)")
    #expect(zoomed.console.isEmpty, "\(zoomed.console)")
    #expect(zoomed.element(id: "icicle")?.attributes["data-focus"] == String(fill.node))
    let focus = try #require(zoomed.frames.first { $0.node == fill.node })
    #expect(focus.left == 0 && !focus.classes.contains("ancestor"), "the zoomed frame spans the width")
    #expect(zoomed.frames.filter { $0.classes.contains("ancestor") }.count >= 2, "its callers stay above it")
    #expect(zoomed.element(id: "zoom-path")?.text.hasPrefix("Zoomed into fill(_:)") == true)
  }

  @Test(.timeLimit(.minutes(5)))
  func anOutputThatCannotBeWrittenIsOneSentence() async throws {
    let run = try capture("Growth.swift")
    let folder = URL(fileURLWithPath: run.capturePath).deletingLastPathComponent().path
    let result = try Command.run(
      [TestEnvironment.workshopExecutable, "flamegraph", run.capturePath, "--format", "html", "-o", folder],
      timeLimit: 60)
    #expect(result.status != 0)
    #expect(result.standardError.contains("could not write \(folder): Is a directory"), "\(result.all)")
    #expect(!result.standardError.contains("NSCocoaErrorDomain"), "\(result.all)")
  }

  /// A person's clicks and keys, over the DevTools protocol (Programs/browser_session.py): a click
  /// zooms into a frame, a click on a caller above zooms out to it, the buttons and Escape go back,
  /// typing in the search box lights the frames and puts the search in the address.
  @Test(.timeLimit(.minutes(5)))
  func clicksZoomAndTypingSearches() async throws {
    let run = try capture("Growth.swift")
    let url = URL(fileURLWithPath: try page(run)).absoluteString
    let focus = "document.getElementById('icicle').dataset.focus"
    let steps: [[String: String]] = [
      ["read": focus],
      ["click": ".frame[title^='build()']"],
      ["read": "[\(focus), document.getElementById('zoom-path').textContent]"],
      ["read": "document.querySelector('.frame[title^=\"build()\"]').style.left"],
      ["click": ".frame.ancestor[title^='main']"],
      ["read": "document.querySelector('.frame[data-node=\"' + \(focus) + '\"]').title.split('\\n')[0]"],
      ["click": "#zoom-out"],
      ["read": focus],
      ["click": ".frame[title^='fill(_:)']"],
      ["key": "Escape"],
      ["read": focus],
      ["click": "#search"],
      ["type": "fill"],
      [
        "read":
          "[document.querySelectorAll('.frame.match').length, document.getElementById('search-result').textContent,"
          + " location.hash]"
      ],
      ["click": ".frame.match"],
      ["click": "#zoom-reset"],
      ["read": "[\(focus), location.hash]"],
    ]
    let script = Self.programs.appendingPathComponent("browser_session.py").path
    let stepsJSON = String(decoding: try JSONSerialization.data(withJSONObject: steps), as: UTF8.self)
    let result = try await Command.runOffPool(["python3", script, url, stepsJSON], timeLimit: 90)
    #expect(result.status == 0, "\(result.all)")
    let session = try #require(
      try JSONSerialization.jsonObject(with: Data(result.standardOutput.utf8)) as? [String: Any])
    #expect((session["console"] as? [String])?.isEmpty == true, "\(session["console"] ?? "")")
    let reads = try #require(session["reads"] as? [Any])
    try #require(reads.count == 8, "\(reads)")
    #expect(reads[0] as? String == "0")
    let zoomed = try #require(reads[1] as? [String])
    #expect(zoomed[0] != "0" && zoomed[1].hasPrefix("Zoomed into build() (Growth.swift:12)"), "\(zoomed)")
    #expect(reads[2] as? String == "0px", "the zoomed frame starts at the left edge")
    #expect((reads[3] as? String)?.hasPrefix("main (Growth.swift:") == true, "\(reads[3])")
    #expect(reads[4] as? String == "0", "main's caller is the program")
    #expect(reads[5] as? String == "0", "Escape resets the zoom")
    let searched = try #require(reads[6] as? [Any])
    #expect(searched[0] as? Int == 1, "\(searched)")
    #expect((searched[1] as? String)?.hasPrefix("1 frame matches: ") == true, "\(searched)")
    #expect(searched[2] as? String == "#search=fill", "\(searched)")
    #expect(reads[7] as? [String] == ["0", "#search=fill"], "\(reads[7])")
  }

  /// A function named with markup (a Swift raw identifier) and arguments that are markup: the page
  /// shows them as text, and nothing they carry runs (the CSP would report it on the console).
  @Test(.timeLimit(.minutes(5)))
  func markupFromTheCaptureStaysText() async throws {
    let markup = "<img src=x onerror=alert(1)> & </script><script>alert(2)</script>"
    let run = try capture("Hostile.swift", arguments: ["</title><script>alert(3)</script>", "it's"])
    let shown = try await BrowserPage.open(try page(run))
    #expect(shown.console.isEmpty, "\(shown.console)")
    #expect(shown.dom.components(separatedBy: "<script").count - 1 == 2, "only the page's own scripts")
    #expect(!shown.dom.contains("<img"))
    // The demangler writes a raw identifier's spaces as no-break spaces.
    let labels = shown.frames.map { $0.label.replacingOccurrences(of: "\u{A0}", with: " ") }
    #expect(labels.contains { $0.hasPrefix("`\(markup)`(_:) (Hostile.swift:") }, "\(labels)")
    let command = try #require(shown.element(id: "command")?.text)
    #expect(command.hasSuffix(" '</title><script>alert(3)</script>' 'it'\\''s'"), "\(command)")
    #expect(shown.element("title")?.text.hasSuffix("'it'\\''s'") == true)
  }

  /// A program that runs for several of the tracker's 10 ms ticks: its resident size, measured at
  /// each, is drawn beside the heap, and the legend says which is which.
  @Test(.timeLimit(.minutes(5)))
  func theResidentSizeIsChartedBesideTheHeap() async throws {
    let source = TestEnvironment.repositoryRoot.appendingPathComponent("Benchmarks/workloads/tree_recursive.c")
    let program = try TestProgram.compile(source, extraFlags: ["-O2"])
    let run = try TrackedRun.run(program.executable, arguments: ["17"])
    #expect(run.result.status == 0, "\(run.result.all)")
    #expect(run.profile.timeline.count >= 2, "ticks: \(run.profile.timeline.count)")
    let shown = try await BrowserPage.open(try page(run))
    #expect(shown.console.isEmpty, "\(shown.console)")
    #expect(shown.element(id: "chart-heap") != nil)
    #expect(shown.element(id: "chart-resident") != nil, "the resident size over time")
    let resident = run.profile.timeline.map(\.residentBytes).max() ?? 0
    #expect(resident > UInt64(run.profile.peak.bytes), "a tree's nodes cost more than their bytes: \(resident)")
    #expect(shown.element(id: "chart-legend")?.text.contains("resident, up to ") == true)
  }

  /// A tree of 40,958 frames: the page stays compact (the script lays it out from JSON), the
  /// browser makes elements only for the frames wide enough to see, and it opens quickly.
  @Test(.timeLimit(.minutes(5)))
  func aLargeTreeStaysCompactAndQuick() async throws {
    let run = try capture("wide_tree.c", flags: ["-O0"])
    let start = Date()
    let path = try page(run)
    let seconds = Date().timeIntervalSince(start)
    let size = try #require(try FileManager.default.attributesOfItem(atPath: path)[.size] as? Int)
    let nodes = try PageData(path: path).nodes.count / 5
    #expect(nodes > 30_000, "the program makes tens of thousands of frames: \(nodes)")
    #expect(size < nodes * 24, "\(size) bytes for \(nodes) frames")
    let shown = try await BrowserPage.open(path, fragment: "search=right")
    #expect(shown.console.isEmpty, "\(shown.console)")
    let elements = Int(shown.element(id: "icicle")?.attributes["data-frames"] ?? "") ?? 0
    #expect(elements > 100 && elements < 10_000, "\(elements) frame elements for \(nodes) frames")
    #expect(shown.element(id: "search-result")?.attributes["data-frames"] == "8191")
    let script = shown.element("body")?.attributes["data-render-ms"] ?? "?"
    // It frees everything: the leaks' page has a tree of nothing, and says so without a fault.
    let empty = try await BrowserPage.open(try page(run, ["--leaks"], name: "leaks"))
    #expect(empty.console.isEmpty, "\(empty.console)")
    #expect(empty.frames.map(\.bytes) == [0])
    #expect(empty.element(id: "total-leaked")?.text == "0 B in 0 allocations")
    print(
      "html flamegraph of \(nodes) frames: \(size) bytes, written in \(seconds) s, opened in \(shown.seconds) s, script \(script) ms"
    )
  }
}

/// The JSON block a page's script reads: the names and the nodes (parent, name, module, size,
/// allocations each).
struct PageData {
  var html: String
  var names: [String]
  var nodes: [Int]

  init(path: String) throws {
    html = try String(contentsOfFile: path, encoding: .utf8)
    let open = try #require(html.range(of: "id=\"flamegraph-data\">"))
    let close = try #require(html[open.upperBound...].range(of: "</script>"))
    let data = try JSONSerialization.jsonObject(with: Data(html[open.upperBound..<close.lowerBound].utf8))
    names = try #require((data as? [String: Any])?["names"] as? [String])
    nodes = try #require((data as? [String: Any])?["nodes"] as? [Int])
  }
}

/// A page opened in headless Chromium: the DOM after its script ran, and the console messages.
struct BrowserPage {
  /// One icicle frame element.
  struct Frame {
    var node: Int
    var bytes: UInt64
    var classes: [String]
    var left: Double
    var label: String
    var text: String
  }

  /// An element's attributes and text (entities decoded, tags dropped).
  struct Element {
    var attributes: [String: String]
    var text: String
  }

  var dom: String
  var console: [String]
  var seconds: Double

  /// Opens `path` (with `#fragment`) and dumps the DOM; at most 90 s.
  static func open(_ path: String, fragment: String? = nil) async throws -> BrowserPage {
    let profile = try TestEnvironment.scratchFolder("chromium-profile")
    defer { try? FileManager.default.removeItem(at: profile) }
    let url = URL(fileURLWithPath: path).absoluteString + (fragment.map { "#" + $0 } ?? "")
    let result = try await Command.runOffPool(
      [
        "chromium", "--headless", "--no-sandbox", "--disable-gpu", "--no-first-run", "--user-data-dir=\(profile.path)",
        "--window-size=1280,900", "--enable-logging=stderr", "--v=0", "--dump-dom", url,
      ], timeLimit: 90)
    #expect(result.status == 0, "\(result.all)")
    let console = result.standardError.split(separator: "\n").filter { $0.contains(":CONSOLE") }.map(String.init)
    return BrowserPage(dom: result.standardOutput, console: console, seconds: result.seconds)
  }

  /// The first `<tag>` element.
  func element(_ tag: String) -> Element? {
    element(matching: "<\(tag)(\\s[^>]*)?>")
  }

  /// The element whose id is `id`.
  func element(id: String) -> Element? {
    element(matching: "<[a-z0-9]+\\s[^>]*id=\"\(id)\"[^>]*>")
  }

  private func element(matching pattern: String) -> Element? {
    guard let regex = try? Regex(pattern), let match = dom.firstMatch(of: regex) else { return nil }
    let tag = String(match.output[0].substring ?? "")
    let name = tag.dropFirst().prefix { $0.isLetter || $0.isNumber }
    let rest = dom[match.range.upperBound...]
    let end = rest.range(of: "</\(name)>")?.lowerBound ?? rest.startIndex
    return Element(attributes: Self.attributes(tag), text: Self.text(String(rest[..<end])))
  }

  /// Every icicle frame element.
  var frames: [Frame] {
    // Attribute values hold no `"` and text no `<` once serialized, whatever the labels are.
    guard let regex = try? Regex("<div((?:\\s+[a-zA-Z-]+=\"[^\"]*\")*)>([^<]*)</div>") else { return [] }
    return dom.matches(of: regex).compactMap { match in
      let attributes = Self.attributes(String(match.output[1].substring ?? ""))
      guard (attributes["class"] ?? "").hasPrefix("frame ") else { return nil }
      guard let node = attributes["data-node"].flatMap(Int.init),
        let bytes = attributes["data-bytes"].flatMap(UInt64.init)
      else { return nil }
      let style = attributes["style"] ?? ""
      let left = style.range(of: "left: ").map { Double(style[$0.upperBound...].prefix { $0 != "p" }) ?? -1 } ?? -1
      let title = attributes["title"] ?? ""
      return Frame(
        node: node, bytes: bytes, classes: (attributes["class"] ?? "").split(separator: " ").map(String.init),
        left: left, label: String(title.prefix { $0 != "\n" }),
        text: Self.text(String(match.output[2].substring ?? "")))
    }
  }

  static func attributes(_ tag: String) -> [String: String] {
    guard let regex = try? Regex("([a-zA-Z-]+)=\"([^\"]*)\"") else { return [:] }
    var attributes: [String: String] = [:]
    for match in tag.matches(of: regex) {
      attributes[String(match.output[1].substring ?? "")] = decoded(String(match.output[2].substring ?? ""))
    }
    return attributes
  }

  static func text(_ html: String) -> String {
    decoded(html.replacing(try! Regex("<[^>]*>"), with: ""))
  }

  static func decoded(_ text: String) -> String {
    text.replacingOccurrences(of: "&lt;", with: "<").replacingOccurrences(of: "&gt;", with: ">")
      .replacingOccurrences(of: "&quot;", with: "\"").replacingOccurrences(of: "&#39;", with: "'")
      .replacingOccurrences(of: "&nbsp;", with: "\u{A0}").replacingOccurrences(of: "&amp;", with: "&")
  }
}
