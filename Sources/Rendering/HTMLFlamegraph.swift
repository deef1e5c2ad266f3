import MemoryAnalysis
import Symbols

/// One self-contained HTML page for sharing a result: the command line, the totals and the date as
/// text, the memory-over-time chart, and an icicle with zoom and search. No network: the style and
/// the script are inline (``HTMLFlamegraphAssets``), and the page's Content-Security-Policy allows
/// nothing else to load or run.
///
/// The tree goes in as compact JSON (a table of names and five numbers a node), which the script
/// lays out, so a tree of tens of thousands of frames stays a few megabytes and the browser only
/// makes elements for the frames wide enough to see. Every string from the capture is escaped
/// (``HTMLEscaping``); the script puts them in the page as text, never as markup.
public enum HTMLFlamegraph {
  /// What the page shows.
  public struct Page: Sendable {
    /// What the tree holds, for the headings: `peak memory`, `leaked at exit`...
    public var title: String
    /// The program's `argv`, for the heading.
    public var commandLine: [String]
    /// When the program started, in seconds since 1970 (UTC), when known.
    public var recordedAtSeconds: UInt64?
    /// The capture's headline figures, as `workshop stats --json` prints them.
    public var summary: ProfileSummary
    /// The heap over time.
    public var timeline: [TimelinePoint]
    /// Markers the program placed, drawn on the chart.
    public var markers: [MarkerOccurrence]
    /// The tree of the icicle.
    public var tree: AllocationTree
    /// What the tree's sizes are.
    public var weight: IcicleWeight
    /// Levels of frames kept below the program; nil for all.
    public var maxDepth: Int?
    /// Colours by module or by share of the total.
    public var colouring: IcicleColouring
    /// The Content-Security-Policy nonce that lets the page's own style and script, and nothing
    /// else, run: unguessable, so that markup slipped into the page could not name it.
    public var nonce: String

    /// A page; the nonce is random unless given.
    public init(
      title: String, commandLine: [String], recordedAtSeconds: UInt64?, summary: ProfileSummary,
      timeline: [TimelinePoint], markers: [MarkerOccurrence], tree: AllocationTree, weight: IcicleWeight = .bytes,
      maxDepth: Int? = nil, colouring: IcicleColouring = .module, nonce: String? = nil
    ) {
      self.title = title
      self.commandLine = commandLine
      self.recordedAtSeconds = recordedAtSeconds
      self.summary = summary
      self.timeline = timeline
      self.markers = markers
      self.tree = tree
      self.weight = weight
      self.maxDepth = maxDepth
      self.colouring = colouring
      self.nonce = nonce ?? HTMLFlamegraph.randomNonce()
    }
  }

  /// The whole page.
  ///
  /// - Complexity: O(n) for n nodes kept, plus the timeline.
  public static func render(_ page: Page) -> String {
    let command = commandText(page.commandLine)
    let nonce = HTMLEscaping.text(page.nonce)
    let summary = page.summary
    let heading = HTMLEscaping.text(page.title.prefix(1).uppercased() + page.title.dropFirst())
    var html = """
      <!DOCTYPE html>
      <html lang="en">
      <head>
      <meta charset="utf-8">
      <meta http-equiv="Content-Security-Policy" content="default-src 'none'; img-src data:; \
      style-src 'nonce-\(nonce)'; script-src 'nonce-\(nonce)'">
      <meta name="viewport" content="width=device-width, initial-scale=1">
      <link rel="icon" href="data:,">
      <title>\(HTMLEscaping.text("\(page.title): \(command)"))</title>
      <style nonce="\(nonce)">\(HTMLFlamegraphAssets.style)</style>
      </head>
      <body>
      <header>
      <h1>\(heading)</h1>
      <p class="command"><code id="command">\(HTMLEscaping.text(command))</code></p>
      <dl class="totals">

      """
    func total(_ id: String, _ term: String, _ value: String, _ attributes: [(String, String)] = []) {
      let data = attributes.map { " data-\($0.0)=\"\(HTMLEscaping.text($0.1))\"" }.joined()
      html += "<div><dt>\(term)</dt><dd id=\"\(id)\"\(data)>\(HTMLEscaping.text(value))</dd></div>\n"
    }
    total(
      "total-peak", "Peak", ByteCountText.describe(summary.peakBytes),
      [("bytes", "\(summary.peakBytes)"), ("ms", "\(summary.peakTimeMilliseconds)")])
    total(
      "total-allocations", "Allocations", ByteCountText.grouped(summary.totalAllocations),
      [("count", "\(summary.totalAllocations)")])
    total(
      "total-allocated", "Allocated in all", ByteCountText.describe(summary.totalBytesAllocated),
      [("bytes", "\(summary.totalBytesAllocated)")])
    total(
      "total-leaked", "Leaked",
      "\(ByteCountText.describe(summary.leakedBytes)) in \(ByteCountText.counted(summary.leakedAllocations, "allocation"))",
      [("bytes", "\(summary.leakedBytes)"), ("count", "\(summary.leakedAllocations)")])
    total(
      "total-duration", "Duration", ByteCountText.duration(milliseconds: summary.durationMilliseconds),
      [("ms", "\(summary.durationMilliseconds)")])
    if let seconds = page.recordedAtSeconds {
      let date = dateText(secondsSince1970: seconds)
      html +=
        "<div><dt>Recorded</dt><dd id=\"recorded\"><time datetime=\"\(date.iso)\">\(date.readable)</time></dd></div>\n"
    }
    html += "</dl>\n"
    if !summary.complete {
      let lost = summary.lostEvents > 0 ? ": \(ByteCountText.counted(summary.lostEvents, "event")) lost" : ""
      html += "<p class=\"warning\" id=\"incomplete\">The capture is incomplete\(lost); the figures may be short.</p>\n"
    }
    html += """
      </header>
      <main>
      <section aria-label="Memory over time">
      <h2>Memory over time</h2>
      <div id="chart"></div>
      </section>
      <section aria-label="Icicle">
      <h2 id="icicle-title">\(heading) by call stack</h2>
      <div class="controls">
      <button type="button" id="zoom-out">Zoom out</button>
      <button type="button" id="zoom-reset">Reset zoom</button>
      <label>Search <input type="search" id="search" placeholder="function or file" autocomplete="off"></label>
      <span id="search-result" role="status"></span>
      </div>
      <p id="zoom-path"></p>
      <div id="icicle"></div>
      <p id="details">Click a frame to zoom in; hover for its figures.</p>
      <noscript><p>The chart and the icicle need JavaScript.</p></noscript>
      </section>
      </main>
      <script type="application/json" id="flamegraph-data">
      """
    html += data(page)
    html += "</script>\n<script nonce=\"\(nonce)\">\(HTMLFlamegraphAssets.script)</script>\n</body>\n</html>\n"
    return html
  }

