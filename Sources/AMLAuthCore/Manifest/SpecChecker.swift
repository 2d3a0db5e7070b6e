import YAMLSource

/// Checks YAML nodes against `FieldSpec`s and yields `ManifestValue`s: the generic half of
/// decoding. Reports unknown, missing and mistyped fields, bad enum values and formats, YAML 1.1
/// booleans and misplaced or unset `${env:…}`; every problem is reported, none stops the walk.
struct SpecChecker {
    var environment: [String: String]
    var diagnostics = Diagnostics()
    /// Keys the secret scanner already reported (not reported again as unknown fields).
    var secretKeys: Set<SourceLocation> = []
    /// Values the secret scanner already reported: skipped, so no message can echo them.
    var secretValues: Set<SourceLocation> = []
    /// The RoleDefinitions of the set, which a `role` may name.
    var roles = DeclaredRoles()

    init(environment: [String: String]) {
        self.environment = environment
    }

    /// Checks a mapping against `spec`; nil when the node is not a mapping at all.
    mutating func checkObject(_ node: YAMLNode, _ spec: ObjectSpec, keyLocation: SourceLocation? = nil)
        -> ManifestValue?
    {
        guard let pairs = node.pairs else {
            diagnostics.report(
                .wrongType, "\(spec.title) must be a mapping of fields, not \(Self.describe(node))", at: node.location)
            return nil
        }
        var fields = ManifestFields(capacity: pairs.count)
        for pair in pairs {
            guard let field = spec.field(pair.key) else {
                if !isSecret(key: pair.keyLocation), !isSecret(value: pair.value.location) {
                    diagnostics.report(
                        .unknownField, "unknown field '\(pair.key)' in \(spec.title)", at: pair.keyLocation,
                        hint: Suggestion.hint(for: pair.key, in: spec.fields.map(\.name)))
                }
                continue
            }
            if pair.value.scalar?.isNull == true {
                if field.required {
                    diagnostics.report(
                        .missingField, "required field '\(pair.key)' of \(spec.title) has no value",
                        at: pair.keyLocation)
                }
                continue
            }
            if var value = check(pair.value, as: field.type, field: field, keyLocation: pair.keyLocation) {
                value.keyLocation = pair.keyLocation
                fields.append(pair.key, value)
            }
        }
        for field in spec.fields where field.required && !pairs.contains(where: { $0.key == field.name }) {
            diagnostics.report(
                .missingField, "missing required field '\(field.name)' in \(spec.title)",
                at: keyLocation ?? node.location)
        }
        if !spec.exactlyOne.isEmpty {
            // Written with a value (null ones do not count), valid or not.
            let given = spec.exactlyOne.filter { name in
                pairs.contains { $0.key == name && $0.value.scalar?.isNull != true }
            }
            if given.count != 1 {
                let options = spec.exactlyOne.map { "'\($0)'" }.joined(separator: ", ")
                let found = given.isEmpty ? "none" : given.map { "'\($0)'" }.joined(separator: " and ")
                diagnostics.report(
                    .exactlyOneOf, "\(spec.title) needs exactly one of \(options); found \(found)",
                    at: keyLocation ?? node.location)
            }
        }
        fields.rejectedKeys = pairs.compactMap { fields[$0.key] == nil ? $0.key : nil }
        return ManifestValue(.object(fields), at: node.location)
    }

    /// Whether the scanner flagged this key. Most manifests hold no secret: then no location is
    /// hashed (a location hashes its file name; this runs for every field).
    private func isSecret(key location: SourceLocation) -> Bool {
        !secretKeys.isEmpty && secretKeys.contains(location)
    }

    /// Whether the scanner flagged this value (see `isSecret(key:)`).
    private func isSecret(value location: SourceLocation) -> Bool {
        !secretValues.isEmpty && secretValues.contains(location)
    }

