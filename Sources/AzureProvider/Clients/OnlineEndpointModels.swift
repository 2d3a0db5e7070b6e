public import AMLAuthCore

// The typed values of Azure ML v2 online endpoints and deployments (ARM
// `Microsoft.MachineLearningServices/workspaces/onlineEndpoints[/deployments]`), shared by the
// client that speaks the wire format and the engine that plans and applies them. Field meanings
// follow the REST spec `stable/2024-04-01/examples/Workspace/OnlineEndpoint/*.json` and azure-ai-ml's
// `_restclient` models; the JSON names live only in `OnlineEndpointsClient`.

/// How callers authenticate to an endpoint's scoring URI (`properties.authMode`).
public enum OnlineEndpointAuthMode: String, Sendable, Equatable, Codable, CaseIterable {
    /// Two keys that never expire (`Key`).
    case key = "Key"
    /// Azure ML tokens from `POST …/token`, which expire (`AMLToken`).
    case amlToken = "AMLToken"
    /// Entra tokens for the `https://ml.azure.com` audience; managed endpoints only (`AADToken`).
    case aadToken = "AADToken"
}

/// Where an endpoint runs: Azure-managed, or an attached Kubernetes compute (by ARM id).
public enum OnlineEndpointCompute: Sendable, Equatable, Hashable {
    case managed
    case kubernetes(computeID: AzureResourceID)
}

/// An online endpoint as ARM returns it.
public struct OnlineEndpoint: Sendable, Equatable {
    public var id: AzureResourceID
    public var name: String
    public var location: String
    public var authMode: OnlineEndpointAuthMode
    public var compute: OnlineEndpointCompute
    /// Deployment name → percent.
    public var traffic: [String: Int]
    /// `Enabled` or `Disabled`.
    public var publicNetworkAccess: String?
    public var description: String?
    public var tags: [String: String]
    /// `Creating`, `Updating`, `Deleting`, `Succeeded`, `Failed`, `Canceled`; nil means succeeded.
    public var provisioningState: String?
    public var scoringURI: String?

    public init(
        id: AzureResourceID, name: String, location: String, authMode: OnlineEndpointAuthMode,
        compute: OnlineEndpointCompute, traffic: [String: Int] = [:], publicNetworkAccess: String? = nil,
        description: String? = nil, tags: [String: String] = [:], provisioningState: String? = nil,
        scoringURI: String? = nil
    ) {
        self.id = id
        self.name = name
        self.location = location
        self.authMode = authMode
        self.compute = compute
        self.traffic = traffic
        self.publicNetworkAccess = publicNetworkAccess
        self.description = description
        self.tags = tags
        self.provisioningState = provisioningState
        self.scoringURI = scoringURI
    }
}

/// What amlauth asks ARM to make an endpoint (`PUT …/onlineEndpoints/{name}`).
public struct OnlineEndpointDefinition: Sendable, Equatable {
    public var workspaceID: AzureResourceID
    public var name: String
    public var location: String
    public var authMode: OnlineEndpointAuthMode
    public var compute: OnlineEndpointCompute
    public var traffic: [String: Int]
    public var publicNetworkAccess: String?
    public var description: String?
    /// Includes amlauth's ownership markers.
    public var tags: [String: String]

    public init(
        workspaceID: AzureResourceID, name: String, location: String, authMode: OnlineEndpointAuthMode,
        compute: OnlineEndpointCompute, traffic: [String: Int] = [:], publicNetworkAccess: String? = nil,
        description: String? = nil, tags: [String: String] = [:]
    ) {
        self.workspaceID = workspaceID
        self.name = name
        self.location = location
        self.authMode = authMode
        self.compute = compute
        self.traffic = traffic
        self.publicNetworkAccess = publicNetworkAccess
        self.description = description
        self.tags = tags
    }

    /// The endpoint's ARM id.
    public var id: AzureResourceID {
        workspaceID.child("onlineEndpoints", name)
    }
}

/// A deployment behind an endpoint as ARM returns it (`…/onlineEndpoints/{e}/deployments/{d}`).
public struct OnlineDeployment: Sendable, Equatable {
    public var id: AzureResourceID
    public var endpointName: String
    public var name: String
    /// The model's ARM id or `azureml:name:version`, as ARM echoes it.
    public var model: String?
    public var environment: String?
    /// The uploaded code's ARM id (`…/codes/{name}/versions/{v}`).
    public var codeID: String?
    public var scoringScript: String?
    public var instanceType: String?
    public var instanceCount: Int
    public var tags: [String: String]
    public var provisioningState: String?

    public init(
        id: AzureResourceID, endpointName: String, name: String, model: String? = nil, environment: String? = nil,
        codeID: String? = nil, scoringScript: String? = nil, instanceType: String? = nil, instanceCount: Int = 1,
        tags: [String: String] = [:], provisioningState: String? = nil
    ) {
        self.id = id
        self.endpointName = endpointName
        self.name = name
        self.model = model
        self.environment = environment
        self.codeID = codeID
        self.scoringScript = scoringScript
        self.instanceType = instanceType
        self.instanceCount = instanceCount
        self.tags = tags
        self.provisioningState = provisioningState
    }
}

/// What amlauth asks ARM to make a deployment.
public struct OnlineDeploymentDefinition: Sendable, Equatable {
    public var endpointID: AzureResourceID
    public var name: String
    public var location: String
    public var model: String?
    public var environment: String?
    public var codeID: String?
    public var scoringScript: String?
    public var instanceType: String?
    public var instanceCount: Int
    public var tags: [String: String]

    public init(
        endpointID: AzureResourceID, name: String, location: String, model: String? = nil,
        environment: String? = nil, codeID: String? = nil, scoringScript: String? = nil,
        instanceType: String? = nil, instanceCount: Int = 1, tags: [String: String] = [:]
    ) {
        self.endpointID = endpointID
        self.name = name
        self.location = location
        self.model = model
        self.environment = environment
        self.codeID = codeID
        self.scoringScript = scoringScript
        self.instanceType = instanceType
        self.instanceCount = instanceCount
        self.tags = tags
    }
}

/// An endpoint's two keys (`POST …/listKeys`). Secret: never printed, logged or planned.
public struct OnlineEndpointKeys: Sendable, Equatable {
    public var primaryKey: String
    public var secondaryKey: String

    public init(primaryKey: String, secondaryKey: String) {
        self.primaryKey = primaryKey
        self.secondaryKey = secondaryKey
    }
}

/// An Azure ML token for an `AMLToken` endpoint (`POST …/token`). Secret.
public struct OnlineEndpointToken: Sendable, Equatable {
    public var accessToken: String
    public var tokenType: String
    /// Seconds since 1970.
    public var expiresOn: Double
    public var refreshAfter: Double

    public init(accessToken: String, tokenType: String, expiresOn: Double, refreshAfter: Double) {
        self.accessToken = accessToken
        self.tokenType = tokenType
        self.expiresOn = expiresOn
        self.refreshAfter = refreshAfter
    }
}

/// Which of an endpoint's keys to regenerate.
public enum OnlineEndpointKeyType: String, Sendable, Equatable, Codable {
    case primary = "Primary"
    case secondary = "Secondary"
}
