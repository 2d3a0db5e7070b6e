public import YAMLSource

/// How serious a diagnostic is. Only errors make `validate` (and every later stage) fail.
public enum Severity: String, Sendable, Codable, Comparable, CaseIterable {
    case error, warning, info

    private var rank: Int {
        switch self {
        case .error: 0
        case .warning: 1
        case .info: 2
        }
    }

    public static func < (lhs: Severity, rhs: Severity) -> Bool { lhs.rank < rhs.rank }
}

/// A finding about the user's input: a value with a code, a location and optional help, never an
/// exception. Pure stages return them alongside their results so that every problem of a run is
/// reported, not just the first.
public struct Diagnostic: Sendable, Hashable, Codable {
    /// A secondary location that helps explain the finding ("first defined here").
    public struct Note: Sendable, Hashable, Codable {
        public var message: String
        public var location: SourceLocation?

        public init(_ message: String, at location: SourceLocation? = nil) {
            self.message = message
            self.location = location
        }
    }

    public var code: DiagnosticCode
    public var severity: Severity
    /// What is wrong, in one sentence. Never contains a secret value.
    public var message: String
    public var location: SourceLocation?
    /// What to do about it ("did you mean 'auth_enabled'?").
    public var hint: String?
    public var notes: [Note]
    /// The file or directory a finding without a line is about (AMLA104: a missing path, an
    /// unreadable file), so tools can place it; nil when `location` names the file.
    public var path: String?

    public init(
        _ code: DiagnosticCode, _ message: String, at location: SourceLocation?, hint: String? = nil,
        notes: [Note] = [], severity: Severity? = nil, path: String? = nil
    ) {
        self.code = code
        self.severity = severity ?? code.defaultSeverity
        self.message = message
        self.location = location
        self.hint = hint
        self.notes = notes
        self.path = location == nil ? path : nil
    }

    /// The order diagnostics are shown in: by file, line, column, then code.
    public static func sortedForDisplay(_ diagnostics: [Diagnostic]) -> [Diagnostic] {
        diagnostics.sorted { lhs, rhs in
            switch (lhs.location, rhs.location) {
            case (nil, nil): return (lhs.code, lhs.message) < (rhs.code, rhs.message)
            case (nil, _): return true
            case (_, nil): return false
            case (let l?, let r?):
                if l != r { return l < r }
                return (lhs.code, lhs.message) < (rhs.code, rhs.message)
            }
        }
    }
}

extension SourceLocation: Codable {
    private enum CodingKeys: String, CodingKey { case file, line, column }

    public init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        self.init(
            file: try container.decode(String.self, forKey: .file),
            line: try container.decode(Int.self, forKey: .line),
            column: try container.decode(Int.self, forKey: .column))
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(file, forKey: .file)
        try container.encode(line, forKey: .line)
        try container.encode(column, forKey: .column)
    }
}

/// An accumulating list of diagnostics, plus the places whose text must never be echoed.
public struct Diagnostics: Sendable {
    public private(set) var all: [Diagnostic] = []
    /// Starts of secret values: renderers mask source lines from these columns on.
    public private(set) var redactions: Set<SourceLocation> = []

    public init() {}

    public var hasErrors: Bool { all.contains { $0.severity == .error } }

    public mutating func append(_ diagnostic: Diagnostic) { all.append(diagnostic) }
    public mutating func append(contentsOf other: Diagnostics) {
        all.append(contentsOf: other.all)
        redactions.formUnion(other.redactions)
    }
    public mutating func report(
        _ code: DiagnosticCode, _ message: String, at location: SourceLocation?, hint: String? = nil,
        notes: [Diagnostic.Note] = []
    ) {
        all.append(Diagnostic(code, message, at: location, hint: hint, notes: notes))
    }
    /// Marks a secret's position so no rendering of the source shows it.
    public mutating func redact(_ location: SourceLocation) { redactions.insert(location) }

    /// Masks every message, hint and note that quotes a secret (a duplicate or unknown key shaped
    /// like a client secret, a value quoted by a type error).
    public mutating func mask(_ secrets: SecretRedactions) { all = all.map(secrets.mask) }

    /// Applies per-code severity overrides (policy codes only); `nil` drops the diagnostic.
    public mutating func applySeverities(_ overrides: [DiagnosticCode: Severity?]) {
        all = all.compactMap { diagnostic in
            guard diagnostic.code.isPolicy, let override = overrides[diagnostic.code] else { return diagnostic }
            guard let severity = override else { return nil }
            var changed = diagnostic
            changed.severity = severity
            return changed
        }
    }
}
