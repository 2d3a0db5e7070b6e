public import YAMLSource

/// A resource's logical address in the manifests: `ServicePrincipal/ml-auth`.
public struct ResourceAddress: Sendable, Hashable, Comparable, CustomStringConvertible, Codable {
    public var kind: ManifestKind
    public var name: String

    public init(_ kind: ManifestKind, _ name: String) {
        self.kind = kind
        self.name = name
    }

    public var description: String { "\(kind.rawValue)/\(name)" }

    public static func < (lhs: ResourceAddress, rhs: ResourceAddress) -> Bool {
        (lhs.kind, lhs.name) < (rhs.kind, rhs.name)
    }
}

/// Where a resource was declared, with its checked `spec`, so later stages (validation, plan) can
/// point at the exact field they complain about.
public struct ResourceSource: Sendable {
    /// The document's `kind:` value.
    public var location: SourceLocation
    /// The `metadata.name` value.
    public var nameLocation: SourceLocation
    /// The checked spec (fields that failed their checks are absent; `wrote` still knows them).
    public var spec: ManifestValue

    /// The location of the value at `path` in the spec, falling back to the nearest parent.
    public func location(of path: String...) -> SourceLocation {
        var node = spec
        for key in path {
            guard let child = node[key] else { break }
            node = child
        }
        return node.location == spec.location ? location : node.location
    }

    /// The location of the key at `path` (for "this field does not belong here").
    public func keyLocation(of path: String...) -> SourceLocation {
        spec[path]?.keyLocation ?? location
    }
}

public struct TargetManifest: Sendable {
    public var name: String
    public var cloud: CloudReference
    public var tenantID: GUID?
    public var subscriptionID: GUID?
    public var prune: Bool
    /// Per-code severity overrides; `nil` means the check is off.
    public var policy: [DiagnosticCode: Severity?]
    public var maxPasswordLifetime: ManifestDuration
    public var source: ResourceSource
}

public struct WorkspaceManifest: Sendable {
    public var name: String
    public var resourceGroup: String
    public var location: String?
    /// Where apply writes the workspace's `config.json`, if anywhere.
    public var configSink: WorkspaceConfigSink?
    public var source: ResourceSource
}

public struct ServicePrincipalManifest: Sendable {
    public var name: String
    public var displayName: String
    public var credentials: [CredentialManifest]
    public var federatedCredentials: [FederatedCredentialManifest]
    public var adopt: Bool
    public var source: ResourceSource
}

/// A password or certificate of a service principal.
public struct CredentialManifest: Sendable {
    public enum Kind: Sendable {
        case password(lifetime: ManifestDuration, renewBefore: ManifestDuration, deliverTo: SecretSink?)
        case certificate(file: String?)
    }

    public var name: String
    public var kind: Kind
    /// The credential's item in the `credentials` list.
    public var value: ManifestValue
}

public struct FederatedCredentialManifest: Sendable {
    public var name: String
    public var issuer: String
    public var subject: String
    /// nil: the Target cloud's token-exchange audience (`CloudReference.tokenExchangeAudience`).
    public var audiences: [String]?
    public var description: String?
    public var value: ManifestValue
}

public enum PrincipalType: String, Sendable, Codable, CaseIterable {
    case user = "User"
    case group = "Group"
    case servicePrincipal = "ServicePrincipal"
}

/// Who a role assignment is for.
public enum PrincipalReference: Sendable, Hashable {
    /// A ServicePrincipal of the manifest set, by name.
    case servicePrincipal(String)
    /// An existing principal, by object ID (its type is nil only when the manifest omitted it).
    case objectID(GUID, PrincipalType?)
}

/// Where a role assignment applies.
public enum ScopeReference: Sendable, Hashable {
    case workspace(String)
    case resourceGroup(String)
    case subscription
    case id(AzureResourceID)
}

/// A custom role: the operations it grants and where it may be assigned.
public struct RoleDefinitionManifest: Sendable {
    public var name: String
    /// The role's name in Azure (`roleName`); `metadata.name` unless written.
    public var roleName: String
    public var description: String?
    public var permission: Permission
    /// Where the role may be assigned, at least one.
    public var assignableScopes: [ScopeReference]
    public var adopt: Bool
    public var source: ResourceSource
}

public struct RoleAssignmentManifest: Sendable {
    public var name: String
    public var principal: PrincipalReference
    public var role: RoleReference
    public var scope: ScopeReference
    public var description: String?
    public var adopt: Bool
    public var source: ResourceSource
}

public enum ComputeType: String, Sendable, Codable {
    case aci = "ACI"
    case aks = "AKS"
}

public struct WebserviceManifest: Sendable {
    public var name: String
    public var workspace: String
    public var computeType: ComputeType
    public var computeTarget: String?
    public var models: [VersionedName]
    public var entryScript: String
    public var environment: VersionedName
    public var cpuCores: Double
    public var memoryGB: Double
    /// `auth_enabled` as written; nil when the manifest leaves it to the default.
    public var authEnabledAsWritten: Bool?
    public var tokenAuthEnabled: Bool
    public var keyRotation: (primary: Int, secondary: Int)
    public var tokenClients: [String]
    public var description: String?
    public var adopt: Bool
    public var source: ResourceSource

    /// Key auth after the Azure ML defaults: AKS defaults to `not token_auth_enabled`, ACI to off.
    public var authEnabled: Bool {
        if let authEnabledAsWritten { return authEnabledAsWritten }
        switch computeType {
        case .aks: return !tokenAuthEnabled
        case .aci: return false
        }
    }
}

/// A document that named its kind and resource, whether or not its spec was valid. References
/// and uniqueness are checked against these, so one broken spec does not cascade into false
/// "not found" errors elsewhere.
public struct Declaration: Sendable {
    public var address: ResourceAddress
    public var kindLocation: SourceLocation
    public var nameLocation: SourceLocation
}

/// Every resource of a manifest set, in file order per kind.
public struct ManifestSet: Sendable {
    /// Every declared resource, valid or not, in file order.
    public var declarations: [Declaration] = []
    public var targets: [TargetManifest] = []
    public var workspaces: [WorkspaceManifest] = []
    public var servicePrincipals: [ServicePrincipalManifest] = []
    public var roleAssignments: [RoleAssignmentManifest] = []
    public var roleDefinitions: [RoleDefinitionManifest] = []
    public var webservices: [WebserviceManifest] = []
    public var onlineEndpoints: [OnlineEndpointManifest] = []
    public var onlineDeployments: [OnlineDeploymentManifest] = []

    public init() {}

    /// The Target, when there is exactly one.
    public var target: TargetManifest? { targets.count == 1 ? targets[0] : nil }

    /// Number of resources of all kinds.
    public var count: Int {
        targets.count + workspaces.count + servicePrincipals.count + roleAssignments.count + roleDefinitions.count
            + webservices.count + onlineEndpoints.count + onlineDeployments.count
    }
}
