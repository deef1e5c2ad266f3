#if canImport(Glibc)
  import Glibc
#endif
import CNcursesw
import Rendering

/// A full-screen pager for rendered lessons, on ncursesw: scroll, search, jump between headings, reveal
/// hidden blocks, `q` to quit.
///
/// Keys: `j`/`↓`/Enter down, `k`/`↑` up, Space/`f`/PgDn and `b`/PgUp by pages, `d`/`u` by half pages,
/// `g`/Home and `G`/End, `/` search, `n`/`N` next and previous match, `]`/`[` next and previous heading,
/// `r` reveal or hide hints and solutions, `q` quit.
public final class Pager {
  private let title: String
  private let render: (_ width: Int, _ reveal: Bool) -> LessonRendering
  private var rendering = LessonRendering(lines: [], headingLines: [])
  private var top = 0
  private var reveal = false
  private var query = ""
  private var message = ""
  private var width = 0

  /// Makes a pager; `render` lays the lesson out for a width, hidden blocks revealed or not.
  public init(title: String, render: @escaping (_ width: Int, _ reveal: Bool) -> LessonRendering) {
    self.title = title
    self.render = render
  }

  /// What `getch` returns (ncurses' ERR) when reading keys fails.
  private let terminalGone: Int32 = -1

  /// The next key; a read interrupted by a signal is tried again, any other failure is
  /// ``terminalGone``.
  private func readKey() -> Int32 {
    while true {
      errno = 0
      let key = cn_getch()
      if key != terminalGone || errno != EINTR { return key }
    }
  }

  private var pageHeight: Int { max(1, Int(cn_lines()) - 1) }
  private var maxTop: Int { max(0, rendering.lines.count - pageHeight) }

  /// Runs until the user quits. Returns false when the screen could not be set up.
  @discardableResult
  public func run() -> Bool {
    cn_setlocale()
    guard cn_start() == 0 else { return false }
    defer { cn_stop() }
    relayout()
    while true {
      draw()
      let key = readKey()
      if key == Int32(UInt8(ascii: "q")) || key == Int32(UInt8(ascii: "Q")) { break }
      // A blocking read fails only when the terminal is gone (hung up, closed): leave, or this
      // loop would spin at full speed with nobody to read it.
      if key == terminalGone { break }
      handle(key)
    }
    return true
  }

  private func relayout() {
    let anchor = rendering.lines.isEmpty ? 0 : Double(top) / Double(max(1, rendering.lines.count))
    width = Int(cn_cols())
    rendering = render(max(20, width - 1), reveal)
    top = min(maxTop, Int(anchor * Double(rendering.lines.count)))
  }

  private func handle(_ key: Int32) {
    message = ""
    func ascii(_ c: Character) -> Int32 { Int32(c.asciiValue!) }
    switch key {
    case ascii("j"), cn_key_down(), 10, 13, cn_key_enter(): top = min(maxTop, top + 1)
    case ascii("k"), cn_key_up(): top = max(0, top - 1)
    case ascii(" "), ascii("f"), cn_key_npage(), 6: top = min(maxTop, top + pageHeight)
    case ascii("b"), cn_key_ppage(), 2: top = max(0, top - pageHeight)
    case ascii("d"): top = min(maxTop, top + pageHeight / 2)
    case ascii("u"): top = max(0, top - pageHeight / 2)
    case ascii("g"), ascii("<"), cn_key_home(): top = 0
    case ascii("G"), ascii(">"), cn_key_end(): top = maxTop
    case ascii("]"), ascii("}"), ascii("\t"):
      if let next = rendering.headingLines.first(where: { $0 > top }) {
        top = min(maxTop, next)
        if next > maxTop { message = "last heading" }
      } else {
        message = "no more headings"
      }
    case ascii("["), ascii("{"):
      if let previous = rendering.headingLines.last(where: { $0 < top }) { top = previous } else { top = 0 }
    case ascii("/"):
      if let text = prompt("/") {
        if !text.isEmpty { query = text }
        search(forward: true, from: top)
      }
    case ascii("n"): search(forward: true, from: top + 1)
    case ascii("N"): search(forward: false, from: top - 1)
    case ascii("r"):
      reveal.toggle()
      relayout()
      message = reveal ? "hints and solutions revealed" : "hints and solutions hidden"
    case cn_key_resize(): relayout()
    default: break
    }
  }