  // MARK: Data

  /// The JSON the script reads: the tree as `nodes` (parent, name, module, size, allocations per
  /// node, each parent before its children and children largest first), the tables of names and
  /// modules, the chart as (µs, heap) pairs (``chartPoints(_:)``) and (µs, resident) pairs
  /// (``residentPoints(_:)``), the peak (the tick before it,
  /// its bytes, the end of its interval) and the markers.
  static func data(_ page: Page) -> String {
    let tree = page.tree
    var names: [String] = []
    var nameIndex: [String: Int] = [:]
    var modules: [String] = []
    var moduleIndex: [String: Int] = [:]
    var nodes = ""
    nodes.reserveCapacity(tree.nodes.count * 24)
    var written = 0
    // Depth first, so that the script can place each child right after its elder siblings.
    var stack: [(node: Int, parent: Int)] = [(AllocationTree.rootIndex, -1)]
    while let (node, parent) = stack.popLast() {
      let item = tree[node]
      let label = FrameLabelText.label(tree, node: node, unicode: true)
      let name = nameIndex[label] ?? names.count
      if name == names.count {
        names.append(label)
        nameIndex[label] = name
      }
      var module = -1
      if let moduleName = item.frame?.module {
        module = moduleIndex[moduleName] ?? modules.count
        if module == modules.count {
          modules.append(moduleName)
          moduleIndex[moduleName] = module
        }
      }
      if written > 0 { nodes += "," }
      nodes += "\(parent),\(name),\(module),\(item.bytes),\(item.count)"
      let index = written
      written += 1
      if let maxDepth = page.maxDepth, item.depth >= maxDepth { continue }
      for child in item.children.reversed() { stack.append((child, index)) }
    }
    var json = "{\"title\":\(HTMLEscaping.jsonString(page.title))"
    json += ",\"weight\":\"\(page.weight == .bytes ? "bytes" : "allocations")\""
    json += ",\"colouring\":\"\(page.colouring.rawValue)\""
    json += ",\"names\":[" + names.map(HTMLEscaping.jsonString).joined(separator: ",") + "]"
    json += ",\"modules\":[" + modules.map(HTMLEscaping.jsonString).joined(separator: ",") + "]"
    json +=
      ",\"modulePalette\":["
      + modules.map { String(Icicle.stableHash($0) % UInt64(Icicle.modulePalette.count)) }.joined(separator: ",")
      + "]"
    json += ",\"nodes\":[" + nodes + "]"
    let points = chartPoints(page)
    json += ",\"timeline\":[" + points.map { "\($0.0),\($0.1)" }.joined(separator: ",") + "]"
    json += ",\"resident\":[" + residentPoints(page).map { "\($0.0),\($0.1)" }.joined(separator: ",") + "]"
    json += ",\"durationUs\":\(UInt64((page.summary.durationMilliseconds * 1000).rounded()))"
    // The peak is known to the tick: it came after the tick before it, by the end of the interval
    // whose highest heap it is.
    let peakStart = UInt64((page.summary.peakTimeMilliseconds * 1000).rounded())
    let peakEnd = points.first { $0.0 > peakStart && $0.1 >= page.summary.peakBytes }?.0 ?? peakStart
    json += ",\"peak\":[\(peakStart),\(page.summary.peakBytes),\(peakEnd)]"
    json +=
      ",\"markers\":["
      + page.markers.map { "[\($0.microseconds),\(HTMLEscaping.jsonString($0.name))]" }.joined(separator: ",") + "]"
    return json + "}"
  }

