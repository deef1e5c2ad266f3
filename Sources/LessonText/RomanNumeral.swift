/// Roman numerals, as enumerated lists write them (`i.`, `(iv)`, `XII)`).
public enum RomanNumeral {
  /// The lower-case numeral for `number`, clamped to 1…3999 (what Roman numerals can write).
  public static func lowercase(_ number: Int) -> String {
    let table: [(Int, String)] = [
      (1000, "m"), (900, "cm"), (500, "d"), (400, "cd"), (100, "c"), (90, "xc"), (50, "l"), (40, "xl"), (10, "x"),
      (9, "ix"), (5, "v"), (4, "iv"), (1, "i"),
    ]
    var remainder = max(1, min(number, 3999))
    var text = ""
    for (value, numeral) in table {
      while remainder >= value {
        text += numeral
        remainder -= value
      }
    }
    return text
  }
}
