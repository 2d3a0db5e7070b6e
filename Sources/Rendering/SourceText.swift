public import AMLAuthCore
public import YAMLSource

/// The text of the files diagnostics point into, for quoting a line under a message.
///
/// Lines are split where libyaml splits them (`LineBreaks`), once per file. Secrets are masked
/// by byte range before any line is shown: the ranges the core found (`SecretRedactions`), or,
/// when a caller has none, a scan made here, so no quoted line can echo a secret whoever builds
/// the snippet.
///
/// Quoting costs the length of what is shown, never the size of the file or the line: a line
/// longer than `maximumLineBytes` shows as a window of `windowRadius` scalars either side of the
/// caret, cut ends marked `…`, and a column deep in it is found through checkpoints indexed once.
public struct SourceText: Sendable {
    /// Lines longer than this (in bytes) are shown as a window around the caret.
    public static let maximumLineBytes = 240
    /// Scalars shown either side of the caret in a long line.
    public static let windowRadius = 80
    /// What marks the cut end of a long line.
    public static let ellipsis = "…"
    /// Every this many scalars, a long line's checkpoint records the byte offset.
    private static let checkpointStride = 256

    private struct File: Sendable {
        var bytes: [UInt8]
        var lines: [Range<Int>]
        var secrets: [Range<Int>]
        /// For each line longer than `maximumLineBytes`, by 0-based line index: the byte offsets of
        /// scalar columns 1, 1 + stride, 1 + 2·stride …
        var checkpoints: [Int: [Int]]

        init(bytes: [UInt8], lines: [Range<Int>], secrets: [Range<Int>]) {
            self.bytes = bytes
            self.lines = lines
            self.secrets = secrets
            checkpoints = [:]
            for (index, line) in lines.enumerated() where line.count > SourceText.maximumLineBytes {
                var offsets: [Int] = []
                var position = line.lowerBound
                var scalars = 0
                while position < line.upperBound {
                    if scalars % SourceText.checkpointStride == 0 { offsets.append(position) }
                    position = SourceText.scalarEnd(at: position, in: bytes, before: line.upperBound)
                    scalars += 1
                }
                checkpoints[index] = offsets
            }
        }

        /// The byte offset of 1-based scalar `column` on 0-based line `index` (its end if the
        /// line is shorter), walking at most one checkpoint stride.
        func offset(ofColumn column: Int, line index: Int) -> Int {
            let line = lines[index]
            var position = line.lowerBound
            var remaining = max(0, column - 1)
            if let offsets = checkpoints[index], !offsets.isEmpty {
                let checkpoint = min(remaining / SourceText.checkpointStride, offsets.count - 1)
                position = offsets[checkpoint]
                remaining -= checkpoint * SourceText.checkpointStride
            }
            while remaining > 0, position < line.upperBound {
                position = SourceText.scalarEnd(at: position, in: bytes, before: line.upperBound)
                remaining -= 1
            }
            return position
        }
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
        // A long line: only a window around the caret, so a 6 MB line costs what it shows.
        var firstColumn = 1
        var start = range.lowerBound
        var end = range.upperBound
        if range.count > Self.maximumLineBytes {
            firstColumn = max(1, column - Self.windowRadius)
            start = source.offset(ofColumn: firstColumn, line: line - 1)
            end = source.offset(ofColumn: firstColumn + 2 * Self.windowRadius, line: line - 1)
        }
        // The secrets are sorted and disjoint: skip those that end before the window by bisection.
        var low = 0
        var high = source.secrets.count
        while low < high {
            let middle = (low + high) / 2
            if source.secrets[middle].upperBound <= start { low = middle + 1 } else { high = middle }
        }
        var secrets = source.secrets[low...]

        let cutStart = start > range.lowerBound
        var text = cutStart ? Self.ellipsis : ""
        var lead = cutStart ? " " : ""
        var scalarColumn = firstColumn
        // After a cut, the shown line starts with `…`: it cannot read as a workflow command.
        var seenNonBlank = cutStart
        var hashes = 0
        var position = start
        // `width` source columns shown as `shown`: the lead covers them only if the caret is past them all.
        func show(_ shown: String, width: Int, kept: Unicode.Scalar? = nil) {
            if scalarColumn + width <= column {
                lead += kept == "\t" ? "\t" : String(repeating: " ", count: shown.unicodeScalars.count)
            }
            text += shown
        }
        while position < end {
            if let secret = secrets.first, secret.lowerBound <= position {
                let secretEnd = min(secret.upperBound, end)
                let scalars = bytes[position..<secretEnd].count { $0 & 0xC0 != 0x80 }
                show(SecretRedactions.placeholder, width: scalars)
                scalarColumn += scalars
                position = secretEnd
                secrets = secrets.dropFirst()
                seenNonBlank = true
                hashes = 0
                continue
            }
            let next = Self.scalarEnd(at: position, in: bytes, before: range.upperBound)
            let scalar = String(decoding: bytes[position..<next], as: UTF8.self).unicodeScalars.first ?? "\u{FFFD}"
            var shown = TextEscaping.visible(scalar)
            if scalar == ":", !seenNonBlank, next < range.upperBound, bytes[next] == UInt8(ascii: ":") {
                shown = "%3A"
            } else if scalar == "[", hashes >= 2 {
                shown = "%5B"
            }
            if scalar != " ", scalar != "\t" { seenNonBlank = true }
            hashes = scalar == "#" ? hashes + 1 : 0
            show(shown, width: 1, kept: scalar)
            scalarColumn += 1
            position = next
        }
        if end < range.upperBound { text += Self.ellipsis }
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
