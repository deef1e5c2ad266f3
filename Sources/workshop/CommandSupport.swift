import Foundation

/// One line on standard error, prefixed with `workshop:` (every command's warnings).
func say(_ message: String) {
  FileHandle.standardError.write(Data("workshop: \(message)\n".utf8))
}