    private mutating func check(
        _ node: YAMLNode, as type: FieldType, field: FieldSpec, keyLocation: SourceLocation? = nil
    ) -> ManifestValue? {
        if isSecret(value: node.location) { return nil }
        switch type {
        case .object(let spec):
            return checkObject(node, spec, keyLocation: keyLocation)
        case .array(let itemType, let minItems):
            guard let items = node.items else {
                diagnostics.report(
                    .wrongType, "'\(field.name)' must be a list, not \(Self.describe(node))", at: node.location)
                return nil
            }
            if items.count < minItems {
                diagnostics.report(
                    .outOfRange, "'\(field.name)' needs at least \(minItems) item\(minItems == 1 ? "" : "s")",
                    at: node.location)
            }
            let checked = items.compactMap { item -> ManifestValue? in
                if item.scalar?.isNull == true {
                    diagnostics.report(.wrongType, "'\(field.name)' has an empty item", at: item.location)
                    return nil
                }
                return check(item, as: itemType, field: field)
            }
            return ManifestValue(.array(checked), at: node.location)
        case .map(_, let valueType):
            guard let pairs = node.pairs else {
                diagnostics.report(
                    .wrongType, "'\(field.name)' must be a mapping, not \(Self.describe(node))", at: node.location)
                return nil
            }
            var values = ManifestFields(capacity: pairs.count)
            for pair in pairs {
                if var value = check(pair.value, as: valueType, field: field) {
                    value.keyLocation = pair.keyLocation
                    values.append(pair.key, value)
                }
            }
            return ManifestValue(.object(values), at: node.location)
        case .string, .boolean, .integer, .number, .enumeration:
            guard let scalar = node.scalar else {
                diagnostics.report(
                    .wrongType, "'\(field.name)' must be \(Self.describe(type)), not \(Self.describe(node))",
                    at: node.location)
                return nil
            }
            return checkScalar(scalar, at: node.location, as: type, field: field)
        }
    }

    private mutating func checkScalar(
        _ scalar: YAMLScalar, at location: SourceLocation, as type: FieldType, field: FieldSpec
    ) -> ManifestValue? {
        if EnvironmentInterpolation.mentions(scalar.value) {
            guard case .string = type, field.allowsEnvironment else {
                diagnostics.report(
                    .envNotAllowed, "'${env:…}' is not allowed in '\(field.name)'", at: location,
                    hint:
                        "environment variables may fill identifiers only (tenant, subscription, object IDs, resource groups, roles, scope IDs), never secrets or settings"
                )
                return nil
            }
        }
        switch type {
        case .boolean:
            if scalar.isPlainUntagged, let value = Self.coreBoolean(scalar.value) {
                return ManifestValue(.bool(value), at: location)
            }
            if scalar.isPlainUntagged, let value = Self.yaml11Boolean(scalar.value) {
                diagnostics.report(
                    .yaml11Boolean, "'\(scalar.value)' is not a boolean in YAML 1.2; write \(value)", at: location,
                    hint: "amlauth reads YAML 1.2: only true and false are booleans")
                return nil
            }
            diagnostics.report(
                .wrongType, "'\(field.name)' must be true or false, not \(Self.describe(scalar))", at: location)
            return nil
        case .integer(let minimum):
            guard scalar.isPlainUntagged, let value = Int(scalar.value) else {
                diagnostics.report(
                    .wrongType, "'\(field.name)' must be a whole number, not \(Self.describe(scalar))", at: location)
                return nil
            }
            guard value >= minimum else {
                diagnostics.report(
                    .outOfRange, "'\(field.name)' must be at least \(minimum), not \(value)", at: location)
                return nil
            }
            return ManifestValue(.integer(value), at: location)
        case .number(let exclusiveMinimum):
            guard scalar.isPlainUntagged, let value = Self.number(scalar.value) else {
                diagnostics.report(
                    .wrongType, "'\(field.name)' must be a number, not \(Self.describe(scalar))", at: location)
                return nil
            }
            guard value > exclusiveMinimum else {
                diagnostics.report(
                    .outOfRange,
                    "'\(field.name)' must be greater than \(Self.format(exclusiveMinimum)), not \(scalar.value)",
                    at: location)
                return nil
            }
            return ManifestValue(.number(value), at: location)
        case .enumeration(let options):
            guard options.contains(scalar.value) else {
                let shown = options.joined(separator: " | ")
                diagnostics.report(
                    .invalidEnum, "'\(scalar.value)' is not a valid \(field.name); expected \(shown)", at: location,
                    hint: Suggestion.hint(for: scalar.value, in: options))
                return nil
            }
            return ManifestValue(.string(scalar.value), at: location)
        case .string(let format):
            if scalar.isPlainUntagged, Self.coreBoolean(scalar.value) != nil {
                diagnostics.report(
                    .wrongType, "'\(field.name)' must be \(Self.describe(type)), not the boolean \(scalar.value)",
                    at: location,
                    hint: "quote it (\"\(scalar.value)\") if you mean the text")
                return nil
            }
            var text = scalar.value
            var origin = ""
            if EnvironmentInterpolation.mentions(text) {
                switch EnvironmentInterpolation.expand(text, environment: environment) {
                case .success(let expanded):
                    origin = text
                    text = expanded
                case .failure(.unset(let name)):
                    diagnostics.report(
                        .envUnset, "environment variable '\(name)' is not set", at: location,
                        hint: "export \(name) before running amlauth")
                    return nil
                case .failure(.malformed(let piece)):
                    diagnostics.report(
                        .invalidFormat, "'\(piece)' is not a valid interpolation; write ${env:NAME}", at: location)
                    return nil
                }
            }
            guard checkFormat(text, format, field: field, origin: origin, at: location) else { return nil }
            return ManifestValue(.string(text), at: location)
        case .object, .array, .map:
            return nil
        }
    }

