// Finds the library preloaded into llvm-symbolizer to inflate debug information faster.
#if canImport(Glibc)
  import Glibc
#endif

/// The library workshop preloads into every llvm-symbolizer it starts,
/// `libworkshop_symbolizer_inflate.so` (Sources/SymbolizerPreload): zlib's `uncompress` through
/// libdeflate, about three times faster, to the same bytes.
///
/// Why: a program's first report waits for the symbolizer to inflate the C library's compressed
/// debug information (45 ms, two thirds of it in zlib), which no symbol cache can spare it: the
/// preload takes that to about 27 ms. Scripts/bootstrap.sh builds it beside the `workshop`
/// executable. Without it, or without libdeflate, the symbolizer runs as it is, with the same answers.
enum SymbolizerPreload {
  /// The library's file name.
  static let fileName = "libworkshop_symbolizer_inflate.so"

  /// The library's path: `WORKSHOP_SYMBOLIZER_PRELOAD` when set (empty: none), else the file beside
  /// the running executable, else in the folder `WORKSHOP_BIN_PATH` names; nil when there is none.
  static func path(environment: [String: String]) -> String? {
    if let explicit = environment["WORKSHOP_SYMBOLIZER_PRELOAD"] {
      return explicit.isEmpty ? nil : explicit
    }
    var candidates: [String] = []
    var buffer = [CChar](repeating: 0, count: Int(PATH_MAX) + 1)
    let length = readlink("/proc/self/exe", &buffer, buffer.count - 1)
    if length > 0 {
      let executable = String(decoding: buffer[0..<length].map { UInt8(bitPattern: $0) }, as: UTF8.self)
      candidates.append(folder(of: executable) + "/" + fileName)
    }
    if let binPath = environment["WORKSHOP_BIN_PATH"], !binPath.isEmpty {
      candidates.append(binPath + "/" + fileName)
    }
    return candidates.first { access($0, R_OK) == 0 }
  }

  /// `environment` with the library first in `LD_PRELOAD`, before whatever it preloads already.
  static func preloading(_ environment: [String: String]) -> [String: String] {
    guard let library = path(environment: environment), !library.contains(" "), !library.contains(":") else {
      return environment
    }
    var result = environment
    let existing = environment["LD_PRELOAD"] ?? ""
    result["LD_PRELOAD"] = existing.isEmpty ? library : library + ":" + existing
    return result
  }

  private static func folder(of path: String) -> String {
    guard let slash = path.lastIndex(of: "/") else { return "." }
    return String(path[..<slash])
  }
}
