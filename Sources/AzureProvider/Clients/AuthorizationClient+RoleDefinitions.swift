public import AMLAuthCore
import HTTPClient
import WireFormat

/// Custom role definitions (azure-rest-api-specs, authorization 2022-04-01,
/// `authorization-RoleDefinitionsCalls.json`: `RoleDefinitions_List`, `RoleDefinitions_CreateOrUpdate`,
/// `RoleDefinitions_Delete`).
extension AuthorizationClient {
    /// A role definition as ARM returns it (one `permissions` entry: custom roles have one).
    public struct RoleDefinition: Sendable, Equatable {
        /// The GUID (ARM `name`), lower-cased.
        public var name: String
        public var roleName: String
        public var description: String?
        public var permission: Permission
        public var assignableScopes: [String]

        public init(
            name: String, roleName: String, description: String?, permission: Permission, assignableScopes: [String]
        ) {
            self.name = name.lowercased()
            self.roleName = roleName
            self.description = description
            self.permission = permission
            self.assignableScopes = assignableScopes
        }

        init?(_ json: JSONValue) {
            guard let name = json["name"]?.stringValue, let properties = json["properties"],
                let roleName = properties["roleName"]?.stringValue
            else { return nil }
            let entries = properties["permissions"]?.arrayValue ?? []
            func strings(_ key: String) -> [String] {
                entries.flatMap { $0[key]?.arrayValue?.compactMap(\.stringValue) ?? [] }
            }
            self.init(
                name: name, roleName: roleName, description: properties["description"]?.stringValue,
                permission: Permission(
                    actions: strings("actions"), notActions: strings("notActions"),
                    dataActions: strings("dataActions"), notDataActions: strings("notDataActions")),
                assignableScopes: properties["assignableScopes"]?.arrayValue?.compactMap(\.stringValue) ?? [])
        }
    }

    /// Every custom role applicable at `scope` (a subscription) or anywhere below it, across pages.
    /// A plain list gives the roles "applicable at scope and above" only, so a role assignable
    /// only at a workspace would be missed (and never pruned); the spec's `atScopeAndBelow()`
    /// searches below too. It cannot be combined with `type eq 'CustomRole'` (the spec documents
    /// one filter at a time), so built-in roles are dropped here, by their `type`.
    public func listCustomRoles(scope: String) async throws(AzureError) -> [RoleDefinition] {
        let filter = "&$filter=" + TokenClient.encode("atScopeAndBelow()")
        return try await pipeline.listAll(request("GET", url(scope, "roleDefinitions", query: filter)))
            .filter { $0["properties"]?["type"]?.stringValue?.lowercased() == "customrole" }
            .compactMap(RoleDefinition.init)
    }

    /// PUT by GUID: creates or replaces the whole definition (idempotent: safe to repeat).
    public func putRoleDefinition(scope: String, _ definition: RoleDefinition) async throws(AzureError)
        -> RoleDefinition
    {
        func strings(_ values: [String]) -> JSONValue { .array(values.map(JSONValue.string)) }
        var properties: [(String, JSONValue)] = [
            ("roleName", .string(definition.roleName)), ("type", .string("CustomRole")),
        ]
        if let description = definition.description { properties.append(("description", .string(description))) }
        properties += [
            ("assignableScopes", strings(definition.assignableScopes)),
            (
                "permissions",
                .array([
                    .object([
                        ("actions", strings(definition.permission.actions)),
                        ("notActions", strings(definition.permission.notActions)),
                        ("dataActions", strings(definition.permission.dataActions)),
                        ("notDataActions", strings(definition.permission.notDataActions)),
                    ])
                ])
            ),
        ]
        return try await put(
            scope, "roleDefinitions/\(definition.name)", properties: properties, what: "role definition",
            decode: RoleDefinition.init)
    }

    /// DELETE; true when it existed (200), false when it was already gone (204).
    @discardableResult
    public func deleteRoleDefinition(scope: String, name: String) async throws(AzureError) -> Bool {
        try await delete(scope, "roleDefinitions/\(name)")
    }
}
