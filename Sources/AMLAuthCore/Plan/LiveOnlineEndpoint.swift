/// An Azure ML v2 online endpoint as ARM reports it, parsed once by the reader. Kept as ARM
/// writes its values (`authMode: AMLToken`), so an auth mode amlauth does not model still
/// compares, and shows as drift.
public struct LiveOnlineEndpoint: Sendable, Codable, Equatable {
    public var workspaceID: AzureResourceID
    public var name: String
    public var location: String
    /// `Key`, `AMLToken`, `AADToken`, or another value ARM reports.
    public var authMode: String
    /// The attached Kubernetes compute's ARM id; nil for a managed endpoint.
    public var computeID: AzureResourceID?
    public var traffic: [String: Int]
    /// `Enabled` or `Disabled`; nil when ARM does not say.
    public var publicNetworkAccess: String?
    public var description: String?
    /// ARM tags, amlauth's ownership markers among them.
    public var tags: [String: String]
    public var provisioningState: String?
    public var scoringURI: String?

    public init(
        workspaceID: AzureResourceID, name: String, location: String, authMode: String, computeID: AzureResourceID?,
        traffic: [String: Int] = [:], publicNetworkAccess: String? = nil, description: String? = nil,
        tags: [String: String] = [:], provisioningState: String? = nil, scoringURI: String? = nil
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
        self.provisioningState = provisioningState
        self.scoringURI = scoringURI
    }

    /// The endpoint's ARM id.
    public var id: AzureResourceID { workspaceID.child("onlineEndpoints", name) }

    /// Whether amlauth's tags mark it as `name` of `target` (the same keys as a web service's kvTags).
    public func isOwned(target: String, name: String) -> Bool {
        tags[Markers.serviceTarget] == target && tags[Markers.serviceName] == name
    }
}

/// A deployment behind an online endpoint, as ARM reports it.
public struct LiveOnlineDeployment: Sendable, Codable, Equatable {
    public var endpointID: AzureResourceID
    public var name: String
    /// As ARM echoes it: an ARM id, `azureml:name:version` or `name:version`.
    public var model: String?
    public var environment: String?
    /// `properties.codeConfiguration.codeId` as ARM echoes it: a code version's ARM id.
    public var codeID: String?
    public var scoringScript: String?
    public var instanceType: String?
    public var instanceCount: Int
    public var tags: [String: String]
    public var provisioningState: String?

    public init(
        endpointID: AzureResourceID, name: String, model: String? = nil, environment: String? = nil,
        codeID: String? = nil, scoringScript: String? = nil, instanceType: String? = nil, instanceCount: Int = 1,
        tags: [String: String] = [:], provisioningState: String? = nil
    ) {
        self.codeID = codeID
        self.scoringScript = scoringScript
        self.endpointID = endpointID
        self.name = name
        self.model = model
        self.environment = environment
        self.instanceType = instanceType
        self.instanceCount = instanceCount
        self.tags = tags
        self.provisioningState = provisioningState
    }

    /// The deployment's ARM id.
    public var id: AzureResourceID { endpointID.child("deployments", name) }

    /// The model as `name:version`, whichever form ARM echoed (`…/models/{n}/versions/{v}`,
    /// `azureml:n:v`, `n:v`), so a manifest's `model` compares with it.
    public var modelVersionedName: String? {
        guard let model else { return nil }
        let parts = model.split(separator: "/").map(String.init)
        if parts.count >= 4, parts[parts.count - 2].lowercased() == "versions",
            parts[parts.count - 4].lowercased() == "models"
        {
            return "\(parts[parts.count - 3]):\(parts[parts.count - 1])"
        }
        return model.hasPrefix("azureml:") ? String(model.dropFirst("azureml:".count)) : model
    }
}
