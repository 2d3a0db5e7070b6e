public import AMLAuthCore
public import YAMLSource

/// The text of the files diagnostics point into, for quoting a line under a message.
///
/// Lines are split where libyaml splits them (`LineBreaks`), once per file. Secrets are masked
/// by byte range before any line is shown: the ranges the core found (`SecretRedactions`), or,
/// when a caller has none, a scan made here, so no quoted line can echo a secret whoever builds
/// the snippet.
public struct SourceText: Sendable {
    private struct File: Sendable {
        var bytes: [UInt8]
        var lines: [Range<Int>]
        var secrets: [Range<Int>]
    }

    /// A line as it is shown: masked and made inert, with the whitespace that puts a caret under
    /// a column of the original line.
    struct QuotedLine {
        var text: String
        var lead: String
    }

    private var files: [String: File] = [:]

    /// Scans `files` for secrets itself.
    /// - Parameters:
    ///   - files: the manifest files, by the path diagnostics use.
    ///   - redactions: starts of secret values the core flagged; each is masked to the end of its line.
    public init(files: [SourceFile], redactions: Set<SourceLocation> = []) {
        self.init(files: files, secrets: SecretRedactions(files: files, locations: redactions))
    }

    /// Uses the secrets the core already found in `files` (`ValidationResult.secrets`).
    public init(files: [SourceFile], secrets: SecretRedactions) {
        for file in files where self.files[file.path] == nil {
            self.files[file.path] = File(
                bytes: file.bytes, lines: LineBreaks.lines(file.bytes), secrets: secrets.ranges(in: file.path))
        }
    }

    /// Line `line` (1-based) of `file`, without its line break, secrets masked; nil if unknown.
    public func line(_ line: Int, of file: String) -> String? { quote(line, of: file, caretAt: 1)?.text }

    /// Line `line` of `file` as shown under a diagnostic, with the lead for a caret at `column`.
    ///
    /// Each masked stretch shows as `<redacted>`. Control characters show escaped (`\u{1B}`), tabs
    /// stay so the caret lines up. A line the GitHub runner would take for a workflow command
    /// (`::` after leading blanks, or the legacy `##[` anywhere) gets that `:` or `[`
    /// percent-encoded, so quoting a manifest cannot annotate, mask or set anything in CI.
    func quote(_ line: Int, of file: String, caretAt column: Int) -> QuotedLine? {
        guard let source = files[file], line >= 1, line <= source.lines.count else { return nil }
        let bytes = source.bytes
        let range = source.lines[line - 1]
        var secrets = source.secrets[...]
        while let first = secrets.first, first.upperBound <= range.lowerBound { secrets = secrets.dropFirst() }

        var text = ""
        var lead = ""
        var scalarColumn = 1
        var seenNonBlank = false
        var hashes = 0
        var position = range.lowerBound
        // `width` source columns shown as `shown`: the lead covers them only if the caret is past them all.
        func show(_ shown: String, width: Int, kept: Unicode.Scalar? = nil) {
            if scalarColumn + width <= column {
                lead += kept == "\t" ? "\t" : String(repeating: " ", count: shown.unicodeScalars.count)
            }
            text += shown
        }
        while position < range.upperBound {
            if let secret = secrets.first, secret.lowerBound <= position {
                let end = min(secret.upperBound, range.upperBound)
                let scalars = bytes[position..<end].count { $0 & 0xC0 != 0x80 }
                show(SecretRedactions.placeholder, width: scalars)
                scalarColumn += scalars
                position = end
                secrets = secrets.dropFirst()
                seenNonBlank = true
                hashes = 0
                continue
            }
            let end = Self.scalarEnd(at: position, in: bytes, before: range.upperBound)
            let scalar = String(decoding: bytes[position..<end], as: UTF8.self).unicodeScalars.first ?? "\u{FFFD}"
            var shown = TextEscaping.visible(scalar)
            if scalar == ":", !seenNonBlank, end < range.upperBound, bytes[end] == UInt8(ascii: ":") {
                shown = "%3A"
            } else if scalar == "[", hashes >= 2 {
                shown = "%5B"
            }
            if scalar != " ", scalar != "\t" { seenNonBlank = true }
            hashes = scalar == "#" ? hashes + 1 : 0
            show(shown, width: 1, kept: scalar)
            scalarColumn += 1
            position = end
        }
        return QuotedLine(text: text, lead: lead)
    }

    /// The end of the UTF-8 sequence at `index`; an invalid byte is a sequence of its own (shown
    /// as U+FFFD), so it never swallows the characters after it.
    private static func scalarEnd(at index: Int, in bytes: [UInt8], before limit: Int) -> Int {
        let length =
            switch bytes[index] {
            case 0xF0...: 4
            case 0xE0...: 3
            case 0xC0...: 2
            default: 1
            }
        guard length > 1, index + length <= limit,
            bytes[(index + 1)..<(index + length)].allSatisfy({ $0 & 0xC0 == 0x80 })
        else { return index + 1 }
        return index + length
    }
}

/// Making untrusted text (file names, quoted values) safe to print where terminals and CI logs
/// read it: nothing in it can start a line, move the cursor, or read as a `path:line:col` or a
/// GitHub workflow command.
enum TextEscaping {
    /// Scalars that must not reach a terminal or a log as they are: C0 and C1 controls, DEL, and
    /// the Unicode line and paragraph separators.
    static func isControl(_ scalar: Unicode.Scalar) -> Bool {
        scalar.value < 0x20 || (0x7F...0x9F).contains(scalar.value) || scalar.value == 0x2028 || scalar.value == 0x2029
    }

    /// One scalar as shown in a quoted line: tabs kept, other controls as `\u{…}`.
    static func visible(_ scalar: Unicode.Scalar) -> String {
        guard scalar != "\t", isControl(scalar) else { return String(scalar) }
        return "\\u{\(String(scalar.value, radix: 16, uppercase: true))}"
    }

    /// A message, hint or note on one line: controls escaped (`\n`, `\r`, `\t`, `\u{…}`) and the
    /// legacy `##[` command marker broken (`##%5B`).
    static func message(_ text: String) -> String {
        var output = ""
        var hashes = 0
        for scalar in text.unicodeScalars {
            switch scalar {
            case "\n": output += "\\n"
            case "\r": output += "\\r"
            case "\t": output += "\\t"
            case "[" where hashes >= 2: output += "%5B"
            default: output += isControl(scalar) ? visible(scalar) : String(scalar)
            }
            hashes = scalar == "#" ? hashes + 1 : 0
        }
        return output
    }

    /// A file name in `path:line:col`: `%`, `:` and controls percent-encoded (GitHub's own scheme
    /// for annotation properties), so a name can neither end the line nor pose as a location, and
    /// `##[` broken as in messages.
    static func path(_ path: String) -> String {
        var output = ""
        var hashes = 0
        for scalar in path.unicodeScalars {
            switch scalar {
            case "%": output += "%25"
            case ":": output += "%3A"
            case "[" where hashes >= 2: output += "%5B"
            default:
                if isControl(scalar) {
                    for byte in String(scalar).utf8 {
                        output += "%" + (byte < 0x10 ? "0" : "") + String(byte, radix: 16, uppercase: true)
                    }
                } else {
                    output.unicodeScalars.append(scalar)
                }
            }
            hashes = scalar == "#" ? hashes + 1 : 0
        }
        return output
    }

    /// `path:line:col` with the path escaped.
    static func location(_ location: SourceLocation) -> String {
        "\(path(location.file)):\(location.line):\(location.column)"
    }
}
