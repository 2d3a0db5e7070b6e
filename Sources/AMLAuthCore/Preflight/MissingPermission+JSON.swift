public import WireFormat

extension MissingPermission {
    /// The JSON plan's `missingPermission` object on a note: `kind`, `scope`, `permission`,
    /// `grantedBy` (null when amlauth knows no role) and `neededBy` (addresses).
    public var json: JSONValue {
        .object([
            ("kind", .string(kind.rawValue)), ("scope", .string(scope)), ("permission", .string(permission)),
            ("grantedBy", grantedBy.map(JSONValue.string) ?? .null),
            ("neededBy", .array(neededBy.map { .string($0.description) })),
        ])
    }

    /// Reads `json`; nil when it is not such an object.
    public init?(json: JSONValue) {
        guard let kind = json["kind"]?.stringValue.flatMap(Kind.init(rawValue:)),
            let scope = json["scope"]?.stringValue, let permission = json["permission"]?.stringValue
        else { return nil }
        self.init(
            kind: kind, scope: scope, permission: permission, grantedBy: json["grantedBy"]?.stringValue,
            neededBy: (json["neededBy"]?.arrayValue ?? []).compactMap {
                $0.stringValue.flatMap(ResourceAddress.init(parsing:))
            }
        )
    }
}