  /// The heap over time as (µs, bytes) steps: each point holds the highest heap of the interval
  /// that ends at it (as the tracker's ticks record it, every 10 ms), from nothing at the start to
  /// the end of the run. The last interval, after the last tick, reaches the exact peak when no
  /// tick saw it (a run shorter than a tick has one interval), else the heap left at the end.
  static func chartPoints(_ page: Page) -> [(UInt64, UInt64)] {
    let summary = page.summary
    let end = UInt64((summary.durationMilliseconds * 1000).rounded())
    var points: [(UInt64, UInt64)] = [(0, 0)]
    for point in page.timeline { points.append((point.microseconds, point.maxHeapBytes)) }
    let peakSeen = page.timeline.contains { $0.maxHeapBytes >= summary.peakBytes }
    let last = peakSeen ? summary.leakedBytes : max(summary.peakBytes, summary.leakedBytes)
    if points.count == 1 || points[points.count - 1].0 < end {
      points.append((max(end, points[points.count - 1].0), last))
    } else if !peakSeen {
      points[points.count - 1].1 = max(points[points.count - 1].1, summary.peakBytes)
    }
    return points
  }

  /// The program's resident memory over time as (µs, bytes) at each tick (its resident size less
  /// the tracker's own, as the tracker measured it); empty when no tick measured any, as memray's
  /// chart shows it beside the heap: what the heap cost the process, fragmentation included.
  static func residentPoints(_ page: Page) -> [(UInt64, UInt64)] {
    guard page.timeline.contains(where: { $0.residentBytes > 0 }) else { return [] }
    return page.timeline.map { ($0.microseconds, $0.residentBytes) }
  }

  // MARK: Text

  /// `argv` as one line a shell would take back: arguments with spaces or quotes in single quotes.
  static func commandText(_ arguments: [String]) -> String {
    guard !arguments.isEmpty else { return "(command line not recorded)" }
    let plain = Set("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-_./=:,+@%")
    return arguments.map { argument in
      if !argument.isEmpty && argument.allSatisfy(plain.contains) { return argument }
      return "'" + argument.replacingAll("'", with: "'\\''") + "'"
    }.joined(separator: " ")
  }

  /// `2026-11-29T12:30:05Z` and `2026-11-29 12:30 UTC` for a time in seconds since 1970.
  static func dateText(secondsSince1970 seconds: UInt64) -> (iso: String, readable: String) {
    // Days to a civil date (the proleptic Gregorian calendar), after Howard Hinnant's algorithm.
    let days = Int64(seconds / 86_400)
    let secondOfDay = Int(seconds % 86_400)
    let shifted = days + 719_468
    let era = shifted / 146_097
    let dayOfEra = shifted - era * 146_097
    let yearOfEra = (dayOfEra - dayOfEra / 1460 + dayOfEra / 36_524 - dayOfEra / 146_096) / 365
    let dayOfYear = dayOfEra - (365 * yearOfEra + yearOfEra / 4 - yearOfEra / 100)
    let monthIndex = (5 * dayOfYear + 2) / 153
    let day = dayOfYear - (153 * monthIndex + 2) / 5 + 1
    let month = monthIndex < 10 ? monthIndex + 3 : monthIndex - 9
    let year = yearOfEra + era * 400 + (month <= 2 ? 1 : 0)
    func two(_ value: Int64) -> String { value < 10 ? "0\(value)" : "\(value)" }
    let date = "\(year)-\(two(month))-\(two(day))"
    let (hour, minute, second) = (Int64(secondOfDay / 3600), Int64(secondOfDay / 60 % 60), Int64(secondOfDay % 60))
    return ("\(date)T\(two(hour)):\(two(minute)):\(two(second))Z", "\(date) \(two(hour)):\(two(minute)) UTC")
  }

  /// 128 random bits in hex.
  public static func randomNonce() -> String {
    var generator = SystemRandomNumberGenerator()
    return (0..<2).map { _ in
      let hex = String(generator.next() as UInt64, radix: 16)
      return String(repeating: "0", count: 16 - hex.count) + hex
    }.joined()
  }
}

extension String {
  /// Every `target` replaced by `replacement` (without Foundation).
  fileprivate func replacingAll(_ target: Character, with replacement: String) -> String {
    var result = ""
    for character in self { if character == target { result += replacement } else { result.append(character) } }
    return result
  }
}
