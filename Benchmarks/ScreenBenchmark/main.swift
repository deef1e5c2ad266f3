// Times putting a 200 × 60 grid on a real terminal through Screen (run inside tmux by
// Benchmarks/screen-draw.sh): every cell changing each frame, and one row changing.
import Foundation
import Rendering
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

  """
try report.write(toFile: output, atomically: true, encoding: .utf8)
