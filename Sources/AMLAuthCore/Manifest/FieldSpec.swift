/// The shape of the manifest language as data. One table drives decoding (unknown fields, required
/// fields, types, enums, formats, `${env:…}`), the "did you mean" hints and the JSON Schema, so the
/// three can never disagree.
public indirect enum FieldType: Sendable {
    case string(StringFormat)
    case boolean
    case integer(minimum: Int)
    case number(exclusiveMinimum: Double)
    case enumeration([String])
    case object(ObjectSpec)
    case array(FieldType, minItems: Int)
    /// A mapping whose keys come from `keys` (checked by a semantic rule, so the message can
    /// explain) and whose values have one type.
    case map(keys: [String], FieldType)
}

/// What a string field must look like; each has a parser in the core and a pattern in the schema.
public enum StringFormat: Sendable, Equatable {
    case text
    case guid
    case duration
    case resourceID
    case role
    case cloud
    case sink
    /// `workspace-config:PATH` (a Workspace's `deliver_to`).
    case workspaceConfig
    case httpsURL
    /// `name:version`, as the Azure ML SDK writes models and environments.
    case versionedName
    case path
    /// The name of a resource of this kind elsewhere in the manifest set.
    case reference(ManifestKind)
    /// An Azure RBAC operation as a role definition lists it: `Provider.Namespace/type/…/verb`,
    /// with `*` wildcards (`*`, `*/read`, `Microsoft.Storage/*`).
    case action
}

/// One field of an object: its name, type, whether it is required, and its documentation.
public struct FieldSpec: Sendable {
    public var name: String
    public var type: FieldType
    public var required: Bool
    /// `${env:NAME}` may fill this field (identifiers only, never secrets).
    public var allowsEnvironment: Bool
    public var doc: String
    /// The default as the user would write it, for docs and the schema.
    public var defaultValue: String?

    public init(
        _ name: String, _ type: FieldType, required: Bool = false, env: Bool = false,
        default defaultValue: String? = nil,
        doc: String
    ) {
        self.name = name
        self.type = type
        self.required = required
        self.allowsEnvironment = env
        self.doc = doc
        self.defaultValue = defaultValue
    }
}

/// A mapping with known fields. `exactlyOne` names fields of which exactly one must be present
/// (`principal: {service_principal: …}` or `{object_id: …, type: …}`).
public struct ObjectSpec: Sendable {
    /// How messages name the object ("Webservice spec").
    public var title: String
    public var fields: [FieldSpec]
    public var exactlyOne: [String]

    public init(_ title: String, exactlyOne: [String] = [], _ fields: [FieldSpec]) {
        self.title = title
        self.fields = fields
        self.exactlyOne = exactlyOne
    }

    public func field(_ name: String) -> FieldSpec? { fields.first { $0.name == name } }
}

/// The kinds of document the manifest language has.
public enum ManifestKind: String, Sendable, CaseIterable, Codable, Comparable {
    case target = "Target"
    case workspace = "Workspace"
    case servicePrincipal = "ServicePrincipal"
    case roleDefinition = "RoleDefinition"
    case roleAssignment = "RoleAssignment"
    case webservice = "Webservice"
    case onlineEndpoint = "OnlineEndpoint"
    case onlineDeployment = "OnlineDeployment"

    public static func < (lhs: ManifestKind, rhs: ManifestKind) -> Bool {
        allCases.firstIndex(of: lhs)! < allCases.firstIndex(of: rhs)!
    }
}
