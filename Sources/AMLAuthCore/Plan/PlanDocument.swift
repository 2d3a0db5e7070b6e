public import WireFormat
import YAMLSource

/// The plan as a versioned JSON document: what `plan --json` prints and `plan -o` writes, and what
/// `show` and `apply plan.json` read back. One format, written and parsed here only.
public struct PlanDocument: Sendable, Equatable {
    public var plan: Plan
    /// Where the manifests were, relative to the working directory of `plan -o`.
    public var manifests: String?
    /// SHA-256 over the manifests' paths and bytes.
    public var manifestDigest: String?
    /// SHA-256 of each manifest file, by path relative to `manifests`, so a stale plan names the
    /// file that changed.
    public var manifestFiles: [String: String] = [:]
    /// Findings of the run that made the plan (validation warnings, plan-time policy checks), so
    /// a reviewer of `--json`, `--markdown` or a saved plan sees them with the changes.
    public var diagnostics: [Diagnostic] = []
    /// One fingerprint per live object read, by object key (`application/<id>`…).
    public var fingerprints: [String: String]
    /// When the plan was made; the only value that differs between two plans of the same inputs.
    public var createdAt: String?
    /// The options the plan was made with, so apply reproduces it exactly.
    public var prune = false
    public var adopt = false
    /// `--allow-mass-delete`; written only when set.
    public var allowMassDelete = false
    /// `--only`: the addresses the plan was limited to, so `apply plan.json` plans the same
    /// selection again; written only when set.
    public var only: [ResourceAddress] = []

    public init(
        plan: Plan, manifests: String? = nil, manifestDigest: String? = nil, fingerprints: [String: String] = [:],
        createdAt: String? = nil, prune: Bool = false, adopt: Bool = false, allowMassDelete: Bool = false
    ) {
        self.allowMassDelete = allowMassDelete
        self.plan = plan
        self.manifests = manifests
        self.manifestDigest = manifestDigest
        self.fingerprints = fingerprints
        self.createdAt = createdAt
        self.prune = prune
        self.adopt = adopt
    }

    public func json() -> JSONValue {
        let plan = self.plan
        let summary = plan.summary
        func optional(_ value: PlanValue?) -> JSONValue { value?.json ?? .null }
        var pairs: [(String, JSONValue)] = [
            ("format_version", .number(Double(plan.formatVersion))), ("target", .string(plan.target)),
        ]
        if let manifests { pairs.append(("manifests", .string(manifests))) }
        if let manifestDigest { pairs.append(("manifest_digest", .string(manifestDigest))) }
        if !manifestFiles.isEmpty {
            pairs.append(
                ("manifest_files", .object(manifestFiles.keys.sorted().map { ($0, .string(manifestFiles[$0]!)) })))
        }
        if !fingerprints.isEmpty {
            pairs.append(("fingerprints", .object(fingerprints.keys.sorted().map { ($0, .string(fingerprints[$0]!)) })))
        }
        if let createdAt { pairs.append(("created_at", .string(createdAt))) }
        if manifests != nil {
            var options: [(String, JSONValue)] = [("prune", .bool(prune)), ("adopt", .bool(adopt))]
            if allowMassDelete { options.append(("allow_mass_delete", .bool(true))) }
            if !only.isEmpty { options.append(("only", .array(only.map { .string($0.description) }))) }
            pairs.append(("options", .object(options)))
        }
        pairs += [
            ("diagnostics", .array(Diagnostic.sortedForDisplay(diagnostics).map(Self.json))),
            (
                "summary",
                .object([
                    ("add", .number(Double(summary.add))), ("change", .number(Double(summary.change))),
                    ("replace", .number(Double(summary.replace))),
                    ("destroy", .number(Double(summary.destroy))), ("rotate", .number(Double(summary.rotate))),
                ])
            ),
            (
                "changes",
                .array(
                    plan.changes.map { change in
                        var pairs: [(String, JSONValue)] = [
                            ("address", .string(change.address.description)),
                            ("kind", .string(change.address.kind.rawValue)),
                            ("name", .string(change.address.name)), ("action", .string(change.action.rawValue)),
                        ]
                        if let reason = change.reason { pairs.append(("reason", .string(reason))) }
                        pairs.append(("depends_on", .array(change.dependsOn.map { .string($0.description) })))
                        pairs.append(
                            (
                                "fields",
                                .array(
                                    change.fields.map { field in
                                        .object([
                                            ("path", .string(field.path)), ("before", optional(field.before)),
                                            ("after", optional(field.after)), ("sensitive", .bool(field.sensitive)),
                                        ])
                                    })
                            ))
                        pairs.append(("steps", .array(change.steps.map { $0.json() })))
                        return .object(pairs)
                    })
            ),
            (
                "notes",
                .array(
                    plan.notes.map { note in
                        var fields: [(String, JSONValue)] = [
                            ("address", note.address.map { .string($0.description) } ?? .null),
                            ("message", .string(note.message)), ("blocking", .bool(note.blocking)),
                            ("unplanned", .bool(note.unplanned)),
                        ]
                        if let missing = note.missingPermission { fields.append(("missingPermission", missing.json)) }
                        return .object(fields)
                    })
            ),
        ]
        return .object(pairs)
    }

