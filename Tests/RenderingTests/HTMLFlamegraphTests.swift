import Foundation
import MemoryAnalysis
import Symbols
import Testing

@testable import Rendering

/// The HTML page as text: escaping, the JSON block the script reads, the options it honours. The
/// page in a real browser is tested end to end in ReportTests (HTMLFlamegraphPageTests).
@Suite struct HTMLFlamegraphTests {
  static let hostile = "<script>alert(1)</script><img src=x onerror=alert(2)> & \"quoted\" 'single' <!-- \u{2028}"

  static func frame(_ name: String, line: Int = 1) -> SymbolizedFrame {
    SymbolizedFrame(
      function: name, file: "main.swift", line: line, location: CodeLocation(module: "/srv/app", offset: 1))
  }

  static func page(_ tree: AllocationTree, commandLine: [String] = ["./app"], maxDepth: Int? = nil) throws
    -> HTMLFlamegraph.Page
  {
    // As `workshop stats --json` prints it.
    let summary = try JSONDecoder().decode(
      ProfileSummary.self,
      from: Data(
        """
        {"peak_bytes":\(tree.totalBytes),"peak_time_ms":12.5,"total_allocations":7,"total_frees":5,
        "total_bytes_allocated":4096,"leaked_bytes":64,"leaked_allocations":2,"duration_ms":40,"threads":1,"lost_events":0,"complete":true}
        """.utf8))
    let timeline = [
      TimelinePoint(microseconds: 10_000, heapBytes: 100, maxHeapBytes: 200, residentBytes: 1 << 20, trackerBytes: 0)
    ]
    return HTMLFlamegraph.Page(
      title: "peak memory", commandLine: commandLine, recordedAtSeconds: 1_795_869_005, summary: summary,
      timeline: timeline, markers: [], tree: tree, maxDepth: maxDepth, nonce: "testnonce")
  }

  /// The JSON block the script reads, parsed.
  static func data(_ html: String) throws -> [String: Any] {
    let open = try #require(html.range(of: "<script type=\"application/json\" id=\"flamegraph-data\">"))
    let close = try #require(html[open.upperBound...].range(of: "</script>"))
    let json = try JSONSerialization.jsonObject(with: Data(html[open.upperBound..<close.lowerBound].utf8))
    return try #require(json as? [String: Any])
  }

