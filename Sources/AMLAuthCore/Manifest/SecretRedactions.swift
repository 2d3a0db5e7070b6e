public import YAMLSource

/// The parts of manifest text that must never be shown, as byte ranges, plus the secret texts
/// themselves so messages that quote them can be masked too.
///
/// `SecretScanner` finds secrets in parsed nodes, but a snippet or message can quote text no node
/// covers: a comment, a mapping key, the value of a duplicate key (dropped by the parser), the
/// second line of a multi-line value, or a line the parser gave up on (a syntax error, a tab). So
/// the raw bytes of every file are scanned as well, for the same shapes (Entra client secrets,
/// private keys, JWTs) and for the values of secret-named keys (`password:`, `client_secret:` …),
/// before any snippet or message is built. The scan errs towards masking too much.
public struct SecretRedactions: Sendable {
    /// Masked byte ranges by file path: sorted, non-overlapping.
    public private(set) var ranges: [String: [Range<Int>]] = [:]
    /// The masked texts, trimmed, as UTF-8: a message that quotes one shows `<redacted>`.
    private var texts: [[UInt8]] = []
    /// `texts` by their first four bytes (every text has at least four), so masking a message
    /// costs its length, not its length times the number of secrets in the files.
    private var textsByPrefix: [UInt32: [Int]] = [:]

    /// What a masked stretch of text is replaced with.
    public static let placeholder = "<redacted>"

    public init() {}

    /// Scans `files` and adds `locations` (starts of values the core already flagged; each is
    /// masked to the end of its line).
    public init(files: [SourceFile], locations: Set<SourceLocation> = []) {
        var byPath: [String: [SourceLocation]] = [:]
        for location in locations { byPath[location.file, default: []].append(location) }
        var seen: Set<String> = []
        var pieces: Set<[UInt8]> = []
        for file in files where seen.insert(file.path).inserted {
            let lines = LineBreaks.lines(file.bytes)
            var scanner = SecretTextScanner(bytes: file.bytes, lines: lines)
            var found = scanner.scan()
            for location in byPath[file.path] ?? [] where location.line >= 1 && location.line <= lines.count {
                let line = lines[location.line - 1]
                let start = Self.offset(ofColumn: location.column, in: line, of: file.bytes)
                if start < line.upperBound { found.append(start..<line.upperBound) }
            }
            guard !found.isEmpty else { continue }
            let merged = Self.merge(found)
            ranges[file.path] = merged
            for range in merged {
                for piece in Self.pieces(of: range, lines: lines, bytes: file.bytes)
                where piece.unicodeScalars.count >= 4 {
                    pieces.insert(Array(piece.utf8))
                }
            }
        }
        texts = pieces.sorted { $0.lexicographicallyPrecedes($1) }
        for (index, text) in texts.enumerated() { textsByPrefix[Self.prefix(text[...]), default: []].append(index) }
    }

    /// The first four bytes of `bytes` as one number.
    private static func prefix(_ bytes: ArraySlice<UInt8>) -> UInt32 {
        var start = bytes.startIndex
        var value: UInt32 = 0
        for _ in 0..<4 {
            value = value << 8 | UInt32(bytes[start])
            start += 1
        }
        return value
    }

    /// True when nothing was found to mask.
    public var isEmpty: Bool { ranges.isEmpty }

    /// The masked ranges of one file.
    public func ranges(in file: String) -> [Range<Int>] { ranges[file] ?? [] }

    /// `text` with every secret shape and every masked source text replaced by `<redacted>`.
    public func mask(_ text: String) -> String {
        guard !texts.isEmpty, text.utf8.count >= 4 else { return Self.maskShapes(text) }
        let bytes = Array(text.utf8)
        var found: [Range<Int>] = []
        for start in 0...(bytes.count - 4) {
            guard let candidates = textsByPrefix[Self.prefix(bytes[start..<(start + 4)])] else { continue }
            for index in candidates {
                let secret = texts[index]
                let end = start + secret.count
                if end <= bytes.count, bytes[start..<end].elementsEqual(secret) { found.append(start..<end) }
            }
        }
        guard !found.isEmpty else { return Self.maskShapes(text) }
        return Self.maskShapes(Self.replacing(Self.merge(found), in: bytes))
    }

