/// An Azure ML v2 online endpoint as the local cloud keeps it
/// (`…/workspaces/{ws}/onlineEndpoints/{name}`).
public struct OnlineEndpointRecord: Codable, Sendable {
    /// Unique per incarnation: an endpoint deleted and created again under the same name does not
    /// take AML tokens issued for the old one.
    public var id: String
    public var name: String
    public var resourceGroup: String
    public var workspace: String
    public var location: String
    /// `Key`, `AMLToken` or `AADToken`.
    public var authMode: String
    /// The ARM id of the attached Kubernetes compute; nil for a managed endpoint.
    public var compute: String?
    public var traffic: [String: Int]
    public var mirrorTraffic: [String: Int]
    public var publicNetworkAccess: String
    public var description: String?
    public var tags: [String: String]
    public var properties: [String: String]
    public var primaryKey: String
    public var secondaryKey: String
    /// `Creating`, `Updating`, `Deleting`, `Succeeded`, `Failed`.
    public var provisioningState: String
    public var createdTime: Double
    public var createdBy: String
    public var updatedTime: Double
}

/// A deployment behind an online endpoint.
public struct OnlineDeploymentRecord: Codable, Sendable {
    public var name: String
    public var endpoint: String
    public var resourceGroup: String
    public var workspace: String
    public var location: String
    /// The request's `properties` and `sku`, kept verbatim (model, environment, code, instance type).
    public var properties: String
    public var sku: String?
    public var tags: [String: String]
    public var provisioningState: String
    public var createdTime: Double
    public var updatedTime: Double
}

/// An ARM long-running operation of the Azure ML resource provider (`locations/{region}/
/// mfeOperationsStatus/{id}` and `…/mfeOperationResults/{id}`).
public struct ARMOperationRecord: Codable, Sendable {
    public var id: String
    /// `Create`, `Update`, `Delete` or `RegenerateKeys`.
    public var kind: String
    /// The ARM id of the resource it changes, in lower case.
    public var resourceID: String
    public var location: String
    public var createdTime: Double
    /// How often the operation or its resource was looked at: it finishes after two looks.
    public var polls: Int
    /// `InProgress`, `Succeeded`, `Failed`.
    public var status: String
    public var endTime: Double?
    /// Set when the operation will end `Failed`, with this ARM error.
    public var failureCode: String?
    public var failureMessage: String?
}

/// A custom role definition (`{scope}/providers/Microsoft.Authorization/roleDefinitions/{id}`).
public struct CustomRoleRecord: Codable, Sendable {
    public var id: String
    public var roleName: String
    public var description: String
    public var actions: [String]
    public var notActions: [String]
    public var dataActions: [String]
    public var notDataActions: [String]
    public var assignableScopes: [String]
    /// The scope the PUT named.
    public var scope: String
    public var createdOn: Double
    public var updatedOn: Double
    public var createdBy: String

    /// The role as the authorization check reads it.
    var definition: RoleDefinition {
        RoleDefinition(
            id: id, name: roleName, description: description, actions: actions, notActions: notActions,
            dataActions: dataActions, notDataActions: notDataActions)
    }
}
