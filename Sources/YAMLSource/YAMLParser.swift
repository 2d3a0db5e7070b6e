internal import CYAML

/// Reads YAML text into located nodes with the system libyaml.
///
/// Every document of a stream is returned; anchors and aliases are resolved within a document under
/// an expansion budget (`AliasBudget`, shared by every file of one load), so a "billion laughs"
/// file, or a thousand files each just under the limit, fails fast instead of eating memory; duplicate
/// keys are reported at the second key. libyaml's own errors come back as `YAMLError`s with the
/// same 1-based locations as nodes. No libyaml type leaves this module.
public struct YAMLParser: Sendable {
    /// Bounds that keep hostile input cheap.
    public struct Limits: Sendable {
        /// How many nodes aliases may add in total: to one file, or to every file parsed with one
        /// `AliasBudget`.
        public var aliasExpansion: Int
        /// How deeply collections may nest.
        public var depth: Int

        public init(aliasExpansion: Int = 100_000, depth: Int = 128) {
            self.aliasExpansion = aliasExpansion
            self.depth = depth
        }
    }

    /// The nodes aliases may still add across the files of one load. Pass the same budget to every
    /// `parse` of a load: the limit bounds the load's work, not each file's.
    public struct AliasBudget: Sendable {
        /// The total the load may expand.
        public let limit: Int
        /// What the files parsed so far expanded.
        public internal(set) var used = 0

        public init(limit: Int) {
            self.limit = limit
        }

        /// What is left for the next file.
        var remaining: Int { max(0, limit - used) }
    }

    public var limits: Limits

    public init(limits: Limits = Limits()) {
        self.limits = limits
    }

    /// A fresh budget for one load under these limits.
    public func aliasBudget() -> AliasBudget { AliasBudget(limit: limits.aliasExpansion) }

    /// Parses `bytes` (UTF-8, UTF-16 with BOM) from the file named `file`, with a budget of its own.
    public func parse(_ bytes: [UInt8], file: String) -> YAMLFile {
        var budget = aliasBudget()
        return parse(bytes, file: file, budget: &budget)
    }

    /// Parses `bytes` from the file named `file`, charging alias expansion to `budget`, which the
    /// caller shares between every file of one load.
    public func parse(_ bytes: [UInt8], file: String, budget: inout AliasBudget) -> YAMLFile {
        if bytes.isEmpty { return YAMLFile(documents: [], errors: []) }
        var builder = TreeBuilder(file: file, limits: limits, budget: budget)
        defer { budget.used += builder.expanded }
        var parser = yaml_parser_t()
        guard yaml_parser_initialize(&parser) == 1 else {
            let start = SourceLocation(file: file, line: 1, column: 1)
            return YAMLFile(
                documents: [], errors: [YAMLError(.syntax, "libyaml could not start (out of memory)", at: start)])
        }
        defer { yaml_parser_delete(&parser) }

        bytes.withUnsafeBufferPointer { buffer in
            yaml_parser_set_input_string(&parser, buffer.baseAddress, buffer.count)
            var event = yaml_event_t()
            while builder.isRunning {
                guard yaml_parser_parse(&parser, &event) == 1 else {
                    builder.fail(Self.error(from: parser, file: file, bytes: buffer))
                    break
                }
                builder.consume(event)
                let finished = event.type == YAML_STREAM_END_EVENT
                yaml_event_delete(&event)
                if finished { break }
            }
        }
        return YAMLFile(documents: builder.documents, errors: builder.errors)
    }

    /// Turns libyaml's error fields into a located `YAMLError`.
    private static func error(
        from parser: yaml_parser_t, file: String, bytes: UnsafeBufferPointer<UInt8>
    ) -> YAMLError {
        let problem = parser.problem.map { String(cString: $0) } ?? "invalid YAML"
        let location: SourceLocation
        if parser.error == YAML_READER_ERROR {
            // The reader reports a byte offset, not a mark: count lines up to it.
            location = Self.location(ofByte: parser.problem_offset, in: bytes, file: file)
            let byte =
                parser.problem_value >= 0 ? " (byte 0x\(String(parser.problem_value, radix: 16, uppercase: true)))" : ""
            return YAMLError(.syntax, "\(problem)\(byte): the file must be UTF-8 text", at: location)
        }
        location = Self.clamped(Mark(parser.problem_mark).location(in: file), in: bytes)
        var message = problem
        if let context = parser.context.map({ String(cString: $0) }) {
            let mark = Mark(parser.context_mark)
            message += ", \(context) at line \(mark.line + 1), column \(mark.column + 1)"
        }
        return YAMLError(.syntax, message, at: location)
    }

    /// libyaml puts the end of a stream that lacks a final line break on a line of its own, one
    /// past the last line of the file: such a location moves to the end of the last line, where a
    /// caret can point at it.
    private static func clamped(_ location: SourceLocation, in bytes: UnsafeBufferPointer<UInt8>) -> SourceLocation {
        guard location.line > 1, !bytes.isEmpty, LineBreaks.length(at: bytes.count - 1, in: bytes) == 0 else {
            return location
        }
        let end = Self.location(ofByte: bytes.count, in: bytes, file: location.file)
        return location.line > end.line ? end : location
    }

    /// Counts lines with the breaks libyaml's scanner counts (`LineBreaks`), so this location
    /// names the same line as every mark.
    private static func location(ofByte offset: Int, in bytes: UnsafeBufferPointer<UInt8>, file: String)
        -> SourceLocation
    {
        let end = min(max(offset, 0), bytes.count)
        var line = 1
        var column = 1
        var index = 0
        while index < end {
            let length = LineBreaks.length(at: index, in: bytes)
            if length > 0 {
                line += 1
                column = 1
                index += length
            } else {
                if bytes[index] & 0xC0 != 0x80 { column += 1 }
                index += 1
            }
        }
        return SourceLocation(file: file, line: line, column: column)
    }
}

/// libyaml's 0-based mark, converted to a 1-based `SourceLocation` exactly here.
struct Mark {
    var line: Int
    var column: Int

    init(_ mark: yaml_mark_t) {
        line = Int(mark.line)
        column = Int(mark.column)
    }

    func location(in file: String) -> SourceLocation {
        SourceLocation(file: file, line: line + 1, column: column + 1)
    }
}
