import Foundation
import Rendering
import Testing

/// The live chart of a check: exact text for known samples, at a pane's size and a full screen's.
@Suite("LiveChart")
struct LiveChartTests {
  /// A heap that climbs a staircase (doubling, as an array grows) to 3.5 MiB at 120 ms, then falls
  /// back, with a 100 KiB limit: the first exercise's run, sampled every 10 ms.
  static let staircase: [MemoryChart.Point] = (0...30).map { step in
    let bytes: UInt64 =
      switch step {
      case 0: 0
      case 1...2: 224 << 10
      case 3...5: 448 << 10
      case 6...8: 896 << 10
      case 9...10: 1792 << 10
      case 11...12: 3584 << 10
      default: 0
      }
    return MemoryChart.Point(milliseconds: Double(step) * 10, heapBytes: bytes)
  }
  static let staircaseInput = LiveChart.Input(
    points: staircase, limit: 100 << 10, peak: LiveChart.Peak(bytes: 3584 << 10, milliseconds: 120))

  /// A heap that grows steadily under a 2 MiB limit, the resident size 8 MiB above it.
  static let growing: [MemoryChart.Point] = (0...40).map { (step: Int) -> MemoryChart.Point in
    let heap = UInt64(step * 40 * 1024)
    let resident = UInt64(8 << 20) + UInt64(step * 60 * 1024)
    return MemoryChart.Point(milliseconds: Double(step) * 25, heapBytes: heap, residentBytes: resident)
  }

  static let unicode = TerminalCapabilities(colours: .none, unicode: true)

  func text(
    _ input: LiveChart.Input, _ width: Int, _ height: Int, _ capabilities: TerminalCapabilities = unicode,
    glyphs: LiveChart.Glyphs? = nil
  ) -> String {
    let grid = LiveChart.render(input, width: width, height: height, capabilities: capabilities, glyphs: glyphs)
    #expect(grid.width == width && grid.height == height)
    return grid.plainText()
  }

