// Exercise 2 — Clinging onto memory
//
// `summarizeReadings(count:)` cleans up a day of temperature readings in four steps — read,
// calibrate, clip, smooth — and summarizes the result. Each step is correct, and each needs the
// previous step's output. But every step's output stays alive until the function returns, long
// after the next step has used it: the summary looks back at three of them for one small figure
// each (how many readings there were, how many were glitches the clip step pinned).
//
// Your task: keep the summary the same, and bring the workload's peak memory under the limit in
// exercise.json (6 MB, for 2 MB of readings). Run `workshop check 2` to check, `workshop lesson 2`
// for the lesson.

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
  let raw = rawReadings(count: count)
  let calibrated = raw.map(calibrate)
  let clipped = calibrated.map(clip)
  let smooth = smoothed(clipped)

  var summary = ReadingSummary(count: raw.count, mean: 0, highest: Int.min, hotSamples: 0, glitches: 0)
  var total = 0
  for index in smooth.indices {
    let reading = smooth[index]
    total += reading
    summary.highest = max(summary.highest, reading)
    if reading > 250 { summary.hotSamples += 1 }
    if clipped[index] != calibrated[index] { summary.glitches += 1 }
  }
  summary.mean = smooth.isEmpty ? 0 : total / smooth.count
  return summary
}