  @Test func textEscapesMarkupAndForbiddenControls() {
    #expect(
      HTMLEscaping.text("<a href=\"x\">'&'</a>") == "&lt;a href=&quot;x&quot;&gt;&#39;&amp;&#39;&lt;/a&gt;")
    #expect(HTMLEscaping.text("tab\tline\nbell\u{07}") == "tab\tline\nbell\u{FFFD}")
    #expect(HTMLEscaping.text("plain é ✓") == "plain é ✓")
  }

  @Test func jsonStringCannotEndTheScriptElement() throws {
    let literal = HTMLEscaping.jsonString(Self.hostile + "\\ \n\u{01}")
    for forbidden in ["<", ">", "&", "\u{2028}", "\n", "\u{01}"] {
      #expect(!literal.contains(forbidden), "\(forbidden)")
    }
    let decoded = try JSONSerialization.jsonObject(with: Data("[\(literal)]".utf8)) as? [String]
    #expect(decoded == [Self.hostile + "\\ \n\u{01}"])
  }

  @Test func craftedLabelsAndCommandLineStayText() throws {
    var builder = AllocationTree.Builder(rootLabel: Self.hostile)
    builder.add(stack: [Self.frame("main"), Self.frame(Self.hostile, line: 9)], bytes: 4096, count: 2)
    builder.add(stack: [Self.frame("main"), Self.frame("other")], bytes: 1024, count: 1)
    let html = HTMLFlamegraph.render(try Self.page(builder.build(), commandLine: ["./app", Self.hostile]))
    // Only the page's own two script elements (the JSON and the script), and no other markup.
    #expect(html.components(separatedBy: "<script").count - 1 == 2)
    #expect(html.components(separatedBy: "</script").count - 1 == 2)
    #expect(!html.contains("<img"))
    #expect(!html.contains("<!--"))
    #expect(html.contains("&lt;script&gt;alert(1)&lt;/script&gt;&lt;img src=x onerror=alert(2)&gt;"))
    let names = try #require(try Self.data(html)["names"] as? [String])
    #expect(names.contains(Self.hostile))
    #expect(names.contains("\(Self.hostile) (main.swift:9)"))
  }

  @Test func nodesComeDepthFirstWithParentsAndSizes() throws {
    var builder = AllocationTree.Builder(rootLabel: "app")
    builder.add(stack: [Self.frame("main"), Self.frame("small")], bytes: 100, count: 1)
    builder.add(stack: [Self.frame("main"), Self.frame("large"), Self.frame("leaf")], bytes: 900, count: 3)
    let data = try Self.data(HTMLFlamegraph.render(try Self.page(builder.build())))
    let names = try #require(data["names"] as? [String])
    let nodes = try #require(data["nodes"] as? [Int])
    // parent, name, module, bytes, allocations: app, main, large, leaf, small.
    let rows = stride(from: 0, to: nodes.count, by: 5).map { Array(nodes[$0..<$0 + 5]) }
    #expect(
      rows.map { names[$0[1]] } == [
        "app", "main (main.swift:1)", "large (main.swift:1)", "leaf (main.swift:1)", "small (main.swift:1)",
      ])
    #expect(rows.map { $0[0] } == [-1, 0, 1, 2, 1])
    #expect(rows.map { $0[3] } == [1000, 1000, 900, 900, 100])
    #expect(rows.map { $0[4] } == [4, 4, 3, 3, 1])
    #expect(rows[0][2] == -1 && rows[1][2] == 0)
    #expect(data["modules"] as? [String] == ["app"])
    // The start, the tick, then the end's interval, which holds the peak no tick saw.
    #expect(data["timeline"] as? [Int] == [0, 0, 10_000, 200, 40_000, 1000])
    #expect(data["peak"] as? [Int] == [12_500, 1000, 40_000], "after the tick at 12.5 ms, by the end")
    let shallow = try Self.data(HTMLFlamegraph.render(try Self.page(builder.build(), maxDepth: 1)))
    #expect((shallow["nodes"] as? [Int])?.count == 2 * 5, "the root and main only")
  }

  @Test func chartEndsAtTheHeapLeftOnceATickSawThePeak() throws {
    var page = try Self.page(StressTrees.dominantPath)
    page.timeline = [
      TimelinePoint(microseconds: 10_000, heapBytes: 900, maxHeapBytes: 1_000_000, residentBytes: 0, trackerBytes: 0),
      TimelinePoint(microseconds: 20_000, heapBytes: 500, maxHeapBytes: 900, residentBytes: 0, trackerBytes: 0),
    ]
    #expect(
      HTMLFlamegraph.chartPoints(page).map { [$0.0, $0.1] } == [
        [0, 0], [10_000, 1_000_000], [20_000, 900], [40_000, 64],
      ])
    page.timeline = []
    #expect(HTMLFlamegraph.chartPoints(page).map { [$0.0, $0.1] } == [[0, 0], [40_000, 1_000_000]], "one interval")
  }

  @Test func residentMemoryIsChartedAtEachTickWhenMeasured() throws {
    var page = try Self.page(StressTrees.dominantPath)
    page.timeline = [
      TimelinePoint(microseconds: 10_000, heapBytes: 900, maxHeapBytes: 1000, residentBytes: 0, trackerBytes: 0),
      TimelinePoint(microseconds: 20_000, heapBytes: 500, maxHeapBytes: 900, residentBytes: 0, trackerBytes: 0),
    ]
    #expect(try Self.data(HTMLFlamegraph.render(page))["resident"] as? [Int] == [], "no tick measured it")
    page.timeline[0].residentBytes = 3_000_000
    page.timeline[1].residentBytes = 2_500_000
    #expect(
      try Self.data(HTMLFlamegraph.render(page))["resident"] as? [Int] == [10_000, 3_000_000, 20_000, 2_500_000])
  }

  @Test func totalsTitleAndDateAreText() throws {
    let html = HTMLFlamegraph.render(
      try Self.page(StressTrees.dominantPath, commandLine: ["./app", "two words", "it's"]))
    #expect(html.contains("<title>peak memory: ./app &#39;two words&#39; &#39;it&#39;\\&#39;&#39;s&#39;</title>"))
    #expect(html.contains("<dd id=\"total-peak\" data-bytes=\"1000000\" data-ms=\"12.5\">976.6 KiB</dd>"))
    #expect(html.contains("<dd id=\"total-leaked\" data-bytes=\"64\" data-count=\"2\">64 B in 2 allocations</dd>"))
    #expect(html.contains("<time datetime=\"2026-11-28T12:30:05Z\">2026-11-28 12:30 UTC</time>"))
    #expect(html.contains("script-src 'nonce-testnonce'") && html.contains("<script nonce=\"testnonce\">"))
    for loader in ["src=\"http", "href=\"http", "url(", "@import", "fetch(", "XMLHttpRequest"] {
      #expect(!html.contains(loader), "nothing is loaded from the network: \(loader)")
    }
  }

  @Test func datesFollowTheCalendar() {
    #expect(HTMLFlamegraph.dateText(secondsSince1970: 0).iso == "1970-01-01T00:00:00Z")
    #expect(HTMLFlamegraph.dateText(secondsSince1970: 1_709_164_800 + 3_599).iso == "2024-02-29T00:59:59Z")
    #expect(HTMLFlamegraph.dateText(secondsSince1970: 951_782_400).iso == "2000-02-29T00:00:00Z")
    #expect(HTMLFlamegraph.dateText(secondsSince1970: 4_102_444_800).readable == "2100-01-01 00:00 UTC")
  }

  @Test func noncesDiffer() {
    let first = HTMLFlamegraph.randomNonce()
    #expect(first.count == 32 && first != HTMLFlamegraph.randomNonce())
  }
}