    /// Checks one string against its format, reporting with the format's own code.
    private mutating func checkFormat(
        _ text: String, _ format: StringFormat, field: FieldSpec, origin: String, at location: SourceLocation
    ) -> Bool {
        // A value that came from the environment is named by its variable, never echoed.
        let shown = origin.isEmpty ? "'\(text)'" : "the value of \(origin)"
        switch format {
        case .text, .path, .reference:
            if text.isEmpty {
                diagnostics.report(.missingField, "'\(field.name)' is empty", at: location)
                return false
            }
            return true
        case .guid:
            if GUID(text) == nil {
                diagnostics.report(
                    .invalidGUID, "\(shown) is not a GUID (xxxxxxxx-xxxx-xxxx-xxxx-xxxxxxxxxxxx)", at: location)
                return false
            }
        case .duration:
            if ManifestDuration(parsing: text) == nil {
                diagnostics.report(
                    .invalidDuration, "\(shown) is not a duration", at: location,
                    hint: "write a number and a unit: 90d, 12h, 30m, 1d12h")
                return false
            }
        case .resourceID:
            if case .failure(let error) = AzureResourceID.parse(text) {
                diagnostics.report(.invalidResourceID, "\(shown) is not an Azure resource ID: \(error)", at: location)
                return false
            }
        case .role:
            // A GUID is always itself; a name may be a built-in role or a RoleDefinition, not both.
            if GUID(text) != nil { return true }
            let definitions = roles.definitions(named: text)
            let builtIn = RoleReference.builtIn(named: text)
            if definitions.count + (builtIn == nil ? 0 : 1) > 1 {
                let candidates =
                    definitions.map { "RoleDefinition '\($0)'" }
                    + (builtIn.map { ["the built-in role '\($0.name)'"] } ?? [])
                diagnostics.report(
                    .ambiguousRole, "\(shown) names more than one role: \(candidates.joined(separator: ", "))",
                    at: location,
                    hint: "give each RoleDefinition a role_name no other role has, or name the role by its GUID")
                return false
            }
            if definitions.isEmpty, builtIn == nil {
                diagnostics.report(
                    .unknownRole,
                    "\(shown) is neither a built-in role amlauth knows, a RoleDefinition of these manifests, nor a role-definition GUID",
                    at: location,
                    hint: Suggestion.hint(for: text, in: RoleReference.builtIns.map(\.name) + roles.names)
                        ?? "declare it as a RoleDefinition, or name an existing custom role by its GUID")
                return false
            }
        case .action:
            if let problem = ActionPattern.problem(text) {
                diagnostics.report(.invalidAction, "\(shown) is not an Azure operation: \(problem)", at: location)
                return false
            }
        case .cloud:
            if CloudReference(parsing: text) == nil {
                diagnostics.report(
                    .invalidEnum,
                    "\(shown) is not a cloud; expected \(CloudReference.builtInNames.joined(separator: " | ")) or a path to a cloud .json file",
                    at: location, hint: Suggestion.hint(for: text, in: CloudReference.builtInNames))
                return false
            }
        case .sink:
            if case .failure(let problem) = SecretSink.parse(text) {
                // The sink's own reason (a vault name Key Vault would refuse, say), at the value.
                let message =
                    text.hasPrefix("keyvault:") || text.hasPrefix("ado-variable:")
                        || text.hasPrefix("azure-devops:") || text.hasPrefix(WorkspaceConfigSink.prefix)
                    ? "\(shown) is not a valid sink: \(problem)"
                    : "\(shown) is not a secret sink; expected \(SecretSink.forms.joined(separator: " | "))"
                diagnostics.report(.invalidSink, message, at: location)
                return false
            }
        case .workspaceConfig:
            if case .failure(let problem) = WorkspaceConfigSink.parse(text) {
                diagnostics.report(.invalidSink, "\(shown) is not a valid sink: \(problem)", at: location)
                return false
            }
        case .httpsURL:
            if !TextFormats.isHTTPSURL(text) {
                diagnostics.report(.invalidFormat, "\(shown) is not an https:// URL", at: location)
                return false
            }
        case .versionedName:
            if VersionedName(parsing: text) == nil {
                diagnostics.report(.invalidFormat, "\(shown) is not name:version (e.g. sklearn-mnist:3)", at: location)
                return false
            }
        }
        return true
    }

