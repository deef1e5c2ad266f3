import MemoryAnalysis
import Symbols
import TextWidth

/// A frame's label made to fit a width without losing where the frame is: the function's name is
/// shortened first (its argument labels, then its end), the line kept, so that two frames of one
/// function cut to the same width still tell apart (`summarizeReadings(…) :19`, not
/// `summarizeReadings(…`). The icicle, `summary` and `stats` cut labels with it.
public enum FrameLabelText {
  /// `label` (`function (File.swift:19)`, as ``Symbols/SymbolizedFrame/label`` writes it) with
  /// `detail` (a size) after it, in at most `columns` columns. What goes first when it does not
  /// fit: the argument labels (`f(_:into:)` → `f(…)`), the detail, the file name (`(File.swift:19)`
  /// → `:19`), then the end of the function's name. A label without a line is cut at its end.
  public static func fit(_ label: String, detail: String? = nil, to columns: Int, unicode: Bool) -> String {
    let ellipsis = unicode ? "…" : ".."
    let detail = detail.map { " " + $0 } ?? ""
    let whole = label + detail
    guard DisplayWidth.of(whole) > columns else { return whole }
    guard columns > 0 else { return "" }
    let (function, location) = split(label)
    let short = shortArguments(function, ellipsis: ellipsis)
    let place = location.map { " (\($0))" } ?? ""
    let line = location.flatMap(lineSuffix).map { " :" + $0 }
    var candidates = [short + place + detail, short + place]
    if let line { candidates.append(short + line) }
    for candidate in candidates where DisplayWidth.of(candidate) <= columns { return candidate }
    // The name's end goes; at least two of its characters and the ellipsis stay before the line.
    if let line, columns - DisplayWidth.of(line) >= 2 + DisplayWidth.of(ellipsis) {
      return DisplayWidth.truncate(short, to: columns - DisplayWidth.of(line), ellipsis: ellipsis) + line
    }
    return DisplayWidth.truncate(short + (line ?? place), to: columns, ellipsis: ellipsis)
  }

  /// A node's label: its frame's, with how many calls a folded recursion stands for
  /// (`fib(_:) ×60 (Fib.swift:5)`), or the root's.
  public static func label(_ tree: AllocationTree, node: Int, unicode: Bool) -> String {
    let depth = tree[node].recursionDepth
    guard depth > 1, let frame = tree[node].frame else { return tree.label(of: node) }
    let times = "\(unicode ? "×" : "x")\(depth)"
    guard let function = frame.function else { return "\(frame.functionName) \(times)" }
    return "\(function) \(times) (\(frame.sourceLocation ?? frame.location.description))"
  }

  /// The function and what is in the label's last parentheses (`File.swift:19`), if any.
  static func split(_ label: String) -> (function: String, location: String?) {
    guard label.hasSuffix(")"), let open = label.dropLast().lastIndex(of: "("), open > label.startIndex,
      label[label.index(before: open)] == " "
    else { return (label, nil) }
    let inside = label[label.index(after: open)..<label.index(before: label.endIndex)]
    guard !inside.isEmpty, !inside.contains(")") else { return (label, nil) }
    return (String(label[..<label.index(before: open)]), String(inside))
  }

  /// `19` of `File.swift:19`.
  static func lineSuffix(_ location: String) -> String? {
    guard let colon = location.lastIndex(of: ":") else { return nil }
    let line = location[location.index(after: colon)...]
    return !line.isEmpty && line.allSatisfy(\.isNumber) ? String(line) : nil
  }

  /// `f(_:into:)` → `f(…)`: the argument list at the end of a name, emptied.
  static func shortArguments(_ function: String, ellipsis: String) -> String {
    guard function.hasSuffix(")") else { return function }
    var depth = 0
    var index = function.endIndex
    while index > function.startIndex {
      index = function.index(before: index)
      switch function[index] {
      case ")": depth += 1
      case "(":
        depth -= 1
        if depth == 0 {
          let inside = function[function.index(after: index)..<function.index(before: function.endIndex)]
          return inside.isEmpty ? function : String(function[...index]) + ellipsis + ")"
        }
      default: break
      }
    }
    return function
  }
}
