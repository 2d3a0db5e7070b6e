/// How callers authenticate to an Azure ML v2 online endpoint, as `az ml` YAML writes it
/// (`auth_mode`). v2 has no unauthenticated endpoints.
public enum OnlineEndpointAuth: String, Sendable, Codable, CaseIterable {
    /// Two keys that never expire; fetched with `…/onlineEndpoints/listKeys/action`.
    case key
    /// Azure ML tokens; fetched with `…/onlineEndpoints/token/action`.
    case amlToken = "aml_token"
    /// Entra tokens for the Azure ML audience; scoring needs `…/onlineEndpoints/score/action`.
    /// Managed endpoints only (aml-docs how-to-authenticate-online-endpoint.md).
    case aadToken = "aad_token"

    /// The ARM action a token client needs to call an endpoint of this mode.
    public var clientAction: String {
        switch self {
        case .key: "Microsoft.MachineLearningServices/workspaces/onlineEndpoints/listKeys/action"
        case .amlToken: "Microsoft.MachineLearningServices/workspaces/onlineEndpoints/token/action"
        case .aadToken: "Microsoft.MachineLearningServices/workspaces/onlineEndpoints/score/action"
        }
    }

    /// Whether `clientAction` is a data action (`score/action` is; the others are control plane).
    public var clientActionIsData: Bool { self == .aadToken }
}

/// Where an endpoint runs: Azure-managed compute, or an attached Kubernetes compute by name.
public enum OnlineEndpointComputeReference: Sendable, Hashable, CustomStringConvertible {
    case managed
    case kubernetes(String)

    /// `managed` (any case) is managed; anything else names a Kubernetes compute.
    public init(parsing text: String) {
        self = text.lowercased() == "managed" ? .managed : .kubernetes(text)
    }

    public var description: String {
        switch self {
        case .managed: "managed"
        case .kubernetes(let name): name
        }
    }
}

/// An Azure ML v2 online endpoint (`kind: OnlineEndpoint`).
public struct OnlineEndpointManifest: Sendable {
    public var name: String
    public var workspace: String
    public var compute: OnlineEndpointComputeReference
    public var authMode: OnlineEndpointAuth
    public var keyRotation: (primary: Int, secondary: Int)
    public var tokenClients: [String]
    /// Deployment name (the deployment's `name`, not its `metadata.name`) → percent.
    public var traffic: [String: Int]
    /// `enabled` or `disabled`; nil when left to Azure's default (enabled).
    public var publicNetworkAccess: String?
    public var description: String?
    public var tags: [String: String]
    public var adopt: Bool
    public var source: ResourceSource
    /// `keys_from.webservice`: the v1 web service whose keys the endpoint takes over (a Webservice
    /// manifest's name, or a live service's in the endpoint's workspace); key auth only.
    public var keysFrom: String? = nil
}

/// A deployment behind an online endpoint (`kind: OnlineDeployment`).
public struct OnlineDeploymentManifest: Sendable {
    /// `metadata.name`, unique across the manifest set.
    public var name: String
    /// The OnlineEndpoint's `metadata.name`.
    public var endpoint: String
    /// The deployment's name within its endpoint (`spec.name`), which `traffic` names.
    public var deploymentName: String
    public var model: VersionedName
    public var environment: String?
    public var instanceType: String?
    public var instanceCount: Int
    /// The scoring code's directory as written (`code`), relative to the manifest's directory;
    /// nil when the deployment has no code. `scoringScript` is set exactly when this is.
    public var code: String?
    /// The scoring script's path inside `code` (`scoring_script`).
    public var scoringScript: String?
    public var source: ResourceSource
}
