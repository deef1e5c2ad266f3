// Exercise 6 — alternative: the tallies in an array, their places in the dictionary.
//
// `found[slot].counts[bin] += 1` changes the tally where it lies in the array: the array is the
// only owner of each tally's counts, so nothing is copied. The dictionary maps a station to its
// slot, a plain `Int`, which is never shared storage. At the end the tallies are put into the
// dictionary the caller expects, once each. Useful when the same tallies are also walked in order.

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
  var slots: [String: Int] = [:]  // where each station's tally is in `found`
  var found: [Tally] = []
  for index in readings.indices {
    let reading = readings[index]
    let slot = slots[reading.station] ?? found.count
    if slot == found.count { slots[reading.station] = slot; found.append(Tally()) }
    found[slot].counts[reading.bin] += 1
  }
  var tallies: [String: Tally] = [:]
  for (station, slot) in slots { tallies[station] = found[slot] }
  return tallies
}
