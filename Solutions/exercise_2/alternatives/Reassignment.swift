// Exercise 2 — alternative: one variable, reassigned.
//
// The smallest change to the shipped code: instead of four constants, one `var` that each step
// replaces. `readings = readings.map(calibrate)` builds the new array while the old one is still
// alive (the map reads it), then the assignment drops the old one. So two buffers are alive at
// once, never more: half the limit rather than a third of it, but it passes, and the code reads
// almost exactly as before.

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

/// Each reading averaged with its two neighbours (the first and last with the one they have).
func smoothed(_ readings: [Int]) -> [Int] {
  var result: [Int] = []
  result.reserveCapacity(readings.count)
  for index in readings.indices {
    let window = max(index - 1, 0)...min(index + 1, readings.count - 1)
    var total = 0
    for neighbour in window { total += readings[neighbour] }
    result.append(total / window.count)
  }
  return result
}

/// The summary of `count` cleaned-up readings.
func summarizeReadings(count: Int) -> ReadingSummary {
  var smooth = rawReadings(count: count)
  smooth = smooth.map(calibrate)
  var glitches = 0
  for index in smooth.indices where clip(smooth[index]) != smooth[index] { glitches += 1 }
  smooth = smooth.map(clip)
  smooth = smoothed(smooth)

  var summary = ReadingSummary(count: smooth.count, mean: 0, highest: Int.min, hotSamples: 0, glitches: glitches)
  var total = 0
  for reading in smooth {
    total += reading
    summary.highest = max(summary.highest, reading)
    if reading > 250 { summary.hotSamples += 1 }
  }
  summary.mean = smooth.isEmpty ? 0 : total / smooth.count
  return summary
}
