// Exercise 8 — alternative: no C memory at all.
//
// Cut the line with Swift's own `split`, and read each value with `Int(_:)`. Everything the
// function allocates is then counted by ARC and freed on every path without a word from you. It
// allocates more small things than the C version (an array of pieces per line), and `Int(_:)`
// also accepts a leading `+`, which `strtol` does too. When a C function hands you memory, the
// first question is whether you need that C function.

/// The settings in `line`: `name=value` pairs separated by `;`, each value a whole number. Nil when
/// a pair has no `=` or its value is not a number.
func parseSettings(_ line: String) -> [String: Int]? {
  var settings: [String: Int] = [:]
  for pair in line.split(separator: ";") {
    guard let equals = pair.firstIndex(of: "="),
      let value = Int(pair[pair.index(after: equals)...])
    else { return nil }
    settings[String(pair[..<equals])] = value
  }
  return settings
}
