/// A custom role to reconcile: ARM `PUT /subscriptions/{sub}/providers/Microsoft.Authorization/roleDefinitions/{id}`.
public struct DesiredRoleDefinition: Sendable {
    public var address: ResourceAddress
    /// The deterministic GUID a new role gets (`DeterministicName.roleDefinition`).
    public var id: GUID
    public var roleName: String
    /// The description with amlauth's ownership marker (`Markers.roleDefinitionDescription`).
    public var description: String
    public var permission: Permission
    public var assignableScopes: [AzureResourceID]
    /// The subscription the role is written in.
    public var subscription: AzureResourceID
    public var adopt: Bool

    init(
        _ manifest: RoleDefinitionManifest, target: String, subscriptionID: GUID,
        workspaceIDs: [String: AzureResourceID]
    ) {
        address = ResourceAddress(.roleDefinition, manifest.name)
        id = DeterministicName.roleDefinition(target: target, name: manifest.name)
        roleName = manifest.roleName
        description = Markers.roleDefinitionDescription(target, manifest.name, manifest.description)
        permission = manifest.permission
        assignableScopes = manifest.assignableScopes.map {
            $0.resolved(subscription: subscriptionID, workspaceIDs: workspaceIDs)
        }
        subscription = AzureResourceID(subscription: subscriptionID)
        adopt = manifest.adopt
    }
}

/// A custom role as ARM holds it (`type eq 'CustomRole'`), parsed once by the reader.
public struct LiveRoleDefinition: Sendable, Codable, Equatable {
    public var id: GUID
    public var roleName: String
    public var description: String?
    public var permission: Permission
    public var assignableScopes: [AzureResourceID]

    public init(
        id: GUID, roleName: String, description: String?, permission: Permission, assignableScopes: [AzureResourceID]
    ) {
        self.id = id
        self.roleName = roleName
        self.description = description
        self.permission = permission
        self.assignableScopes = assignableScopes
    }

    private enum CodingKeys: String, CodingKey {
        case id, roleName, description, actions, notActions, dataActions, notDataActions, assignableScopes
    }

    public init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        let text = try container.decode(String.self, forKey: .id)
        guard let id = GUID(text) else {
            throw DecodingError.dataCorruptedError(
                forKey: .id, in: container, debugDescription: "'\(text)' is not a GUID")
        }
        self.id = id
        roleName = try container.decode(String.self, forKey: .roleName)
        description = try container.decodeIfPresent(String.self, forKey: .description)
        func list(_ key: CodingKeys) throws -> [String] {
            try container.decodeIfPresent([String].self, forKey: key) ?? []
        }
        permission = Permission(
            actions: try list(.actions), notActions: try list(.notActions), dataActions: try list(.dataActions),
            notDataActions: try list(.notDataActions))
        assignableScopes = try container.decode([AzureResourceID].self, forKey: .assignableScopes)
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(id.value, forKey: .id)
        try container.encode(roleName, forKey: .roleName)
        try container.encodeIfPresent(description, forKey: .description)
        try container.encode(permission.actions, forKey: .actions)
        try container.encode(permission.notActions, forKey: .notActions)
        try container.encode(permission.dataActions, forKey: .dataActions)
        try container.encode(permission.notDataActions, forKey: .notDataActions)
        try container.encode(assignableScopes, forKey: .assignableScopes)
    }
}