    /// `bytes` with each of `ranges` (sorted, disjoint) replaced by the placeholder.
    private static func replacing(_ ranges: [Range<Int>], in bytes: [UInt8]) -> String {
        var output: [UInt8] = []
        var position = 0
        for range in ranges {
            output += bytes[position..<range.lowerBound]
            output += Array(placeholder.utf8)
            position = range.upperBound
        }
        output += bytes[position...]
        return String(decoding: output, as: UTF8.self)
    }

    /// The diagnostic with its message, hint and notes masked.
    public func mask(_ diagnostic: Diagnostic) -> Diagnostic {
        var masked = diagnostic
        masked.message = mask(diagnostic.message)
        masked.hint = diagnostic.hint.map(mask)
        masked.notes = diagnostic.notes.map { Diagnostic.Note(mask($0.message), at: $0.location) }
        return masked
    }

    /// `text` with secret shapes (client secrets, private keys, JWTs) replaced by `<redacted>`;
    /// for text that quotes no manifest, such as a message built from a file name.
    public static func maskShapes(_ text: String) -> String {
        guard text.containsBytes("Q~") || text.containsBytes("eyJ") || text.containsBytes("-----BEGIN") else {
            return text
        }
        let bytes = Array(text.utf8)
        var scanner = SecretTextScanner(bytes: bytes, lines: [0..<bytes.count], shapesOnly: true)
        let found = scanner.scan()
        guard !found.isEmpty else { return text }
        return replacing(merge(found), in: bytes)
    }

    /// The byte offset of 1-based `column` (in Unicode scalars, as libyaml counts) on `line`.
    static func offset(ofColumn column: Int, in line: Range<Int>, of bytes: [UInt8]) -> Int {
        var remaining = column - 1
        var index = line.lowerBound
        while index < line.upperBound, remaining > 0 {
            index += 1
            while index < line.upperBound, bytes[index] & 0xC0 == 0x80 { index += 1 }
            remaining -= 1
        }
        return index
    }

    /// The index of the line holding byte `offset` (or its break), found by bisection: the last
    /// line starting at or before it.
    static func lineIndex(containing offset: Int, in lines: [Range<Int>]) -> Int {
        var low = 0
        var high = lines.count
        while low < high {
            let middle = (low + high) / 2
            if lines[middle].lowerBound <= offset { low = middle + 1 } else { high = middle }
        }
        return max(0, low - 1)
    }

    static func merge(_ ranges: [Range<Int>]) -> [Range<Int>] {
        var merged: [Range<Int>] = []
        for range in ranges.sorted(by: { $0.lowerBound < $1.lowerBound }) where !range.isEmpty {
            if let last = merged.last, range.lowerBound <= last.upperBound {
                merged[merged.count - 1] = last.lowerBound..<max(last.upperBound, range.upperBound)
            } else {
                merged.append(range)
            }
        }
        return merged
    }

    /// The text of `range` line by line, without surrounding blanks and quotes.
    private static func pieces(of range: Range<Int>, lines: [Range<Int>], bytes: [UInt8]) -> [String] {
        // Only the lines the range touches: a file with thousands of secrets stays linear.
        lines[lineIndex(containing: range.lowerBound, in: lines)...].prefix { $0.lowerBound < range.upperBound }
            .compactMap { line in
                let start = max(line.lowerBound, range.lowerBound)
                let end = min(line.upperBound, range.upperBound)
                guard start < end else { return nil }
                let text = String(decoding: bytes[start..<end], as: UTF8.self)
                let trimmed = text.unicodeScalars.drop { " \t\"'".unicodeScalars.contains($0) }
                let kept = String(
                    String.UnicodeScalarView(
                        trimmed.reversed().drop { " \t\"',}".unicodeScalars.contains($0) }.reversed()))
                return kept.isEmpty ? nil : kept
            }
    }
}

