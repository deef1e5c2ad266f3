/// Syntax colouring for code blocks: Swift, shell and Python; other languages are shown plain.
struct LessonSyntaxHighlighter: Sendable {
  enum Language { case swift, shell, python, none }

  static let swiftKeywords: Set<String> = [
    "actor", "any", "as", "associatedtype", "async", "await", "break", "case", "catch", "class", "continue",
    "default", "defer", "deinit", "do", "else", "enum", "extension", "fallthrough", "false", "fileprivate", "final",
    "for", "func", "guard", "if", "import", "in", "init", "inout", "internal", "is", "let", "lazy", "mutating", "nil",
    "nonisolated", "open", "operator", "override", "private", "protocol", "public", "repeat", "rethrows", "return",
    "self", "Self", "some", "static", "struct", "subscript", "super", "switch", "throw", "throws", "true", "try",
    "typealias", "unowned", "var", "weak", "where", "while", "consuming", "borrowing", "sending",
  ]
  static let shellKeywords: Set<String> = [
    "if", "then", "else", "elif", "fi", "for", "in", "do", "done", "while", "until", "case", "esac", "function",
    "return", "export", "local", "source", "cd", "echo", "set", "unset",
  ]
  static let pythonKeywords: Set<String> = [
    "False", "None", "True", "and", "as", "assert", "async", "await", "break", "class", "continue", "def", "del",
    "elif", "else", "except", "finally", "for", "from", "global", "if", "import", "in", "is", "lambda", "nonlocal",
    "not", "or", "pass", "raise", "return", "try", "while", "with", "yield", "self",
  ]

  let language: Language
  let color: Bool
  private var inBlockComment = false
  private var tripleQuote: String?

  /// A highlighter for a code block's language (`swift`, `shell`/`bash`/`sh`/`console`, `python`/`py`);
  /// with `color` off every line is plain.
  init(language: String?, color: Bool) {
    switch language?.lowercased() {
    case "swift": self.language = .swift
    case "shell", "bash", "sh", "console", "zsh", "shell-session", "sh-session": self.language = .shell
    case "python", "py", "python3", "pycon", "ipython": self.language = .python
    default: self.language = .none
    }
    self.color = color
  }

  static let keyword = CellStyle(foreground: .magenta, bold: true)
  static let string = CellStyle(foreground: .green)
  static let comment = CellStyle(foreground: .blue, dim: true)
  static let number = CellStyle(foreground: .yellow)
  static let type = CellStyle(foreground: .cyan)
  static let command = CellStyle(bold: true)

  /// Colours one line, carrying block comments and multi-line strings over to the next line.
  mutating func highlight(_ line: String) -> [StyledSpan] {
    guard color, language != .none, !line.isEmpty else { return line.isEmpty ? [] : [StyledSpan(line)] }
    let chars = Array(line)
    var spans: [StyledSpan] = []
    var index = 0
    var plain = ""
    var expectCommand = language == .shell
    func flush() {
      if !plain.isEmpty { spans.append(StyledSpan(plain)) }
      plain = ""
    }
    func emit(_ from: Int, _ to: Int, _ style: CellStyle) {
      flush()
      spans.append(StyledSpan(String(chars[from..<to]), style))
    }
    while index < chars.count {
      if inBlockComment {
        var end = index
        while end < chars.count, !(chars[end] == "*" && end + 1 < chars.count && chars[end + 1] == "/") { end += 1 }
        if end < chars.count {
          end += 2
          inBlockComment = false
        }
        emit(index, end, Self.comment)
        index = end
        continue
      }
      if let quote = tripleQuote {
        let closing = Array(quote)
        var end = index
        while end < chars.count,
          !(end + 2 < chars.count + 0 && Array(chars[end..<Swift.min(chars.count, end + 3)]) == closing)
        {
          end += 1
        }
        if end < chars.count {
          end += 3
          tripleQuote = nil
        }
        emit(index, Swift.min(end, chars.count), Self.string)
        index = Swift.min(end, chars.count)
        continue
      }
      let ch = chars[index]
      let next: Character? = index + 1 < chars.count ? chars[index + 1] : nil
      if language == .swift, ch == "/", next == "/" {
        emit(index, chars.count, Self.comment)
        index = chars.count
      } else if language == .swift, ch == "/", next == "*" {
        inBlockComment = true
        emit(index, index + 2, Self.comment)
        index += 2
      } else if language != .swift, ch == "#", index == 0 || chars[index - 1].isWhitespace {
        emit(index, chars.count, Self.comment)
        index = chars.count
      } else if language == .python, ch == "\"" || ch == "'", index + 2 < chars.count, chars[index + 1] == ch,
        chars[index + 2] == ch
      {
        tripleQuote = String(repeating: ch, count: 3)
        emit(index, index + 3, Self.string)
        index += 3
      } else if ch == "\"" || ch == "'" && language != .swift {
        var end = index + 1
        while end < chars.count, chars[end] != ch {
          if chars[end] == "\\" { end += 1 }
          end += 1
        }
        end = Swift.min(end + 1, chars.count)
        emit(index, end, Self.string)
        index = end
        expectCommand = false
      } else if language == .shell, ch == "$", let next, next.isLetter || next == "{" || next == "_" {
        var end = index + 1
        while end < chars.count, chars[end].isLetter || chars[end].isNumber || "_{}".contains(chars[end]) { end += 1 }
        emit(index, end, Self.type)
        index = end
      } else if ch.isNumber, index == 0 || !(chars[index - 1].isLetter || chars[index - 1] == "_") {
        var end = index
        while end < chars.count, chars[end].isNumber || chars[end] == "." || chars[end] == "_" || chars[end] == "x" {
          end += 1
        }
        emit(index, end, Self.number)
        index = end
      } else if ch.isLetter || ch == "_" || ch == "@" {
        var end = index + 1
        while end < chars.count,
          chars[end].isLetter || chars[end].isNumber || chars[end] == "_" || (language == .shell && chars[end] == "-")
        {
          end += 1
        }
        let word = String(chars[index..<end])
        switch language {
        case .swift:
          if Self.swiftKeywords.contains(word) || word.hasPrefix("@") {
            emit(index, end, Self.keyword)
          } else if word.first!.isUppercase {
            emit(index, end, Self.type)
          } else {
            plain += word
          }
        case .python:
          if Self.pythonKeywords.contains(word) {
            emit(index, end, Self.keyword)
          } else if word.hasPrefix("@") {
            emit(index, end, Self.type)
          } else {
            plain += word
          }
        case .shell:
          if Self.shellKeywords.contains(word) {
            emit(index, end, Self.keyword)
          } else if expectCommand {
            emit(index, end, Self.command)
          } else {
            plain += word
          }
          expectCommand = false
        case .none:
          plain += word
        }
        index = end
      } else {
        if language == .shell {
          if ch == "|" || ch == ";" || ch == "&" { expectCommand = true }
          if ch == "$" && index == 0 { expectCommand = true }
        }
        plain.append(ch)
        index += 1
      }
    }
    flush()
    return spans
  }
}
