// Times reading and rendering a generated 5,000-line lesson. Run with Benchmarks/lesson-render.sh.
import Foundation
import LessonText
import Rendering

let block = """
  Section NUMBER
  ==============

  A paragraph with *emphasis*, **strong** text, ``inline literals``, a :func:`role` and a
  `link <https://example.com/NUMBER>`_ that wraps over a few lines so the renderer has
  something to do. 漢字 takes two columns.

  - a bullet item
  - another item with more words in it

    1. nested enumerated
    2. second

  .. note::

     An admonition with a paragraph.

  .. code-block:: swift

     struct Point { var x: Int; var y: Int }
     let points = (0..<100).map { Point(x: $0, y: $0 * 2) }  // comment

  .. course-hint::

     A hint.

  =====  ======
  A      B
  =====  ======
  1      one
  2      two
  =====  ======


  """
let blockLines = block.split(separator: "\n", omittingEmptySubsequences: false).count - 1
var source = ""
var number = 0
while source.split(separator: "\n", omittingEmptySubsequences: false).count < 5000 {
  number += 1
  source += block.replacingOccurrences(of: "NUMBER", with: String(number))
}
let lineCount = source.split(separator: "\n", omittingEmptySubsequences: false).count
let clock = ContinuousClock()
var best = Duration.seconds(1000)
var bestRender = Duration.seconds(1000)
var outputLines = 0
for _ in 0..<10 {
  let start = clock.now
  let document = LessonDocument(parsing: source, file: "bench.rst")
  let parsed = clock.now
  let rendering = LessonRenderer(options: .init(width: 100, capabilities: .rich)).render(document)
  let text = rendering.grid.text(for: .rich)
  let end = clock.now
  outputLines = rendering.grid.height
  precondition(!text.isEmpty)
  best = min(best, end - start)
  bestRender = min(bestRender, end - parsed)
}
func ms(_ d: Duration) -> String {
  String(format: "%.1f ms", Double(d.components.seconds) * 1000 + Double(d.components.attoseconds) / 1e15)
}
print(
  "\(lineCount) source lines -> \(outputLines) output lines; read + render + serialise: \(ms(best)) (render + serialise alone: \(ms(bestRender))), best of 10"
)