/// The raw-text scan behind `SecretRedactions`: one pass per shape over the bytes of a file.
private struct SecretTextScanner {
    let bytes: [UInt8]
    let lines: [Range<Int>]
    var shapesOnly = false
    private var found: [Range<Int>] = []

    init(bytes: [UInt8], lines: [Range<Int>], shapesOnly: Bool = false) {
        self.bytes = bytes
        self.lines = lines
        self.shapesOnly = shapesOnly
    }

    mutating func scan() -> [Range<Int>] {
        guard !bytes.isEmpty else { return [] }
        var index = 0
        while index + 1 < bytes.count {
            switch bytes[index] {
            case UInt8(ascii: "Q") where bytes[index + 1] == UInt8(ascii: "~"): clientSecret(at: index)
            case UInt8(ascii: "e") where starts("eyJ", at: index): jwt(at: index)
            case UInt8(ascii: "-") where starts("-----BEGIN", at: index): privateKey(at: index)
            default: break
            }
            index += 1
        }
        if !shapesOnly {
            secretKeyValues()
            secretAssignments()
        }
        return found
    }

    /// `NAME=value` anywhere in the text where NAME names a secret (`AZURE_CLIENT_SECRET=…` in a
    /// description or a comment): the value is masked up to the next blank or quote.
    private mutating func secretAssignments() {
        var index = 1
        while index < bytes.count {
            defer { index += 1 }
            guard bytes[index] == UInt8(ascii: "=") else { continue }
            var start = index
            while start > 0, ASCII.isWord(Unicode.Scalar(bytes[start - 1]), or: "_-") { start -= 1 }
            guard start < index,
                SecretScanner.isSecretAssignmentKey(String(decoding: bytes[start..<index], as: UTF8.self))
            else { continue }
            var end = index + 1
            while end < bytes.count, !" \t\r\n\"',;".utf8.contains(bytes[end]) { end += 1 }
            if end > index + 1 { found.append((index + 1)..<end) }
        }
    }

    private func starts(_ prefix: StaticString, at index: Int) -> Bool {
        let count = prefix.utf8CodeUnitCount
        guard index + count <= bytes.count else { return false }
        return (0..<count).allSatisfy { bytes[index + $0] == prefix.utf8Start[$0] }
    }

    private func find(_ needle: StaticString, from start: Int, before end: Int) -> Int? {
        var index = start
        while index + needle.utf8CodeUnitCount <= end {
            if starts(needle, at: index) { return index }
            index += 1
        }
        return nil
    }

    private static func isSecretCharacter(_ byte: UInt8) -> Bool {
        ASCII.isWord(Unicode.Scalar(byte), or: "_~.-")
    }

    /// Entra client secrets (`xxx8Q~…`): the run of secret characters around `Q~`, when it is long
    /// enough to be one (more lenient than `SecretScanner`, so a truncated secret is masked too).
    private mutating func clientSecret(at index: Int) {
        var start = index
        while start > 0, Self.isSecretCharacter(bytes[start - 1]) { start -= 1 }
        var end = index + 2
        while end < bytes.count, Self.isSecretCharacter(bytes[end]) { end += 1 }
        if index - start >= 3, end - start >= 30 { found.append(start..<end) }
    }

    /// JWTs: `eyJ` and base64url parts joined by at least two dots.
    private mutating func jwt(at index: Int) {
        var end = index
        var dots = 0
        while end < bytes.count, ASCII.isWord(Unicode.Scalar(bytes[end]), or: "_-=.") {
            if bytes[end] == UInt8(ascii: ".") { dots += 1 }
            end += 1
        }
        if dots >= 2 { found.append(index..<end) }
    }