  @Test(
    "a pane of 76 × 12: the staircase in Braille, the limit crossed (a heavier rule across the heap), the peak marked, the legend's words"
  )
  func brailleStaircase() {
    #expect(
      text(Self.staircaseInput, 76, 12) == """
          4.0 MiB ┤                          ▲
                  │                       ⢰⣶⣶⣶⣶
                  │                       ⢸⣿⣿⣿⣿
                  │                       ⢸⣿⣿⣿⣿
                  │                       ⢸⣿⣿⣿⣿
                  │                   ⢠⣤⣤⣤⣼⣿⣿⣿⣿
                  │                   ⢸⣿⣿⣿⣿⣿⣿⣿⣿
                  │             ⣀⣀⣀⣀⣀⣀⣸⣿⣿⣿⣿⣿⣿⣿⣿
                  │             ⣿⣿⣿⣿⣿⣿⣿⣿⣿⣿⣿⣿⣿⣿⣿
        100.0 KiB ┼──━━━━━━━━━━━━━━━━━━━━━━━━━━─────────────────────────────────────
                0 └0 ms                                                       300 ms
        peak 3.5 MiB at 120 ms · limit 100.0 KiB · over by 3.4 MiB, first at 10 ms

        """)
  }

  @Test("the blocks fallback")
  func blocks() {
    #expect(
      text(Self.staircaseInput, 76, 12, glyphs: .blocks) == """
          4.0 MiB ┤                          ▲
                  │                       ▆▆▆▆▆
                  │                       █████
                  │                       █████
                  │                       █████
                  │                   ▃▃▃▃█████
                  │                   █████████
                  │             ▂▂▂▂▂▂█████████
                  │      ▁▁▁▁▁▁▁███████████████
        100.0 KiB ┼──━━━━━━━━━━━━━━━━━━━━━━━━━━─────────────────────────────────────
                0 └0 ms                                                       300 ms
        peak 3.5 MiB at 120 ms · limit 100.0 KiB · over by 3.4 MiB, first at 10 ms

        """)
  }

  @Test("plain ASCII without colour: # for the heap, - and = for the limit, * for the peak")
  func ascii() {
    #expect(
      text(Self.staircaseInput, 76, 12, .plain) == """
          4.0 MiB +                          *
                  |                       #####
                  |                       #####
                  |                       #####
                  |                       #####
                  |                       #####
                  |                   #########
                  |                   #########
                  |             ###############
        100.0 KiB +--==========================-------------------------------------
                0 +0 ms                                                       300 ms
        peak 3.5 MiB at 120 ms; limit 100.0 KiB; over by 3.4 MiB, first at 10 ms

        """)
  }

  @Test("the smallest size, 20 × 5: the labels make room for the peak's mark, the legend keeps the peak")
  func smallest() {
    #expect(
      text(Self.staircaseInput, 20, 5) == """
          4.0 MiB ┤   ⣶
                  │  ⢀⣿
        100.0 KiB ┼━━━━─────
                0 └   ▲
        peak 3.5 MiB

        """)
    #expect(
      text(Self.staircaseInput, 20, 5, .plain) == """
          4.0 MiB +   #
                  |   #
        100.0 KiB +====-----
                0 +   *
        peak 3.5 MiB

        """)
  }

  @Test("the resident size as dots above the heap, the limit not reached (dots where the heap is under it), headroom")
  func residentAndHeadroom() {
    #expect(
      text(LiveChart.Input(points: Self.growing, durationMilliseconds: 1500, limit: 2 << 20), 76, 12) == """
        12.0 MiB ┤
                 │                                 ⣀⣀⣀⣀⣀⡠⠤⠤⠤⠤⠤⠤⠤⠤⠤⠤⠤⠤⠤⠤⠤⠤⠤⠤⠤⠤⠤⠤⠤⠤⠤⠤⠤
                 │           ⣀⣀⣀⣀⣀⡠⠤⠤⠤⠤⠤⠒⠒⠒⠒⠒⠊⠉⠉⠉⠉⠉
                 │⠒⠒⠒⠒⠒⠊⠉⠉⠉⠉⠉
                 │
                 │
                 │
                 │                                            ▲
         2.0 MiB ┼──────────────────────────────────────⢒⣒⣒⣒⣒⣒⣒⣒⣒⣒⣒⣒⣒⣒⣒⣒⣒⣒⣒⣒⣒⣒⣒⣒⣒⣒⣒⣒
                 │ ⣀⣀⣀⣀⣀⣀⣀⣀⣀⣀⣀⣀⣤⣤⣤⣤⣤⣤⣤⣤⣤⣶⣶⣶⣶⣶⣶⣶⣾⣿⣿⣿⣿⣿⣿⣿⣿⣿⣿⣿⣿⣿⣿⣿⣿⣿⣿⣿⣿⣿⣿⣿⣿⣿⣿⣿⣿⣿⣿⣿⣿⣿⣿⣿⣿
               0 └0 ms                                                       1500 ms
        peak 1.6 MiB at 1000 ms · limit 2.0 MiB · headroom 448.0 KiB

        """)
  }

  @Test("a full screen of 196 × 40")
  func fullScreen() {
    #expect(
      text(Self.staircaseInput, 196, 40) == """
          4.0 MiB ┤
                  │
                  │
                  │                                                                          ▲
                  │                                                                   ⢀⣀⣀⣀⣀⣀⣀⣀⣀⣀⣀⣀⣀
                  │                                                                   ⢸⣿⣿⣿⣿⣿⣿⣿⣿⣿⣿⣿⣿
                  │                                                                   ⢸⣿⣿⣿⣿⣿⣿⣿⣿⣿⣿⣿⣿
                  │                                                                   ⢸⣿⣿⣿⣿⣿⣿⣿⣿⣿⣿⣿⣿
                  │                                                                   ⢸⣿⣿⣿⣿⣿⣿⣿⣿⣿⣿⣿⣿
                  │                                                                   ⢸⣿⣿⣿⣿⣿⣿⣿⣿⣿⣿⣿⣿
                  │                                                                   ⢸⣿⣿⣿⣿⣿⣿⣿⣿⣿⣿⣿⣿
                  │                                                                   ⢸⣿⣿⣿⣿⣿⣿⣿⣿⣿⣿⣿⣿
                  │                                                                   ⢸⣿⣿⣿⣿⣿⣿⣿⣿⣿⣿⣿⣿
                  │                                                                   ⢸⣿⣿⣿⣿⣿⣿⣿⣿⣿⣿⣿⣿
                  │                                                                   ⢸⣿⣿⣿⣿⣿⣿⣿⣿⣿⣿⣿⣿
                  │                                                                   ⢸⣿⣿⣿⣿⣿⣿⣿⣿⣿⣿⣿⣿
                  │                                                                   ⢸⣿⣿⣿⣿⣿⣿⣿⣿⣿⣿⣿⣿
                  │                                                                   ⢸⣿⣿⣿⣿⣿⣿⣿⣿⣿⣿⣿⣿
                  │                                                                   ⢸⣿⣿⣿⣿⣿⣿⣿⣿⣿⣿⣿⣿
                  │                                                                   ⢸⣿⣿⣿⣿⣿⣿⣿⣿⣿⣿⣿⣿
                  │                                                                   ⢸⣿⣿⣿⣿⣿⣿⣿⣿⣿⣿⣿⣿
                  │                                                       ⢰⣶⣶⣶⣶⣶⣶⣶⣶⣶⣶⣶⣾⣿⣿⣿⣿⣿⣿⣿⣿⣿⣿⣿⣿
                  │                                                       ⢸⣿⣿⣿⣿⣿⣿⣿⣿⣿⣿⣿⣿⣿⣿⣿⣿⣿⣿⣿⣿⣿⣿⣿⣿
                  │                                                       ⢸⣿⣿⣿⣿⣿⣿⣿⣿⣿⣿⣿⣿⣿⣿⣿⣿⣿⣿⣿⣿⣿⣿⣿⣿
                  │                                                       ⢸⣿⣿⣿⣿⣿⣿⣿⣿⣿⣿⣿⣿⣿⣿⣿⣿⣿⣿⣿⣿⣿⣿⣿⣿
                  │                                                       ⢸⣿⣿⣿⣿⣿⣿⣿⣿⣿⣿⣿⣿⣿⣿⣿⣿⣿⣿⣿⣿⣿⣿⣿⣿
                  │                                                       ⢸⣿⣿⣿⣿⣿⣿⣿⣿⣿⣿⣿⣿⣿⣿⣿⣿⣿⣿⣿⣿⣿⣿⣿⣿
                  │                                                       ⢸⣿⣿⣿⣿⣿⣿⣿⣿⣿⣿⣿⣿⣿⣿⣿⣿⣿⣿⣿⣿⣿⣿⣿⣿
                  │                                                       ⢸⣿⣿⣿⣿⣿⣿⣿⣿⣿⣿⣿⣿⣿⣿⣿⣿⣿⣿⣿⣿⣿⣿⣿⣿
                  │                                     ⣀⣀⣀⣀⣀⣀⣀⣀⣀⣀⣀⣀⣀⣀⣀⣀⣀⣀⣸⣿⣿⣿⣿⣿⣿⣿⣿⣿⣿⣿⣿⣿⣿⣿⣿⣿⣿⣿⣿⣿⣿⣿⣿
                  │                                     ⣿⣿⣿⣿⣿⣿⣿⣿⣿⣿⣿⣿⣿⣿⣿⣿⣿⣿⣿⣿⣿⣿⣿⣿⣿⣿⣿⣿⣿⣿⣿⣿⣿⣿⣿⣿⣿⣿⣿⣿⣿⣿⣿
                  │                                     ⣿⣿⣿⣿⣿⣿⣿⣿⣿⣿⣿⣿⣿⣿⣿⣿⣿⣿⣿⣿⣿⣿⣿⣿⣿⣿⣿⣿⣿⣿⣿⣿⣿⣿⣿⣿⣿⣿⣿⣿⣿⣿⣿
                  │                                     ⣿⣿⣿⣿⣿⣿⣿⣿⣿⣿⣿⣿⣿⣿⣿⣿⣿⣿⣿⣿⣿⣿⣿⣿⣿⣿⣿⣿⣿⣿⣿⣿⣿⣿⣿⣿⣿⣿⣿⣿⣿⣿⣿
                  │                  ⢀⣀⣀⣀⣀⣀⣀⣀⣀⣀⣀⣀⣀⣀⣀⣀⣀⣀⣀⣿⣿⣿⣿⣿⣿⣿⣿⣿⣿⣿⣿⣿⣿⣿⣿⣿⣿⣿⣿⣿⣿⣿⣿⣿⣿⣿⣿⣿⣿⣿⣿⣿⣿⣿⣿⣿⣿⣿⣿⣿⣿⣿
                  │                  ⢸⣿⣿⣿⣿⣿⣿⣿⣿⣿⣿⣿⣿⣿⣿⣿⣿⣿⣿⣿⣿⣿⣿⣿⣿⣿⣿⣿⣿⣿⣿⣿⣿⣿⣿⣿⣿⣿⣿⣿⣿⣿⣿⣿⣿⣿⣿⣿⣿⣿⣿⣿⣿⣿⣿⣿⣿⣿⣿⣿⣿⣿
                  │                  ⢸⣿⣿⣿⣿⣿⣿⣿⣿⣿⣿⣿⣿⣿⣿⣿⣿⣿⣿⣿⣿⣿⣿⣿⣿⣿⣿⣿⣿⣿⣿⣿⣿⣿⣿⣿⣿⣿⣿⣿⣿⣿⣿⣿⣿⣿⣿⣿⣿⣿⣿⣿⣿⣿⣿⣿⣿⣿⣿⣿⣿⣿
                  │      ⣿⣿⣿⣿⣿⣿⣿⣿⣿⣿⣿⣿⣿⣿⣿⣿⣿⣿⣿⣿⣿⣿⣿⣿⣿⣿⣿⣿⣿⣿⣿⣿⣿⣿⣿⣿⣿⣿⣿⣿⣿⣿⣿⣿⣿⣿⣿⣿⣿⣿⣿⣿⣿⣿⣿⣿⣿⣿⣿⣿⣿⣿⣿⣿⣿⣿⣿⣿⣿⣿⣿⣿⣿⣿
        100.0 KiB ┼──────━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━─────────────────────────────────────────────────────────────────────────────────────────────────────────
                0 └0 ms                                                                                                                                                                               300 ms
        peak 3.5 MiB at 120 ms · limit 100.0 KiB · over by 3.4 MiB, first at 10 ms

        """)
    #expect(
      text(LiveChart.Input(points: Self.growing, durationMilliseconds: 1500, limit: 2 << 20), 196, 40) == """
        12.0 MiB ┤
                 │
                 │
                 │
                 │
                 │                                                                                                                  ⢀⣀⣀⡠⠤⠤⠤⠤⠤⠤⠒⠒⠒⠒⠒⠒⠒⠒⠒⠒⠒⠒⠒⠒⠒⠒⠒⠒⠒⠒⠒⠒⠒⠒⠒⠒⠒⠒⠒⠒⠒⠒⠒⠒⠒⠒⠒⠒⠒⠒⠒⠒⠒⠒⠒⠒⠒⠒⠒⠒⠒⠒⠒⠒⠒⠒⠒⠒⠒⠒⠒⠒
                 │                                                                                                   ⣀⣀⣀⠤⠤⠤⠒⠒⠒⠒⠒⠒⠊⠉⠉⠁
                 │                                                                                ⢀⣀⣀⣀⣀⣀⡠⠤⠤⠔⠒⠒⠒⠉⠉⠉⠉⠉⠉
                 │                                                                 ⣀⣀⣀⠤⠤⠤⠤⠤⠤⠒⠒⠒⠊⠉⠉⠁
                 │                                                 ⢀⣀⣀⡠⠤⠤⠔⠒⠒⠒⠒⠒⠒⠉⠉⠉
                 │                               ⣀⣀⣀⣀⣀⣀⠤⠤⠤⠒⠒⠒⠉⠉⠉⠉⠉⠉⠁
                 │               ⢀⣀⣀⡠⠤⠤⠔⠒⠒⠒⠒⠒⠊⠉⠉⠉
                 │⣀⣀⣀⠤⠤⠤⠒⠒⠒⠉⠉⠉⠉⠉⠉⠁
                 │
                 │
                 │
                 │
                 │
                 │
                 │
                 │
                 │
                 │
                 │
                 │
                 │
                 │
                 │
                 │
                 │
                 │
                 │
         2.0 MiB ┼────────────────────────────────────────────────────────────────────────────────────────────────────────────────────────────▲─────────────────────────────────────────────────────────────
                 │                                                                                                         ⣀⣀⣀⣀⣀⣀⣠⣤⣤⣤⣤⣤⣴⣶⣶⣶⣶⣶⣶⣿⣿⣿⣿⣿⣿⣿⣿⣿⣿⣿⣿⣿⣿⣿⣿⣿⣿⣿⣿⣿⣿⣿⣿⣿⣿⣿⣿⣿⣿⣿⣿⣿⣿⣿⣿⣿⣿⣿⣿⣿⣿⣿⣿⣿⣿⣿⣿⣿⣿⣿⣿⣿⣿⣿⣿⣿⣿⣿⣿⣿⣿
                 │                                                                                ⢀⣀⣀⣀⣀⣀⣠⣤⣤⣤⣤⣤⣤⣶⣶⣶⣶⣶⣶⣿⣿⣿⣿⣿⣿⣿⣿⣿⣿⣿⣿⣿⣿⣿⣿⣿⣿⣿⣿⣿⣿⣿⣿⣿⣿⣿⣿⣿⣿⣿⣿⣿⣿⣿⣿⣿⣿⣿⣿⣿⣿⣿⣿⣿⣿⣿⣿⣿⣿⣿⣿⣿⣿⣿⣿⣿⣿⣿⣿⣿⣿⣿⣿⣿⣿⣿⣿⣿⣿⣿⣿⣿⣿⣿⣿⣿⣿⣿⣿⣿⣿⣿⣿⣿⣿⣿
                 │                                                       ⢀⣀⣀⣀⣀⣀⣀⣤⣤⣤⣤⣤⣤⣶⣶⣶⣶⣶⣶⣿⣿⣿⣿⣿⣿⣿⣿⣿⣿⣿⣿⣿⣿⣿⣿⣿⣿⣿⣿⣿⣿⣿⣿⣿⣿⣿⣿⣿⣿⣿⣿⣿⣿⣿⣿⣿⣿⣿⣿⣿⣿⣿⣿⣿⣿⣿⣿⣿⣿⣿⣿⣿⣿⣿⣿⣿⣿⣿⣿⣿⣿⣿⣿⣿⣿⣿⣿⣿⣿⣿⣿⣿⣿⣿⣿⣿⣿⣿⣿⣿⣿⣿⣿⣿⣿⣿⣿⣿⣿⣿⣿⣿⣿⣿⣿⣿⣿⣿⣿⣿⣿⣿⣿⣿⣿⣿⣿⣿⣿⣿⣿
                 │                               ⣀⣀⣀⣀⣀⣀⣤⣤⣤⣤⣤⣤⣶⣶⣶⣶⣶⣶⣾⣿⣿⣿⣿⣿⣿⣿⣿⣿⣿⣿⣿⣿⣿⣿⣿⣿⣿⣿⣿⣿⣿⣿⣿⣿⣿⣿⣿⣿⣿⣿⣿⣿⣿⣿⣿⣿⣿⣿⣿⣿⣿⣿⣿⣿⣿⣿⣿⣿⣿⣿⣿⣿⣿⣿⣿⣿⣿⣿⣿⣿⣿⣿⣿⣿⣿⣿⣿⣿⣿⣿⣿⣿⣿⣿⣿⣿⣿⣿⣿⣿⣿⣿⣿⣿⣿⣿⣿⣿⣿⣿⣿⣿⣿⣿⣿⣿⣿⣿⣿⣿⣿⣿⣿⣿⣿⣿⣿⣿⣿⣿⣿⣿⣿⣿⣿⣿⣿⣿⣿⣿⣿⣿⣿⣿⣿⣿⣿⣿⣿⣿⣿⣿⣿⣿⣿
                 │   ⣀⣀⣀⣀⣀⣀⣀⣀⣀⣤⣤⣤⣤⣤⣤⣴⣶⣶⣶⣶⣶⣾⣿⣿⣿⣿⣿⣿⣿⣿⣿⣿⣿⣿⣿⣿⣿⣿⣿⣿⣿⣿⣿⣿⣿⣿⣿⣿⣿⣿⣿⣿⣿⣿⣿⣿⣿⣿⣿⣿⣿⣿⣿⣿⣿⣿⣿⣿⣿⣿⣿⣿⣿⣿⣿⣿⣿⣿⣿⣿⣿⣿⣿⣿⣿⣿⣿⣿⣿⣿⣿⣿⣿⣿⣿⣿⣿⣿⣿⣿⣿⣿⣿⣿⣿⣿⣿⣿⣿⣿⣿⣿⣿⣿⣿⣿⣿⣿⣿⣿⣿⣿⣿⣿⣿⣿⣿⣿⣿⣿⣿⣿⣿⣿⣿⣿⣿⣿⣿⣿⣿⣿⣿⣿⣿⣿⣿⣿⣿⣿⣿⣿⣿⣿⣿⣿⣿⣿⣿⣿⣿⣿⣿⣿⣿⣿⣿⣿⣿⣿⣿⣿⣿⣿⣿⣿⣿⣿⣿⣿⣿⣿⣿
               0 └0 ms                                                                                                                                                                               1500 ms
        peak 1.6 MiB at 1000 ms · limit 2.0 MiB · headroom 448.0 KiB · resident 10.3 MiB

        """)
  }

  @Test(
    "the scale's top comes from the exact peak: runs whose samples missed it by different amounts draw the same top")
  func sameExactPeakSameScale() {
    let peak = LiveChart.Peak(bytes: 3584 << 10, milliseconds: 40)
    let runs: [[MemoryChart.Point]] = [
      [MemoryChart.Point(milliseconds: 0, heapBytes: 0), MemoryChart.Point(milliseconds: 50, heapBytes: 3174 << 10)],
      [MemoryChart.Point(milliseconds: 0, heapBytes: 0), MemoryChart.Point(milliseconds: 50, heapBytes: 3500 << 10)],
    ]
    let tops = runs.map { points in
      LiveChart.render(
        LiveChart.Input(points: points, limit: 100 << 10, peak: peak), width: 40, height: 8,
        capabilities: Self.unicode
      ).lines()[0]
    }
    #expect(tops.map { $0.prefix(11) } == ["  4.0 MiB ┤", "  4.0 MiB ┤"])
  }

  @Test("a column keeps the largest of its samples: one spike among 3,000 samples stays in sight")
  func spikeSurvives() {
    var points = (0..<3000).map { MemoryChart.Point(milliseconds: Double($0), heapBytes: 1 << 10) }
    points[1234].heapBytes = 1 << 20
    let grid = LiveChart.render(
      LiveChart.Input(points: points), width: 76, height: 12, capabilities: Self.unicode)
    // The spike reaches the top; nothing else is above the bottom row.
    for row in 0..<9 {
      let marks = (9..<76).filter { grid[row, $0].character != " " }
      #expect(marks == [36], "row \(row): \(grid.plainText())")
    }
    #expect(grid.lines().last == "peak 1.0 MiB at 1234 ms")
  }

  @Test("colours: the heap over the limit and the crossed limit in red; none at all without colour")
  func colours() {
    let rich = LiveChart.render(
      Self.staircaseInput, width: 76, height: 12, capabilities: TerminalCapabilities(colours: .extended, unicode: true))
    #expect(rich[9, 20].style.foreground == TerminalColor(196), "the crossed limit's rule")
    #expect(rich[8, 30].style.foreground == TerminalColor(203), "the heap above the limit")
    #expect(rich.text(for: .rich).contains("\u{1B}[0;38;5;203m"))
    let plain = LiveChart.render(Self.staircaseInput, width: 76, height: 12, capabilities: Self.unicode)
    #expect(plain.text(for: Self.unicode).contains("\u{1B}") == false)
    let under = LiveChart.render(
      LiveChart.Input(points: Self.growing, limit: 2 << 20), width: 76, height: 12,
      capabilities: TerminalCapabilities(colours: .basic, unicode: true))
    #expect(under[8, 12].style.foreground == TerminalColor(220), "a limit not crossed")
  }

  @Test("nothing yet, and sizes down to nothing, still draw")
  func edges() {
    let empty = LiveChart.render(LiveChart.Input(points: []), width: 20, height: 5, capabilities: Self.unicode)
    #expect(empty.lines().last == "no samples yet")
    for (width, height) in [(0, 0), (1, 1), (5, 2), (200, 60)] {
      let grid = LiveChart.render(Self.staircaseInput, width: width, height: height, capabilities: .plain)
      #expect(grid.width == max(width, 1) && grid.height == max(height, 1))
    }
  }
}
