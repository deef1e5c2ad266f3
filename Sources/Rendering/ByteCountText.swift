/// Sizes and counts as reports print them.
public enum ByteCountText {
  /// `512 B`, `1.5 KiB`, `12.0 MiB`: binary units, one decimal.
  public static func describe(_ bytes: UInt64) -> String {
    if bytes < 1024 { return "\(bytes) B" }
    let units = ["KiB", "MiB", "GiB", "TiB", "PiB", "EiB"]
    var value = Double(bytes) / 1024
    var unit = 0
    while value >= 1023.95 && unit < units.count - 1 {
      value /= 1024
      unit += 1
    }
    let tenths = Int((value * 10).rounded())
    return "\(tenths / 10).\(tenths % 10) \(units[unit])"
  }

  /// `1,234,567`: thousands grouped with commas.
  public static func grouped(_ count: UInt64) -> String {
    let digits = String(count)
    var result = ""
    for (position, digit) in digits.enumerated() {
      if position > 0 && (digits.count - position) % 3 == 0 { result.append(",") }
      result.append(digit)
    }
    return result
  }

  /// `12.5%`: a share with one decimal; `0.0%` of nothing.
  public static func percent(_ part: UInt64, of whole: UInt64) -> String {
    guard whole > 0 else { return "0.0%" }
    // A share of a damaged capture can be any ratio: bounded, so that the conversion cannot trap.
    let tenths = Int(min(Double(part) / Double(whole) * 1000, 1e15).rounded())
    return "\(tenths / 10).\(tenths % 10)%"
  }

  /// `1 allocation`, `1,204 allocations`: a grouped count and its noun, plural but for one.
  public static func counted(_ count: UInt64, _ noun: String) -> String {
    "\(grouped(count)) \(noun)\(count == 1 ? "" : "s")"
  }

  /// `812 ms` below ten seconds, `12.4 s` from there.
  public static func duration(milliseconds value: Double) -> String {
    value < 10_000 ? "\(Int(value.rounded())) ms" : "\((value / 100).rounded() / 10) s"
  }
}
