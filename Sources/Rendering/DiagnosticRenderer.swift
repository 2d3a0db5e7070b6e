public import AMLAuthCore
import WireFormat
import YAMLSource

/// Diagnostics as people and tools read them: `path:line:col: severity[CODE]: message` with the
/// source line and a caret, as JSON, or as GitHub Actions workflow commands.
public struct DiagnosticRenderer: Sendable {
    public var source: SourceText
    /// ANSI colour; the CLI turns it on only for a TTY without `NO_COLOR`.
    public var colored: Bool
    /// How many diagnostics of one code the text form prints; the rest are counted on one line
    /// each (`… and 7950 more AMLA101 …`), so a crafted file cannot fill a CI log. The JSON form
    /// lists up to `jsonLimitPerCode`.
    public var limitPerCode: Int

    /// The text form prints at most this many diagnostics of one code by default.
    public static let defaultLimitPerCode = 50
    /// The JSON form lists at most this many diagnostics of one code by default.
    public static let jsonLimitPerCode = 1_000
    /// Scalars of a message, hint or note shown in the text form; longer ones end in `…`.
    public static let maximumMessageLength = 1_000

    /// A renderer quoting `source`, printing at most `limitPerCode` diagnostics of one code.
    public init(source: SourceText, colored: Bool = false, limitPerCode: Int = Self.defaultLimitPerCode) {
        self.source = source
        self.colored = colored
        self.limitPerCode = limitPerCode
    }

    /// One diagnostic in the human form, several lines, ending with a newline.
    ///
    /// Untrusted text stays inert: file names are escaped so they can neither break the line nor
    /// pose as `path:line:col` (`TextEscaping.path`), messages stay on their line, secret shapes
    /// are masked, and no line can read as a GitHub workflow command.
    public func text(_ diagnostic: Diagnostic) -> String {
        var output = ""
        let prefix = diagnostic.location.map { "\(TextEscaping.location($0)): " } ?? ""
        output +=
            "\(bold(prefix))\(paint(diagnostic.severity))\(bold("[\(diagnostic.code.rawValue)]: \(Self.line(diagnostic.message))"))\n"
        if let location = diagnostic.location { output += snippet(at: location) }
        if let hint = diagnostic.hint { output += "  hint: \(Self.line(hint))\n" }
        for note in diagnostic.notes {
            output +=
                "  note: \(Self.line(note.message))" + (note.location.map { ": \(TextEscaping.location($0))" } ?? "")
                + "\n"
        }
        return output
    }

    /// Message text for one line of the human form: masked, escaped, and cut after
    /// `maximumMessageLength` scalars (a message quoting a 50 MB value shows its start).
    private static func line(_ text: String) -> String {
        let masked = SecretRedactions.maskShapes(text)
        guard masked.unicodeScalars.count > maximumMessageLength else { return TextEscaping.message(masked) }
        let kept = String(String.UnicodeScalarView(masked.unicodeScalars.prefix(maximumMessageLength)))
        return TextEscaping.message(kept) + SourceText.ellipsis
    }

    /// All diagnostics in display order, at most `limitPerCode` of each code, then a count of
    /// those left out (by code) and the summary line, which counts them all.
    public func text(_ diagnostics: [Diagnostic], summary: ValidationSummary) -> String {
        var output = ""
        var seen: [DiagnosticCode: Int] = [:]
        for diagnostic in Diagnostic.sortedForDisplay(diagnostics) {
            let count = seen[diagnostic.code, default: 0] + 1
            seen[diagnostic.code] = count
            if count <= limitPerCode { output += text(diagnostic) }
        }
        for (code, count) in seen.sorted(by: { $0.key < $1.key }) where count > limitPerCode {
            output +=
                "\(SourceText.ellipsis) and \(count - limitPerCode) more \(code.rawValue) (\(code.title)); "
                + "`amlauth validate --format json` lists up to \(Self.jsonLimitPerCode)\n"
        }
        return output + summary.line + "\n"
    }

