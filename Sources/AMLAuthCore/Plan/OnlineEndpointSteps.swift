/// Everything ARM needs to create or replace an online endpoint. The planner fills every field,
/// traffic included: a PUT replaces the whole resource.
public struct OnlineEndpointPut: Sendable, Equatable {
    public var workspaceID: AzureResourceID
    public var name: String
    public var location: String
    public var authMode: OnlineEndpointAuth
    /// The attached Kubernetes compute's ARM id; nil for managed.
    public var computeID: AzureResourceID?
    public var traffic: [String: Int]
    /// `Enabled` or `Disabled` as ARM writes it; nil leaves Azure's default.
    public var publicNetworkAccess: String?
    public var description: String?
    /// The manifest's tags and amlauth's ownership markers.
    public var tags: [String: String]

    public init(
        workspaceID: AzureResourceID, name: String, location: String, authMode: OnlineEndpointAuth,
        computeID: AzureResourceID?, traffic: [String: Int], publicNetworkAccess: String?, description: String?,
        tags: [String: String]
    ) {
        self.workspaceID = workspaceID
        self.name = name
        self.location = location
        self.authMode = authMode
        self.computeID = computeID
        self.traffic = traffic
        self.publicNetworkAccess = publicNetworkAccess
        self.description = description
        self.tags = tags
    }

    public var id: AzureResourceID { workspaceID.child("onlineEndpoints", name) }
}

/// Everything ARM needs to create or replace a deployment behind an endpoint.
public struct OnlineDeploymentPut: Sendable, Equatable {
    public var endpointID: AzureResourceID
    public var name: String
    public var location: String
    public var model: VersionedName
    public var environment: String?
    public var instanceType: String?
    public var instanceCount: Int
    public var tags: [String: String]
    /// `codeConfiguration`; nil for a deployment without code.
    public var code: OnlineDeploymentCode?

    public init(
        endpointID: AzureResourceID, name: String, location: String, model: VersionedName, environment: String?,
        instanceType: String?, instanceCount: Int, tags: [String: String], code: OnlineDeploymentCode? = nil
    ) {
        self.code = code
        self.endpointID = endpointID
        self.name = name
        self.location = location
        self.model = model
        self.environment = environment
        self.instanceType = instanceType
        self.instanceCount = instanceCount
        self.tags = tags
    }

    public var id: AzureResourceID { endpointID.child("deployments", name) }
}

extension OnlineEndpointAuth {
    /// The value of ARM's `properties.authMode`.
    public var armValue: String {
        switch self {
        case .key: "Key"
        case .amlToken: "AMLToken"
        case .aadToken: "AADToken"
        }
    }

    /// Reads ARM's `properties.authMode` (case-insensitively, as ARM compares enums).
    public init?(armValue: String) {
        guard let mode = Self.allCases.first(where: { $0.armValue.lowercased() == armValue.lowercased() }) else {
            return nil
        }
        self = mode
    }
}