    /// PEM private keys: from `-----BEGIN … PRIVATE KEY-----` through the matching END line (to
    /// the end of the file when there is none), whatever the lines in between look like.
    private mutating func privateKey(at index: Int) {
        let lineEnd =
            lines.isEmpty ? bytes.count : lines[SecretRedactions.lineIndex(containing: index, in: lines)].upperBound
        guard let close = find("-----", from: index + 10, before: lineEnd),
            find("PRIVATE KEY", from: index + 10, before: close) != nil
        else { return }
        guard let endMarker = find("-----END", from: close + 5, before: bytes.count) else {
            found.append(index..<bytes.count)
            return
        }
        let endClose = find("-----", from: endMarker + 8, before: bytes.count).map { $0 + 5 } ?? bytes.count
        found.append(index..<endClose)
    }

    /// Values of keys named like secrets (`password:`, `client_secret:` …), wherever such a key
    /// appears: in a mapping, a flow mapping, a comment, a line the parser rejected. The value is
    /// masked to the end of its line, then every following line indented deeper than the key
    /// (a multi-line or block value), and on to the closing quote of a quoted value.
    private mutating func secretKeyValues() {
        for (number, line) in lines.enumerated() {
            var index = line.lowerBound
            while index < line.upperBound {
                defer { index += 1 }
                guard bytes[index] == UInt8(ascii: ":") else { continue }
                let next = index + 1 < line.upperBound ? bytes[index + 1] : UInt8(ascii: " ")
                var keyEnd = index
                let quoted =
                    keyEnd > line.lowerBound
                    && (bytes[keyEnd - 1] == UInt8(ascii: "\"") || bytes[keyEnd - 1] == UInt8(ascii: "'"))
                guard next == UInt8(ascii: " ") || next == UInt8(ascii: "\t") || quoted else { continue }
                if quoted { keyEnd -= 1 }
                var keyStart = keyEnd
                while keyStart > line.lowerBound, ASCII.isWord(Unicode.Scalar(bytes[keyStart - 1]), or: "_-") {
                    keyStart -= 1
                }
                guard keyStart < keyEnd else { continue }
                if quoted { guard keyStart > line.lowerBound, bytes[keyStart - 1] == bytes[keyEnd] else { continue } }
                let isSecret = bytes.withUnsafeBufferPointer {
                    SecretScanner.isSecretKey(utf8: UnsafeBufferPointer(rebasing: $0[keyStart..<keyEnd]))
                }
                guard isSecret else { continue }
                maskValue(from: index + 1, line: number, keyColumn: keyStart - line.lowerBound)
            }
        }
    }

    private mutating func maskValue(from start: Int, line number: Int, keyColumn: Int) {
        let line = lines[number]
        var valueStart = start
        while valueStart < line.upperBound,
            bytes[valueStart] == UInt8(ascii: " ") || bytes[valueStart] == UInt8(ascii: "\t")
        { valueStart += 1 }
        var end = line.upperBound
        // Continuation lines: blank, or indented deeper than the key.
        var following = number + 1
        while following < lines.count {
            let candidate = lines[following]
            var indent = candidate.lowerBound
            while indent < candidate.upperBound,
                bytes[indent] == UInt8(ascii: " ") || bytes[indent] == UInt8(ascii: "\t")
            { indent += 1 }
            guard indent == candidate.upperBound || indent - candidate.lowerBound > keyColumn else { break }
            if indent < candidate.upperBound { end = candidate.upperBound }
            following += 1
        }
        if valueStart < line.upperBound,
            bytes[valueStart] == UInt8(ascii: "\"") || bytes[valueStart] == UInt8(ascii: "'")
        {
            end = max(end, closingQuote(from: valueStart))
        }
        if valueStart < end { found.append(valueStart..<end) }
    }

    /// The end of a quoted scalar starting at `start` (the end of the file if it never closes).
    private func closingQuote(from start: Int) -> Int {
        let quote = bytes[start]
        var index = start + 1
        while index < bytes.count {
            if quote == UInt8(ascii: "\""), bytes[index] == UInt8(ascii: "\\") {
                index += 2
                continue
            }
            if bytes[index] == quote {
                if quote == UInt8(ascii: "'"), index + 1 < bytes.count, bytes[index + 1] == quote {
                    index += 2
                    continue
                }
                return index + 1
            }
            index += 1
        }
        return bytes.count
    }
}
