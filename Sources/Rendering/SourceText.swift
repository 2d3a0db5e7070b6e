public import AMLAuthCore
public import YAMLSource

/// The text of the files diagnostics point into, for quoting a line under a message. Lines are
/// split on demand; secret values marked by the core are masked before any line is shown.
public struct SourceText: Sendable {
    private var files: [String: [UInt8]]
    private var redactions: [String: [Int: Int]] = [:]

    /// - Parameters:
    ///   - files: the manifest files, by the path diagnostics use.
    ///   - redactions: starts of secret values; a quoted line is masked from there on.
    public init(files: [SourceFile], redactions: Set<SourceLocation> = []) {
        self.files = Dictionary(files.map { ($0.path, $0.bytes) }, uniquingKeysWith: { first, _ in first })
        for location in redactions {
            let current = self.redactions[location.file, default: [:]][location.line] ?? Int.max
            self.redactions[location.file, default: [:]][location.line] = min(current, location.column)
        }
    }

    /// Line `line` (1-based) of `file`, without its newline, secrets masked; nil if unknown.
    public func line(_ line: Int, of file: String) -> String? {
        guard let bytes = files[file], line >= 1 else { return nil }
        var current = 1
        var start = 0
        var index = 0
        while index < bytes.count {
            if bytes[index] == UInt8(ascii: "\n") {
                if current == line { break }
                current += 1
                start = index + 1
            }
            index += 1
        }
        guard current == line, start <= bytes.count else { return nil }
        var end = index
        if end > start, bytes[end - 1] == UInt8(ascii: "\r") { end -= 1 }
        let text = String(decoding: bytes[start..<end], as: UTF8.self)
        guard let column = redactions[file]?[line] else { return text }
        return String(String.UnicodeScalarView(text.unicodeScalars.prefix(column - 1))) + "<redacted>"
    }
}