  private func search(forward: Bool, from start: Int) {
    guard !query.isEmpty else {
      message = "no search pattern"
      return
    }
    let needle = query.lowercased()
    let indices = Array(rendering.lines.indices)
    let order =
      forward
      ? Array(indices.filter { $0 >= start } + indices.filter { $0 < start })
      : Array(indices.filter { $0 <= start }.reversed() + indices.filter { $0 > start }.reversed())
    if let found = order.first(where: { rendering.lines[$0].plainText.lowercased().contains(needle) }) {
      top = min(maxTop, found)
      if (forward && found < start) || (!forward && found > start) { message = "search wrapped" }
    } else {
      message = "pattern not found: \(query)"
    }
  }

  private func prompt(_ label: String) -> String? {
    var bytes: [UInt8] = []
    while true {
      cn_attrset(cn_a_normal())
      _ = cn_move(Int32(pageHeight), 0)
      cn_clrtoeol()
      _ = cn_addstr(label + String(decoding: bytes, as: UTF8.self))
      cn_refresh()
      let key = readKey()
      switch key {
      case terminalGone: return nil
      case 10, 13, cn_key_enter(): return String(decoding: bytes, as: UTF8.self)
      case 27, 7: return nil
      case cn_key_backspace(), 127, 8:
        if bytes.isEmpty { return nil }
        bytes.removeLast()
        while let last = bytes.last, last & 0xC0 == 0x80 { bytes.removeLast() }
        if let last = bytes.last, last & 0xC0 == 0xC0 { bytes.removeLast() }
      case 32...255: bytes.append(UInt8(key))
      default: break
      }
    }
  }

  private func attributes(_ style: CellStyle, match: Bool) -> UInt32 {
    var attrs = cn_a_normal()
    if style.bold { attrs |= cn_a_bold() }
    if style.dim { attrs |= cn_a_dim() }
    if style.italic { attrs |= cn_a_italic() }
    if style.underline { attrs |= cn_a_underline() }
    if style.inverse || match { attrs |= cn_a_reverse() }
    // The pager sets up colour pairs for the eight basic colours, all that lesson text uses.
    if let color = style.foreground, color.index < 8 { attrs |= cn_color_pair(Int32(color.index) + 1) }
    return attrs
  }

  private func draw() {
    cn_erase()
    let needle = Array(query.lowercased())
    for row in 0..<pageHeight {
      let index = top + row
      guard index < rendering.lines.count else { break }
      _ = cn_move(Int32(row), 0)
      var characters: [(Character, CellStyle)] = []
      for span in rendering.lines[index].spans {
        for ch in span.text { characters.append((ch, span.style)) }
      }
      var matched = Array(repeating: false, count: characters.count)
      if !needle.isEmpty, characters.count >= needle.count {
        let lowered = characters.map { Character($0.0.lowercased()) }
        for start in 0...(lowered.count - needle.count)
        where lowered[start..<(start + needle.count)].elementsEqual(needle) {
          for offset in 0..<needle.count { matched[start + offset] = true }
        }
      }
      var column = 0
      for (position, (ch, style)) in characters.enumerated() {
        let w = ch.displayWidth
        if column + w > width - 1 { break }
        cn_attrset(attributes(style, match: matched[position]))
        _ = cn_addstr(String(ch))
        column += w
      }
    }
    cn_attrset(cn_a_reverse())
    _ = cn_move(Int32(pageHeight), 0)
    cn_clrtoeol()
    let total = rendering.lines.count
    let last = min(total, top + pageHeight)
    let percent = total == 0 ? 100 : last * 100 / total
    var status = " \(title) — lines \(min(total, top + 1))–\(last) of \(total) (\(percent)%)"
    status += message.isEmpty ? "  / search  n next  ] heading  r reveal  q quit " : "  \(message) "
    var clipped = ""
    var used = 0
    for ch in status {
      if used + ch.displayWidth > width - 1 { break }
      clipped.append(ch)
      used += ch.displayWidth
    }
    _ = cn_addstr(clipped + String(repeating: " ", count: max(0, width - 1 - used)))
    cn_attrset(cn_a_normal())
    cn_refresh()
  }
}
