// The check for exercise 8: correctness cases first, then the memory workload.

/// Line `number` of a made-up settings file: 60 pairs, and every fifth line is broken near its end
/// (a pair without its `=`, or a value that is not a number).
func settingsLine(_ number: Int) -> String {
  var pairs: [String] = []
  for index in 0..<60 {
    pairs.append("sensor\(index)=\((number &* 31 &+ index &* 7) % 1_000)")
  }
  if number % 10 == 4 { pairs[57] = "sensor57" }
  if number % 10 == 9 { pairs[58] = "sensor58=hot" }
  return pairs.joined(separator: ";")
}

checkCase("one pair", parseSettings("fan=3"), equals: ["fan": 3])
checkCase("two pairs", parseSettings("fan=3;pump=12"), equals: ["fan": 3, "pump": 12])
checkCase("a negative value", parseSettings("offset=-40"), equals: ["offset": -40])
checkCase("an empty line has no settings", parseSettings(""), equals: [:])
checkCase("a pair without =", parseSettings("fan=3;pump"), equals: nil)
checkCase("a value that is not a number", parseSettings("fan=3;pump=fast"), equals: nil)
checkCase("a value with a tail", parseSettings("fan=3x"), equals: nil)
checkCase("an empty value", parseSettings("fan="), equals: nil)
checkCase("a line of the file", parseSettings(settingsLine(1))?["sensor59"], equals: 444)
checkCase("a broken line of the file", parseSettings(settingsLine(4)) == nil, equals: true)
var sizes = 0
var broken = 0
for number in 0..<200 {
  if let settings = parseSettings(settingsLine(number)) { sizes += settings.count } else { broken += 1 }
}
checkCase("two hundred lines: settings read", sizes, equals: 9_600)
checkCase("two hundred lines: broken ones", broken, equals: 40)

measureWorkload {
  // The lines are made inside the workload, so that they are freed by its end: what the workload
  // leaks is then only what parsing leaked.
  let lines = (0..<2_000).map(settingsLine)
  var read = 0
  var rejected = 0
  for index in lines.indices {
    if let settings = parseSettings(lines[index]) { read += settings.count } else { rejected += 1 }
  }
  keep(read)
  keep(rejected)
}
