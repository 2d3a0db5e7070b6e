public import WireFormat

/// Generates the JSON Schema (draft 2020-12) of the manifest language from `ManifestSchema`, so
/// editors (yaml-language-server) complete and check manifests exactly as amlauth does.
public enum JSONSchemaGenerator {
    static let guidPattern = "[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}"
    static let envPattern = "\\$\\{env:[A-Za-z_][A-Za-z0-9_]*\\}"

    /// The whole schema document.
    public static func schema() -> JSONValue {
        let kinds = ManifestKind.allCases
        let branches: [JSONValue] = kinds.map { kind in
            .object([
                (
                    "if",
                    .object([
                        ("properties", .object([("kind", .object([("const", .string(kind.rawValue))]))])),
                        ("required", .array([.string("kind")])),
                    ])
                ),
                (
                    "then",
                    .object([
                        ("properties", .object([("spec", .object([("$ref", .string("#/$defs/\(kind.rawValue)"))]))]))
                    ])
                ),
            ])
        }
        return .object([
            ("$schema", .string("https://json-schema.org/draft/2020-12/schema")),
            ("title", .string("amlauth manifest")),
            (
                "description",
                .string("One document of an amlauth manifest set (apiVersion \(ManifestSchema.apiVersion)).")
            ),
            ("type", .string("object")),
            ("required", .array(ManifestSchema.documentFields.map(JSONValue.string))),
            ("additionalProperties", .bool(false)),
            (
                "properties",
                .object([
                    ("apiVersion", .object([("const", .string(ManifestSchema.apiVersion))])),
                    ("kind", .object([("enum", .array(kinds.map { .string($0.rawValue) }))])),
                    ("metadata", object(ManifestSchema.metadata)),
                    ("spec", .object([("type", .string("object"))])),
                ])
            ),
            ("allOf", .array(branches)),
            (
                "$defs",
                .object(
                    kinds.map { kind in
                        var definition = object(ManifestSchema.spec(for: kind))
                        if case .object(var pairs) = definition {
                            pairs.insert(("description", .string(ManifestSchema.summary(of: kind))), at: 0)
                            definition = .object(pairs)
                        }
                        return (kind.rawValue, definition)
                    })
            ),
        ])
    }

    static func object(_ spec: ObjectSpec) -> JSONValue {
        var pairs: [(String, JSONValue)] = [("type", .string("object")), ("additionalProperties", .bool(false))]
        let required = spec.fields.filter(\.required).map { JSONValue.string($0.name) }
        if !required.isEmpty { pairs.append(("required", .array(required))) }
        pairs.append(("properties", .object(spec.fields.map { field in (field.name, property(field)) })))
        if !spec.exactlyOne.isEmpty {
            pairs.append(("oneOf", .array(spec.exactlyOne.map { .object([("required", .array([.string($0)]))]) })))
        }
        return .object(pairs)
    }

    /// The schema of one field, with its documentation.
    public static func property(_ field: FieldSpec) -> JSONValue {
        var description = field.doc
        if let defaultValue = field.defaultValue { description += " Default: \(defaultValue)." }
        guard case .object(var pairs) = type(field.type, env: field.allowsEnvironment) else { return .null }
        pairs.insert(("description", .string(description)), at: 0)
        return .object(pairs)
    }

    static func type(_ type: FieldType, env: Bool) -> JSONValue {
        switch type {
        case .boolean: return .object([("type", .string("boolean"))])
        case .integer(let minimum):
            return .object([("type", .string("integer")), ("minimum", .number(Double(minimum)))])
        case .number(let minimum):
            return .object([("type", .string("number")), ("exclusiveMinimum", .number(minimum))])
        case .enumeration(let options): return .object([("enum", .array(options.map(JSONValue.string)))])
        case .object(let spec): return object(spec)
        case .array(let item, let minItems):
            var pairs: [(String, JSONValue)] = [("type", .string("array")), ("items", self.type(item, env: env))]
            if minItems > 0 { pairs.append(("minItems", .number(Double(minItems)))) }
            return .object(pairs)
        case .map(let keys, let value):
            // No key list: any key (traffic's deployment names, tags).
            let names: [(String, JSONValue)] =
                keys.isEmpty ? [] : [("propertyNames", .object([("enum", .array(keys.map(JSONValue.string)))]))]
            return .object(
                [("type", .string("object"))] + names + [("additionalProperties", self.type(value, env: env))])
        case .string(let format):
            return string(format, env: env)
        }
    }

    private static func string(_ format: StringFormat, env: Bool) -> JSONValue {
        func pattern(_ regex: String) -> JSONValue {
            let full = env ? "^(\(regex)|.*\(envPattern).*)$" : "^\(regex)$"
            return .object([("type", .string("string")), ("pattern", .string(full))])
        }
        switch format {
        case .text, .path, .reference:
            return env ? pattern(".+") : .object([("type", .string("string")), ("minLength", .number(1))])
        case .guid: return pattern(guidPattern)
        case .duration: return pattern("([0-9]+[wdhms])+")
        case .resourceID: return pattern("/.+")
        case .httpsURL: return pattern("https://[^/\\s][^\\s]*")
        case .versionedName: return pattern("[A-Za-z0-9._-]+:[1-9][0-9]*")
        case .action: return pattern("\\*|(\\*|[A-Za-z0-9_*-]*\\.[A-Za-z0-9._*-]*)(/[A-Za-z0-9._*-]+)+")
        case .sink:
            return pattern(
                "(file:.+|env-file:.+|github-output|keyvault:[A-Za-z][A-Za-z0-9-]{1,22}[A-Za-z0-9]/[A-Za-z0-9-]{1,127}|ado-variable:[A-Za-z0-9._]+)"
            )
        case .workspaceConfig:
            return pattern("workspace-config:.*[^/]")
        case .cloud:
            return .object([
                (
                    "anyOf",
                    .array([
                        .object([("enum", .array(CloudReference.builtInNames.map(JSONValue.string)))]),
                        .object([("type", .string("string")), ("pattern", .string("\\.[jJ][sS][oO][nN]$"))]),
                    ])
                )
            ])
        case .role:
            return .object([
                (
                    "anyOf",
                    .array([
                        .object([("enum", .array(RoleReference.builtIns.map { .string($0.name) }))]),
                        pattern(guidPattern),
                        // The metadata.name or role_name of a RoleDefinition of the manifests.
                        .object([("type", .string("string")), ("minLength", .number(1))]),
                    ])
                )
            ])
        }
    }
}
