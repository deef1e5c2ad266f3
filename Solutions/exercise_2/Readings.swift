// Exercise 2 — reference solution.
//
// The steps are the same, but they all work on one array, in place: each reading is calibrated,
// clipped and smoothed where it lies. The only buffer the workload allocates is the raw readings'.
// The glitches are counted while each reading is clipped, the one moment both values are at hand.
// Smoothing in place needs one extra variable: the reading to the left, as it was before it was
// overwritten.
//
// Other ways to get there are in alternatives/: reassigning one variable, and `consume`.

/// What a day of readings comes to. Temperatures are in tenths of a degree; `glitches` counts the
/// readings outside the sensor's range, which the clip step pinned to it.
struct ReadingSummary: Equatable {
  var count: Int
  var mean: Int
  var highest: Int
  var hotSamples: Int
  var glitches: Int
}

/// The sensor's raw readings, in tenths of a degree: a made-up but repeatable day.
func rawReadings(count: Int) -> [Int] {
  (0..<count).map { sample in
    if sample % 997 == 500 { return 9_999 }   // now and then the sensor glitches
    let daily = (sample % 1_440) - 720        // a slow swing over the day
    let noise = (sample &* 7_919) % 61 - 30   // and some jitter
    return 200 + daily / 6 + noise
  }
}

/// The sensor reads 2 % high and half a degree warm.
func calibrate(_ reading: Int) -> Int {
  reading * 100 / 102 - 5
}

/// Readings outside what the sensor can measure are errors: pin them to its range.
func clip(_ reading: Int) -> Int {
  min(max(reading, -400), 850)
}

/// Replaces each reading with its average with its two neighbours (the first and last with the one
/// they have), in place.
func smooth(_ readings: inout [Int]) {
  guard readings.count > 1 else { return }
  var left = readings[0]   // the left neighbour, before it was smoothed
  for index in readings.indices {
    let here = readings[index]
    var total = here
    var count = 1
    if index > 0 { total += left; count += 1 }
    if index < readings.count - 1 { total += readings[index + 1]; count += 1 }
    readings[index] = total / count
    left = here
  }
}

/// The summary of `count` cleaned-up readings.
func summarizeReadings(count: Int) -> ReadingSummary {
  var readings = rawReadings(count: count)
  var glitches = 0
  for index in readings.indices {
    let calibrated = calibrate(readings[index])
    readings[index] = clip(calibrated)
    if readings[index] != calibrated { glitches += 1 }
  }
  smooth(&readings)

  var summary = ReadingSummary(count: readings.count, mean: 0, highest: Int.min, hotSamples: 0, glitches: glitches)
  var total = 0
  for reading in readings {
    total += reading
    summary.highest = max(summary.highest, reading)
    if reading > 250 { summary.hotSamples += 1 }
  }
  summary.mean = readings.isEmpty ? 0 : total / readings.count
  return summary
}
