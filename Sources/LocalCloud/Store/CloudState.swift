import WireFormat

/// Everything the local cloud knows, persisted as one JSON document. Secrets the real services
/// never return again (application passwords) are stored only as salted hashes.
public struct CloudState: Codable, Sendable {
    public static let formatVersion = 1

    public var formatVersion = CloudState.formatVersion
    public var tenantID: String
    public var tenantDomain: String
    public var subscriptionID: String
    public var subscriptionName: String
    public var resourceGroups: [ResourceGroupRecord] = []
    public var workspaces: [WorkspaceRecord] = []
    public var computes: [ComputeRecord] = []
    public var applications: [ApplicationRecord] = []
    public var servicePrincipals: [ServicePrincipalRecord] = []
    /// Users and groups (seeded only): objects role assignments may name besides service principals.
    public var directoryObjects: [DirectoryObjectRecord] = []
    public var roleAssignments: [RoleAssignmentRecord] = []
    public var services: [ServiceRecord] = []
    public var operations: [OperationRecord] = []
    /// Key Vaults (RBAC model) and their secrets. Optional so that data directories written
    /// before vaults existed still load (they have none).
    public var vaults: [VaultRecord]?
    /// People who can sign in with the device-code flow. Optional so that data directories written
    /// before users existed still load (they have none).
    public var users: [UserRecord]?
    /// Azure ML v2 online endpoints, their deployments, the ARM operations that change them, and
    /// custom role definitions. Optional so that data directories written before they existed
    /// still load (they have none): no format version change.
    public var onlineEndpoints: [OnlineEndpointRecord]?
    public var onlineDeployments: [OnlineDeploymentRecord]?
    public var armOperations: [ARMOperationRecord]?
    public var customRoles: [CustomRoleRecord]?
    /// Azure ML code versions and the blob containers their content was uploaded to (optional for
    /// the same reason).
    public var codeVersions: [CodeVersionRecord]?
    public var blobContainers: [BlobContainerRecord]?
    /// The artifact service's files (v1 services' uploaded entry scripts) and the registered
    /// environments their image requests reference. Optional so that older data directories still
    /// load (they have none).
    public var artifacts: [ArtifactRecord]?
    public var environments: [EnvironmentRecord]?
    /// Registered v1 models (optional for the same reason).
    public var models: [ModelRecord]?
    /// The seeded owner's credentials, printed in the cloud file so a first login is possible.
    public var bootstrapClientID: String
    public var bootstrapClientSecret: String

    public init(
        tenantID: String, tenantDomain: String, subscriptionID: String, subscriptionName: String,
        bootstrapClientID: String, bootstrapClientSecret: String
    ) {
        self.tenantID = tenantID
        self.tenantDomain = tenantDomain
        self.subscriptionID = subscriptionID
        self.subscriptionName = subscriptionName
        self.bootstrapClientID = bootstrapClientID
        self.bootstrapClientSecret = bootstrapClientSecret
    }
}

public struct ResourceGroupRecord: Codable, Sendable {
    public var name: String
    public var location: String
}

public struct WorkspaceRecord: Codable, Sendable {
    public var name: String
    public var resourceGroup: String
    public var location: String
    public var workspaceID: String
}

public struct ComputeRecord: Codable, Sendable {
    public var name: String
    public var workspace: String
    public var resourceGroup: String
    public var computeType: String
    public var location: String
}

public struct PasswordRecord: Codable, Sendable {
    public var keyID: String
    public var displayName: String?
    public var hint: String
    public var startDateTime: Double
    public var endDateTime: Double
    public var salt: String
    public var hash: String
    /// When `addPassword` made it (nil for passwords from older data and the bootstrap's).
    public var createdDateTime: Double?
}

public struct KeyCredentialRecord: Codable, Sendable {
    public var keyID: String
    public var type: String
    public var usage: String
    /// Base64 DER of the certificate.
    public var key: String
    public var displayName: String?
    public var customKeyIdentifier: String?
    public var startDateTime: Double
    public var endDateTime: Double
}

public struct FederatedCredentialRecord: Codable, Sendable {
    public var id: String
    public var name: String
    public var issuer: String
    public var subject: String
    public var audiences: [String]
    public var description: String?
}

public struct ApplicationRecord: Codable, Sendable {
    public var id: String
    public var appID: String
    public var displayName: String
    public var tags: [String]
    public var createdDateTime: Double
    /// The client-chosen alternate key (`applications(uniqueName='…')`); set once, immutable.
    public var uniqueName: String?
    public var passwordCredentials: [PasswordRecord] = []
    public var keyCredentials: [KeyCredentialRecord] = []
    public var federatedCredentials: [FederatedCredentialRecord] = []
    /// Graph application permissions granted to the app (e.g. `Application.ReadWrite.All`).
    public var graphPermissions: [String] = []
}

public struct ServicePrincipalRecord: Codable, Sendable {
    public var id: String
    public var appID: String
    public var displayName: String
    public var tags: [String]
    public var createdDateTime: Double
}

public struct DirectoryObjectRecord: Codable, Sendable {
    public var id: String
    /// `User` or `Group`.
    public var type: String
    public var displayName: String

    public init(id: String, type: String, displayName: String) {
        self.id = id
        self.type = type
        self.displayName = displayName
    }
}

/// A person in the directory who signs in interactively (`amlauth login`), with the Graph rights a
/// directory role would give them (delegated permissions, checked like an application's).
public struct UserRecord: Codable, Sendable {
    public var id: String
    public var userPrincipalName: String
    public var displayName: String
    public var graphPermissions: [String]

    public init(id: String, userPrincipalName: String, displayName: String, graphPermissions: [String]) {
        self.id = id
        self.userPrincipalName = userPrincipalName
        self.displayName = displayName
        self.graphPermissions = graphPermissions
    }
}

public struct RoleAssignmentRecord: Codable, Sendable {
    /// The GUID name.
    public var name: String
    /// The scope as created (its case is kept; comparisons ignore case).
    public var scope: String
    public var roleDefinitionID: String
    public var principalID: String
    public var principalType: String
    public var description: String?
    public var createdOn: Double
    public var createdBy: String

    public init(
        name: String, scope: String, roleDefinitionID: String, principalID: String, principalType: String,
        description: String?, createdOn: Double, createdBy: String
    ) {
        self.name = name
        self.scope = scope
        self.roleDefinitionID = roleDefinitionID
        self.principalID = principalID
        self.principalType = principalType
        self.description = description
        self.createdOn = createdOn
        self.createdBy = createdBy
    }
}

public struct ServiceRecord: Codable, Sendable {
    public var id: String
    public var name: String
    public var resourceGroup: String
    public var workspace: String
    public var computeType: String
    public var computeName: String?
    public var authEnabled: Bool
    public var aadAuthEnabled: Bool
    public var primaryKey: String
    public var secondaryKey: String
    public var kvTags: [String: String]
    public var properties: [String: String]
    public var description: String?
    public var cpu: Double
    public var memoryInGB: Double
    public var state: String
    public var createdTime: Double
    public var updatedTime: Double
    /// The rest of the create payload (models, environment image request…), kept verbatim.
    public var payload: String
    public var operationID: String?
}

public struct OperationRecord: Codable, Sendable {
    public var id: String
    public var operationType: String
    public var serviceName: String
    public var resourceGroup: String
    public var workspace: String
    public var createdTime: Double
    public var state: String
    public var polls: Int
}
