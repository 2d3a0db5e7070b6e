import WireFormat

/// A custom role's PUT: `PUT {subscription}/providers/Microsoft.Authorization/roleDefinitions/{id}`
/// with the whole definition (azure-rest-api-specs, authorization 2022-04-01, `RoleDefinitions_CreateOrUpdate`).
public struct RoleDefinitionPut: Sendable, Equatable {
    public var subscription: AzureResourceID
    public var id: GUID
    public var roleName: String
    public var description: String
    public var permission: Permission
    public var assignableScopes: [AzureResourceID]

    public init(
        subscription: AzureResourceID, id: GUID, roleName: String, description: String, permission: Permission,
        assignableScopes: [AzureResourceID]
    ) {
        self.subscription = subscription
        self.id = id
        self.roleName = roleName
        self.description = description
        self.permission = permission
        self.assignableScopes = assignableScopes
    }

    static let op = "put_role_definition"

    func json() -> JSONValue {
        func strings(_ values: [String]) -> JSONValue { .array(values.map(JSONValue.string)) }
        return .object([
            ("op", .string(Self.op)), ("subscription", .string(subscription.description)), ("id", .string(id.value)),
            ("role_name", .string(roleName)), ("description", .string(description)),
            ("actions", strings(permission.actions)), ("not_actions", strings(permission.notActions)),
            ("data_actions", strings(permission.dataActions)),
            ("not_data_actions", strings(permission.notDataActions)),
            ("assignable_scopes", strings(assignableScopes.map(\.description))),
        ])
    }

    init(_ reader: StepReader) throws(PlanDocument.ParseError) {
        var scopes: [AzureResourceID] = []
        for text in try reader.strings("assignable_scopes") {
            guard case .success(let scope) = AzureResourceID.parse(text) else {
                throw reader.invalid("assignable_scopes")
            }
            scopes.append(scope)
        }
        self.init(
            subscription: try reader.id("subscription"), id: try reader.guid("id"),
            roleName: try reader.string("role_name"), description: try reader.string("description"),
            permission: Permission(
                actions: try reader.strings("actions"), notActions: try reader.strings("not_actions"),
                dataActions: try reader.strings("data_actions"), notDataActions: try reader.strings("not_data_actions")),
            assignableScopes: scopes)
    }
}

/// A custom role's DELETE, with its name for messages (ARM answers `RoleDefinitionHasAssignments`
/// while any assignment names it).
public struct RoleDefinitionDelete: Sendable, Equatable {
    public var subscription: AzureResourceID
    public var id: GUID
    public var roleName: String

    public init(subscription: AzureResourceID, id: GUID, roleName: String) {
        self.subscription = subscription
        self.id = id
        self.roleName = roleName
    }

    static let op = "delete_role_definition"

    func json() -> JSONValue {
        .object([
            ("op", .string(Self.op)), ("subscription", .string(subscription.description)), ("id", .string(id.value)),
            ("role_name", .string(roleName)),
        ])
    }

    init(_ reader: StepReader) throws(PlanDocument.ParseError) {
        self.init(
            subscription: try reader.id("subscription"), id: try reader.guid("id"),
            roleName: try reader.string("role_name"))
    }
}