    // MARK: YAML 1.2 core schema

    static func coreBoolean(_ text: String) -> Bool? {
        switch text {
        case "true", "True", "TRUE": true
        case "false", "False", "FALSE": false
        default: nil
        }
    }

    static func yaml11Boolean(_ text: String) -> Bool? {
        switch text.lowercased() {
        case "yes", "y", "on": true
        case "no", "n", "off": false
        default: nil
        }
    }

    static func number(_ text: String) -> Double? {
        guard let first = text.unicodeScalars.first,
            first == "-" || first == "+" || first == "." || ("0"..."9").contains(first),
            let value = Double(text), value.isFinite
        else { return nil }
        return value
    }

    static func format(_ value: Double) -> String {
        value == value.rounded() ? String(Int(value)) : String(value)
    }

    static func describe(_ node: YAMLNode) -> String {
        switch node.content {
        case .scalar(let scalar): describe(scalar)
        case .mapping: "a mapping"
        case .sequence: "a list"
        }
    }

    static func describe(_ scalar: YAMLScalar) -> String {
        if scalar.isNull { return "null" }
        if scalar.isPlainUntagged {
            if coreBoolean(scalar.value) != nil { return "the boolean \(scalar.value)" }
            if number(scalar.value) != nil { return "the number \(scalar.value)" }
        }
        return "the text '\(scalar.value)'"
    }

    static func describe(_ type: FieldType) -> String {
        switch type {
        case .string(let format):
            switch format {
            case .guid: "a GUID"
            case .duration: "a duration"
            case .resourceID: "an Azure resource ID"
            case .httpsURL: "an https URL"
            case .text, .role, .cloud, .sink, .workspaceConfig, .versionedName, .path, .reference, .action: "a string"
            }
        case .boolean: "true or false"
        case .integer: "a whole number"
        case .number: "a number"
        case .enumeration(let options): "one of \(options.joined(separator: " | "))"
        case .object: "a mapping"
        case .array: "a list"
        case .map: "a mapping"
        }
    }
}
