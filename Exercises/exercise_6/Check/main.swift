// The check for exercise 6: correctness cases first, then the memory workload.

/// `count` made-up but repeatable readings from eight stations.
func readings(count: Int) -> [Reading] {
  let stations = ["Aberdeen", "Bergen", "Cork", "Dundee", "Esbjerg", "Faro", "Galway", "Hull"]
  return (0..<count).map { number in
    Reading(station: stations[(number &* 5) % stations.count], bin: (number &* 7_919) % Tally.binCount)
  }
}

/// A tally's non-empty bins, as "bin:count" pairs: short to compare, and to print.
func nonEmpty(_ tally: Tally?) -> [String] {
  guard let tally else { return ["no tally"] }
  return tally.counts.indices.filter { tally.counts[$0] > 0 }.map { "\($0):\(tally.counts[$0])" }
}

checkCase("no readings, no stations", tallyReadings([]).count, equals: 0)
checkCase("one reading", nonEmpty(tallyReadings([Reading(station: "Cork", bin: 3)])["Cork"]), equals: ["3:1"])
checkCase(
  "two readings in one bin",
  nonEmpty(tallyReadings([Reading(station: "Faro", bin: 511), Reading(station: "Faro", bin: 511)])["Faro"]),
  equals: ["511:2"])
checkCase("a tally has 512 bins", tallyReadings(readings(count: 1))["Aberdeen"]?.counts.count, equals: 512)
let hundred = tallyReadings(readings(count: 100))
checkCase("a hundred readings, by station", hundred.keys.sorted(), equals: ["Aberdeen", "Bergen", "Cork", "Dundee", "Esbjerg", "Faro", "Galway", "Hull"])
checkCase("a hundred readings: Bergen's bins", nonEmpty(hundred["Bergen"]), equals: ["3:1", "35:1", "107:1", "139:1", "171:1", "211:1", "243:1", "275:1", "347:1", "379:1", "411:1", "483:1"])
let many = tallyReadings(readings(count: 20_000))
checkCase("twenty thousand readings: every one counted", many.values.map { $0.counts.reduce(0, +) }.reduce(0, +), equals: 20_000)
checkCase("twenty thousand readings: Hull's fullest bin", many["Hull"]?.counts.max(), equals: 40)

let workload = readings(count: 20_000)
measureWorkload {
  keep(tallyReadings(workload))
}
