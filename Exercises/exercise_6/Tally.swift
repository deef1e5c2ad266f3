// Exercise 6 — The copy on every write
//
// `tallyReadings(_:)` counts, for every station, how many readings fell into each of 512 bins. A
// station's counts are an array inside a struct, kept in a dictionary by station name. Each
// reading takes the station's tally out of the dictionary, adds one to a bin, and puts it back.
// The answer is right. But while the tally is out, the dictionary still refers to the same array
// storage — so adding one to a bin copies all 512 counts first, for every single reading.
//
// Your task: keep the tallies the same, and bring the number of allocations the workload makes
// under the limit in exercise.json (2,000 for 20,000 readings). Run `workshop check 6` to check,
// `workshop lesson 6` for the lesson.

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
    var tally = tallies[reading.station] ?? Tally()
    tally.counts[reading.bin] += 1
    tallies[reading.station] = tally
  }
  return tallies
}
