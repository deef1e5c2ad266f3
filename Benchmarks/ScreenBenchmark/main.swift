// Times putting a 200 × 60 grid on a real terminal through Screen (run inside tmux by
// Benchmarks/screen-draw.sh): every cell changing each frame, and one row changing; and rendering
// (no terminal) the course screen's live chart and icicle explorer at full-screen sizes.
import Foundation
import MemoryAnalysis
import Rendering
import Symbols
import TerminalUI

let width = 200
let height = 60
let frames = 200

/// A busy grid: coloured boxes with labels, wide characters, every cell styled; `shift` moves it all.
func grid(shift: Int) -> CellGrid {
  var grid = CellGrid(width: width, height: height)
  for row in 0..<height {
    var column = 0
    while column < width {
      let colour = TerminalColor(UInt8(16 + (row * 7 + column + shift) % 216))
      let style = CellStyle(foreground: TerminalColor(16), background: colour, bold: row % 3 == 0)
      column += grid.write("frame_\(row)_\(column + shift) 漢字 ", row: row, column: column, limit: 23, style: style)
      column += 1
    }
  }
  return grid
}

let output = CommandLine.arguments.dropFirst().first ?? "/dev/stderr"
let capabilities = Terminal.standardOutput()
let loop = try EventLoop()
let screen = try Screen(capabilities: capabilities, term: ProcessInfo.processInfo.environment["TERM"] ?? "")
let grids = [grid(shift: 0), grid(shift: 1)]
let clock = ContinuousClock()
var full: [Duration] = []
for frame in 0..<frames {
  let start = clock.now
  screen.draw(grids[frame % 2])
  full.append(clock.now - start)
}
var oneRow: [Duration] = []
var partial = grids[0]
for frame in 0..<frames {
  partial.write(String(repeating: frame % 2 == 0 ? "x" : "y", count: width), row: 30, column: 0)
  let start = clock.now
  screen.draw(partial)
  oneRow.append(clock.now - start)
}
var building: [Duration] = []
for frame in 0..<20 {
  let start = clock.now
  _ = grid(shift: frame)
  building.append(clock.now - start)
}
screen.stop()
_ = loop

// The live chart: 3,000 samples (30 s of 10 ms ticks) of a heap that climbs a staircase and a
// resident size, with a limit it crosses, at 196 × 40.
let samples = (0..<3000).map { tick -> MemoryChart.Point in
  let heap = UInt64(1 << (10 + min(tick / 300, 12))) + UInt64(tick % 97) * 512
  return MemoryChart.Point(milliseconds: Double(tick) * 10, heapBytes: heap, residentBytes: (16 << 20) + heap)
}
let chartInput = LiveChart.Input(
  points: samples, durationMilliseconds: 30_000, limit: 1 << 20,
  peak: LiveChart.Peak(bytes: samples.map(\.heapBytes).max()!, milliseconds: 29_000))
var charting: [Duration] = []
for _ in 0..<frames {
  let start = clock.now
  _ = LiveChart.render(chartInput, width: 196, height: 40, capabilities: capabilities)
  charting.append(clock.now - start)
}

// The explorer: a tree of about 20,000 frames (stacks 6–30 deep over 400 functions, some recursive).
/// A small fixed-seed generator (a linear congruential one): the same tree every run.
struct SeededGenerator {
  var seed: UInt64 = 0x9E37_79B9_7F4A_7C15
  mutating func next(_ bound: Int) -> Int {
    seed = seed &* 6_364_136_223_846_793_005 &+ 1_442_695_040_888_963_407
    return Int((seed >> 33) % UInt64(bound))
  }
}
var random = SeededGenerator()
let functions = (0..<400).map {
  SymbolizedFrame(
    function: "Module.function\($0)(_:label:)", file: "File\($0 % 40).swift", line: $0,
    location: CodeLocation(module: "/home/me/app", offset: UInt64($0)))
}
var builder = AllocationTree.Builder(rootLabel: "app")
for _ in 0..<4000 {
  var stack = (0..<(6 + random.next(12))).map { level in functions[level * 20 + random.next(3 + level)] }
  if random.next(5) == 0 { stack += Array(repeating: functions[399], count: 1 + random.next(12)) }
  builder.add(stack: stack, bytes: UInt64(16 + random.next(65_536)), count: 1)
}
let bigTree = builder.build()
var explorer = IcicleExplorer(tree: bigTree, title: "peak memory")
for _ in 0..<8 { explorer.apply(.heaviestCallee) }
var exploring: [Duration] = []
for frame in 0..<frames {
  explorer.apply(frame % 2 == 0 ? .nextSibling : .previousSibling)
  let start = clock.now
  _ = explorer.render(width: 200, height: 60, capabilities: capabilities)
  exploring.append(clock.now - start)
}

func median(_ durations: [Duration]) -> String {
  let sorted = durations.sorted()
  let d = sorted[sorted.count / 2]
  return String(format: "%.2f ms", Double(d.components.attoseconds) / 1e15 + Double(d.components.seconds) * 1000)
}
let report = """
  \(width)x\(height), \(screen.width)x\(screen.height) terminal, colours \(capabilities.colours), median of \(frames):
  draw, every cell changed: \(median(full))
  draw, one row changed: \(median(oneRow))
  building the busy grid (not drawing): \(median(building))
  LiveChart.render, 3,000 samples at 196x40: \(median(charting))
  IcicleExplorer.render, \(bigTree.nodes.count) frames at 200x60: \(median(exploring))

  """
try report.write(toFile: output, atomically: true, encoding: .utf8)
