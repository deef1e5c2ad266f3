// The check for exercise 2: correctness cases first, then the memory workload.

checkCase("no readings", summarizeReadings(count: 0), equals: ReadingSummary(count: 0, mean: 0, highest: Int.min, hotSamples: 0, glitches: 0))
checkCase("one reading", summarizeReadings(count: 1), equals: ReadingSummary(count: 1, mean: 44, highest: 44, hotSamples: 0, glitches: 0))
checkCase("the first five raw readings", Array(rawReadings(count: 5)), equals: [50, 101, 90, 79, 68])
checkCase("a short day", summarizeReadings(count: 10), equals: ReadingSummary(count: 10, mean: 74, highest: 89, hotSamples: 0, glitches: 0))
checkCase("a whole day, with a glitch", summarizeReadings(count: 1_440), equals: ReadingSummary(count: 1_440, mean: 190, highest: 389, hotSamples: 352, glitches: 1))
checkCase("three days", summarizeReadings(count: 4_320), equals: ReadingSummary(count: 4_320, mean: 190, highest: 448, hotSamples: 1_057, glitches: 4))

measureWorkload {
  keep(summarizeReadings(count: 250_000))
}