    /// One finding as `validate --format json` writes it (message and hint masked for secret shapes).
    static func json(_ diagnostic: Diagnostic) -> JSONValue {
        var pairs: [(String, JSONValue)] = [
            ("code", .string(diagnostic.code.rawValue)), ("title", .string(diagnostic.code.title)),
            ("severity", .string(diagnostic.severity.rawValue)),
            ("message", .string(SecretRedactions.maskShapes(diagnostic.message))),
        ]
        if let location = diagnostic.location {
            pairs.append(
                (
                    "location",
                    .object([
                        ("file", .string(location.file)), ("line", .number(Double(location.line))),
                        ("column", .number(Double(location.column))),
                    ])
                ))
        }
        if let hint = diagnostic.hint { pairs.append(("hint", .string(SecretRedactions.maskShapes(hint)))) }
        return .object(pairs)
    }

    static func diagnostic(_ json: JSONValue) -> Diagnostic? {
        guard let code = json["code"]?.stringValue.flatMap(DiagnosticCode.init(rawValue:)),
            let severity = json["severity"]?.stringValue.flatMap(Severity.init(rawValue:)),
            let message = json["message"]?.stringValue
        else { return nil }
        let location = json["location"].flatMap { location -> SourceLocation? in
            guard let file = location["file"]?.stringValue, let line = location["line"]?.numberValue,
                let column = location["column"]?.numberValue
            else { return nil }
            return SourceLocation(file: file, line: Int(line), column: Int(column))
        }
        return Diagnostic(code, message, at: location, hint: json["hint"]?.stringValue, severity: severity)
    }

    public struct ParseError: Error, Sendable, CustomStringConvertible {
        public var description: String
    }

    /// Reads a plan document; anything unexpected is an error that says what.
    public static func parse(_ bytes: [UInt8]) throws(ParseError) -> PlanDocument {
        let json: JSONValue
        do { json = try JSONParser.parse(bytes) } catch { throw ParseError(description: "not a plan file: \(error)") }
        guard json["format_version"]?.numberValue == Double(Plan.formatVersion) else {
            throw ParseError(
                description:
                    "unsupported plan format_version \(json["format_version"]?.compact() ?? "(none)"); this amlauth reads \(Plan.formatVersion)"
            )
        }
        guard let target = json["target"]?.stringValue else {
            throw ParseError(description: "the plan names no target")
        }
        func address(_ text: String?) throws(ParseError) -> ResourceAddress {
            guard let text, let address = ResourceAddress(parsing: text) else {
                throw ParseError(description: "'\(text ?? "")' is not a resource address")
            }
            return address
        }
        var changes: [Change] = []
        for item in json["changes"]?.arrayValue ?? [] {
            guard let action = item["action"]?.stringValue.flatMap(Action.init(rawValue:)) else {
                throw ParseError(description: "a change has no valid action")
            }
            var dependsOn: [ResourceAddress] = []
            for dependency in item["depends_on"]?.arrayValue ?? [] {
                dependsOn.append(try address(dependency.stringValue))
            }
            let fields = (item["fields"]?.arrayValue ?? []).map { field in
                FieldChange(
                    field["path"]?.stringValue ?? "", before: field["before"].flatMap(PlanValue.init(json:)),
                    after: field["after"].flatMap(PlanValue.init(json:)),
                    sensitive: field["sensitive"]?.boolValue ?? false)
            }
            var steps: [Step] = []
            for step in item["steps"]?.arrayValue ?? [] { steps.append(try Step(json: step)) }
            changes.append(
                Change(
                    try address(item["address"]?.stringValue), action, reason: item["reason"]?.stringValue,
                    fields: fields, steps: steps, dependsOn: dependsOn))
        }
        var notes: [PlanNote] = []
        for item in json["notes"]?.arrayValue ?? [] {
            let noteAddress: ResourceAddress? =
                item["address"]?.stringValue == nil ? nil : try address(item["address"]?.stringValue)
            var note = PlanNote(
                item["message"]?.stringValue ?? "", address: noteAddress,
                blocking: item["blocking"]?.boolValue ?? false, unplanned: item["unplanned"]?.boolValue ?? false)
            note.missingPermission = item["missingPermission"].flatMap(MissingPermission.init(json:))
            notes.append(note)
        }
        var fingerprints: [String: String] = [:]
        for (key, value) in json["fingerprints"]?.objectValue ?? [] { fingerprints[key] = value.stringValue }
        var manifestFiles: [String: String] = [:]
        for (key, value) in json["manifest_files"]?.objectValue ?? [] { manifestFiles[key] = value.stringValue }
        var document = PlanDocument(
            plan: Plan(target: target, changes: changes, notes: notes), manifests: json["manifests"]?.stringValue,
            manifestDigest: json["manifest_digest"]?.stringValue, fingerprints: fingerprints,
            createdAt: json["created_at"]?.stringValue,
            prune: json["options"]?["prune"]?.boolValue ?? false, adopt: json["options"]?["adopt"]?.boolValue ?? false,
            allowMassDelete: json["options"]?["allow_mass_delete"]?.boolValue ?? false)
        document.manifestFiles = manifestFiles
        for item in json["options"]?["only"]?.arrayValue ?? [] { document.only.append(try address(item.stringValue)) }
        document.diagnostics = (json["diagnostics"]?.arrayValue ?? []).compactMap(Self.diagnostic)
        return document
    }

    /// The objects whose fingerprints differ between two reads: changed, gone or new.
    public static func staleObjects(saved: [String: String], current: [String: String]) -> [String] {
        Set(saved.keys).union(current.keys).filter { saved[$0] != current[$0] }.sorted()
    }
}