    /// The quoted source line, secrets masked, with a caret under the column (tabs kept so the
    /// caret lines up).
    func snippet(at location: SourceLocation) -> String {
        guard let line = source.quote(location.line, of: location.file, caretAt: location.column) else { return "" }
        return "    \(line.text)\n    \(line.lead)\(colored ? "\u{1B}[32m^\u{1B}[0m" : "^")\n"
    }

    private func paint(_ severity: Severity) -> String {
        let name = severity.rawValue
        guard colored else { return name }
        switch severity {
        case .error: return "\u{1B}[1;31m\(name)\u{1B}[0m"
        case .warning: return "\u{1B}[1;33m\(name)\u{1B}[0m"
        case .info: return "\u{1B}[1;36m\(name)\u{1B}[0m"
        }
    }

    private func bold(_ text: String) -> String { colored && !text.isEmpty ? "\u{1B}[1m\(text)\u{1B}[0m" : text }

    /// The JSON report: a versioned, stable document for tools.
    ///
    /// Lists at most `limitPerCode` diagnostics of one code (far more than the text form: tools
    /// want them all, and no real manifest set comes near), then, only when some were left out,
    /// `"omitted": [{"code", "title", "count"}]`. Without a bound a 6 MB line of duplicate keys
    /// made a 470 MB report in a minute; the summary still counts every diagnostic.
    public static func json(
        _ diagnostics: [Diagnostic], summary: ValidationSummary, limitPerCode: Int = jsonLimitPerCode
    ) -> String {
        var seen: [DiagnosticCode: Int] = [:]
        let listed = Diagnostic.sortedForDisplay(diagnostics).filter { diagnostic in
            let count = seen[diagnostic.code, default: 0] + 1
            seen[diagnostic.code] = count
            return count <= limitPerCode
        }
        let omitted: [JSONValue] = seen.sorted { $0.key < $1.key }.compactMap { code, count in
            guard count > limitPerCode else { return nil }
            return .object([
                ("code", .string(code.rawValue)), ("title", .string(code.title)),
                ("count", .number(Double(count - limitPerCode))),
            ])
        }
        let items: [JSONValue] = listed.map { diagnostic in
            var pairs: [(String, JSONValue)] = [
                ("code", .string(diagnostic.code.rawValue)),
                ("title", .string(diagnostic.code.title)),
                ("severity", .string(diagnostic.severity.rawValue)),
                ("message", .string(SecretRedactions.maskShapes(diagnostic.message))),
            ]
            pairs.append(("location", locationJSON(diagnostic)))
            if let hint = diagnostic.hint { pairs.append(("hint", .string(SecretRedactions.maskShapes(hint)))) }
            if !diagnostic.notes.isEmpty {
                pairs.append(
                    (
                        "notes",
                        .array(
                            diagnostic.notes.map { note in
                                .object(
                                    [("message", .string(SecretRedactions.maskShapes(note.message)))]
                                        + (note.location.map { [("location", locationJSON($0))] } ?? []))
                            })
                    ))
            }
            return .object(pairs)
        }
        return JSONValue.object(
            [
                ("format_version", .number(1)),
                ("valid", .bool(summary.errors == 0)),
                (
                    "summary",
                    .object([
                        ("files", .number(Double(summary.files))), ("resources", .number(Double(summary.resources))),
                        ("errors", .number(Double(summary.errors))), ("warnings", .number(Double(summary.warnings))),
                        ("infos", .number(Double(summary.infos))),
                    ])
                ),
                ("diagnostics", .array(items)),
            ] + (omitted.isEmpty ? [] : [("omitted", .array(omitted))])
        ).serialized()
    }

    /// Where a diagnostic is, always present: `file`, `line`, `column`; for a finding about a path
    /// with no line (AMLA104) the path with `line` and `column` null; null when it is about no file.
    private static func locationJSON(_ diagnostic: Diagnostic) -> JSONValue {
        if let location = diagnostic.location { return locationJSON(location) }
        guard let path = diagnostic.path else { return .null }
        return .object([("file", .string(path)), ("line", .null), ("column", .null)])
    }

    private static func locationJSON(_ location: SourceLocation) -> JSONValue {
        .object([
            ("file", .string(location.file)), ("line", .number(Double(location.line))),
            ("column", .number(Double(location.column))),
        ])
    }

    /// GitHub Actions workflow commands (`::error file=…,line=…,col=…::message`), one per line.
    ///
    /// At most `limitPerCode` of one code (GitHub shows only a few per step anyway), then one
    /// `::notice` per code counting the rest, so a crafted file cannot flood the runner.
    public static func githubAnnotations(_ diagnostics: [Diagnostic], limitPerCode: Int = defaultLimitPerCode)
        -> String
    {
        var seen: [DiagnosticCode: Int] = [:]
        let listed = Diagnostic.sortedForDisplay(diagnostics).filter { diagnostic in
            let count = seen[diagnostic.code, default: 0] + 1
            seen[diagnostic.code] = count
            return count <= limitPerCode
        }
        let counts = seen.sorted { $0.key < $1.key }.compactMap { code, count in
            count > limitPerCode
                ? "::notice title=\(escapeProperty("\(code.rawValue) \(code.title)"))::\(count - limitPerCode) more not annotated\n"
                : nil
        }
        return listed.map { diagnostic in
            let command =
                switch diagnostic.severity {
                case .error: "error"
                case .warning: "warning"
                case .info: "notice"
                }
            var properties = ["title=\(escapeProperty("\(diagnostic.code.rawValue) \(diagnostic.code.title)"))"]
            if let location = diagnostic.location {
                properties.insert(
                    contentsOf: [
                        "file=\(escapeProperty(location.file))", "line=\(location.line)", "col=\(location.column)",
                    ], at: 0)
            } else if let path = diagnostic.path {
                properties.insert("file=\(escapeProperty(path))", at: 0)
            }
            var message = diagnostic.message
            if let hint = diagnostic.hint { message += "\n\(hint)" }
            return
                "::\(command) \(properties.joined(separator: ","))::\(escapeData(SecretRedactions.maskShapes(message)))\n"
        }.joined() + counts.joined()
    }

    static func escapeData(_ text: String) -> String {
        text.replacing("%", with: "%25").replacing("\r", with: "%0D").replacing("\n", with: "%0A")
    }

    static func escapeProperty(_ text: String) -> String {
        escapeData(text).replacing(":", with: "%3A").replacing(",", with: "%2C")
    }
}

/// Counts for the closing line of `validate`.
public struct ValidationSummary: Sendable, Equatable {
    public var files: Int
    public var resources: Int
    public var errors: Int
    public var warnings: Int
    public var infos: Int

    public init(files: Int, resources: Int, diagnostics: [Diagnostic]) {
        self.files = files
        self.resources = resources
        errors = diagnostics.count { $0.severity == .error }
        warnings = diagnostics.count { $0.severity == .warning }
        infos = diagnostics.count { $0.severity == .info }
    }

    /// `2 errors, 1 warning, 0 notes in 3 files (7 resources)`.
    public var line: String {
        func count(_ n: Int, _ word: String) -> String { "\(n) \(word)\(n == 1 ? "" : "s")" }
        return
            "\(count(errors, "error")), \(count(warnings, "warning")), \(count(infos, "note")) in \(count(files, "file")) (\(count(resources, "resource")))"
    }
}
