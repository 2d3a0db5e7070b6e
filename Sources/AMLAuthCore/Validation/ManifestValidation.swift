public import YAMLSource

/// A manifest file as bytes, named as the user should see it. The core reads no files: the CLI
/// hands them in.
public struct SourceFile: Sendable {
    public var path: String
    public var bytes: [UInt8]

    public init(path: String, bytes: [UInt8]) {
        self.path = path
        self.bytes = bytes
    }
}

/// The result of loading and validating a manifest set.
public struct ValidationResult: Sendable {
    public var manifests: ManifestSet
    /// Every finding, messages already masked with `secrets`.
    public var diagnostics: Diagnostics
    /// Where the files hold secrets: hand it to whatever quotes their text.
    public var secrets: SecretRedactions
}

/// The whole of `amlauth validate` that is not I/O: YAML → typed manifests → every rule.
public struct ManifestValidation: Sendable {
    public var environment: [String: String]
    public var parser: YAMLParser

    public init(environment: [String: String], parser: YAMLParser = YAMLParser()) {
        self.environment = environment
        self.parser = parser
    }

    /// Parses, decodes and validates `files` as one manifest set.
    public func run(_ files: [SourceFile]) -> ValidationResult {
        var diagnostics = Diagnostics()
        var set = ManifestSet()
        var decoder = ManifestDecoder(environment: environment)
        var complete = true
        // One alias budget for the whole set: a thousand files each under the limit is one stall.
        var budget = parser.aliasBudget()
        // A RoleAssignment may name a RoleDefinition of any file. Definitions are gathered file by
        // file, and only the assignments that may name one wait for the last file; every other
        // document is decoded with its file, so each file's parsed tree is dropped before the next
        // is parsed (holding every tree at once took validate of 20,000 resources from 94 MiB to
        // 140; Benchmarks/validate/README.md).
        var roles = DeclaredRoles()
        var waiting: [YAMLNode] = []
        for file in files {
            let parsed = parser.parse(file.bytes, file: file.path, budget: &budget)
            for error in parsed.errors {
                diagnostics.append(Self.diagnostic(for: error))
                if case .duplicateKey = error.kind { continue }
                complete = false
            }
            roles.scan(parsed.documents.map(\.root))
            decoder.checker.roles = roles
            for document in parsed.documents {
                if DeclaredRoles.needsEveryDefinition(document.root) {
                    waiting.append(document.root)
                } else {
                    decoder.decode(document.root, into: &set)
                }
            }
        }
        decoder.checker.roles = roles
        for root in waiting { decoder.decode(root, into: &set) }
        diagnostics.append(contentsOf: decoder.diagnostics)
        // Cross-resource rules need every document; after a syntax error some are missing, and
        // their absence would only produce false "not found" errors.
        if complete, !files.isEmpty {
            let firstFile = files.first.map { SourceLocation(file: $0.path, line: 1, column: 1) }
            diagnostics.append(
                contentsOf: ReferenceRules.check(decoder.drafts, declarations: set.declarations, firstFile: firstFile))
            diagnostics.append(contentsOf: PolicyRules.check(decoder.drafts))
        }
        // The rules read drafts, not the complete manifests: a resource with a missing or invalid
        // field is still checked on every field it has, so one run reports every problem.
        diagnostics.append(contentsOf: AzureMLRules.check(decoder.drafts))
        diagnostics.append(contentsOf: OnlineEndpointRules.check(decoder.drafts))
        diagnostics.append(contentsOf: RoleDefinitionRules.check(decoder.drafts))
        diagnostics.append(contentsOf: OnlineDeploymentCodeRules.check(decoder.drafts))
        if let target = decoder.drafts.target { diagnostics.applySeverities(target.policy) }
        // Secrets are located in the raw text as well as in the nodes, so text no node covers
        // (comments, keys, dropped duplicates, lines libyaml rejected) is masked too.
        let secrets = SecretRedactions(files: files, locations: diagnostics.redactions)
        diagnostics.mask(secrets)
        return ValidationResult(manifests: set, diagnostics: diagnostics, secrets: secrets)
    }

    static func diagnostic(for error: YAMLError) -> Diagnostic {
        switch error.kind {
        case .syntax:
            Diagnostic(.yamlSyntax, error.message, at: error.location)
        case .duplicateKey(_, let first):
            Diagnostic(
                .duplicateKey, error.message, at: error.location,
                notes: [Diagnostic.Note("first defined here", at: first)])
        case .expansionLimit:
            Diagnostic(.expansionLimit, error.message, at: error.location)
        case .unsupported:
            Diagnostic(.unsupportedYAML, error.message, at: error.location)
        }
    }
}
