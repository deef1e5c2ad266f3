// Exercise 6 — reference solution.
//
// `removeValue(forKey:)` moves the tally out of the dictionary: afterwards the local `tally` is the
// only reference to its array of counts, so `+= 1` writes in place, and putting the tally back
// moves it in again. Out, change, back — the shape of the shipped code, with one call changed.
// The allocations left are the dictionary's and each station's first array of counts.
//
// Another way is in alternatives/: keep the tallies in an array, and only their places in the
// dictionary.

/// One reading from a weather station: which station, and which of the 512 bins it falls into.
struct Reading {
  var station: String
  var bin: Int
}

/// How many readings fell into each bin, for one station.
struct Tally: Equatable {
  static let binCount = 512
  var counts = [Int](repeating: 0, count: Tally.binCount)
}

/// The tallies of `readings`, by station.
func tallyReadings(_ readings: [Reading]) -> [String: Tally] {
  var tallies: [String: Tally] = [:]
  for index in readings.indices {
    let reading = readings[index]
    var tally = tallies.removeValue(forKey: reading.station) ?? Tally()
    tally.counts[reading.bin] += 1
    tallies[reading.station] = tally
  }
  return tallies
}
