/// What the decoder could read of every resource whose spec is a mapping, complete or not. The
/// rules check drafts, so a missing or invalid required field costs only the checks that need it:
/// one `amlauth validate` run reports every problem. A field is `nil` when it is missing or failed
/// its check (already reported); later stages get only complete manifests (`ManifestSet`).
struct ManifestDrafts: Sendable {
    var targets: [TargetDraft] = []
    var workspaces: [WorkspaceDraft] = []
    /// Service principals have no required spec field: they are always complete.
    var servicePrincipals: [ServicePrincipalManifest] = []
    var roleAssignments: [RoleAssignmentDraft] = []
    var roleDefinitions: [RoleDefinitionDraft] = []
    var webservices: [WebserviceDraft] = []
    var onlineEndpoints: [OnlineEndpointDraft] = []
    var onlineDeployments: [OnlineDeploymentDraft] = []

    /// The Target, when there is exactly one.
    var target: TargetDraft? { targets.count == 1 ? targets[0] : nil }
}

/// A Target whose `cloud` may be missing or invalid; its policy still applies.
struct TargetDraft: Sendable {
    var name: String
    var cloud: CloudReference?
    var tenantID: GUID?
    var subscriptionID: GUID?
    var prune: Bool
    var policy: [DiagnosticCode: Severity?]
    var maxPasswordLifetime: ManifestDuration
    var source: ResourceSource

    /// The complete manifest, when `cloud` is valid.
    var manifest: TargetManifest? {
        guard let cloud else { return nil }
        return TargetManifest(
            name: name, cloud: cloud, tenantID: tenantID, subscriptionID: subscriptionID, prune: prune, policy: policy,
            maxPasswordLifetime: maxPasswordLifetime, source: source)
    }
}

/// A Workspace whose `resource_group` may be missing or invalid.
struct WorkspaceDraft: Sendable {
    var name: String
    var resourceGroup: String?
    var location: String?
    var configSink: WorkspaceConfigSink?
    var source: ResourceSource

    /// The complete manifest, when `resource_group` is valid.
    var manifest: WorkspaceManifest? {
        guard let resourceGroup else { return nil }
        return WorkspaceManifest(
            name: name, resourceGroup: resourceGroup, location: location, configSink: configSink, source: source)
    }
}

/// A RoleAssignment whose principal, role or scope may be missing or invalid.
struct RoleAssignmentDraft: Sendable {
    var name: String
    var principal: PrincipalReference?
    var role: RoleReference?
    var scope: ScopeReference?
    var description: String?
    var adopt: Bool
    var source: ResourceSource

    /// The complete manifest, when principal, role and scope are all valid.
    var manifest: RoleAssignmentManifest? {
        guard let principal, let role, let scope else { return nil }
        return RoleAssignmentManifest(
            name: name, principal: principal, role: role, scope: scope, description: description, adopt: adopt,
            source: source)
    }
}

/// A RoleDefinition whose assignable scopes may be missing or invalid (`nil`).
struct RoleDefinitionDraft: Sendable {
    var name: String
    var roleName: String
    var description: String?
    var permission: Permission
    /// The valid ones; nil when the field is missing or invalid as a whole.
    var assignableScopes: [ScopeReference]?
    var adopt: Bool
    var source: ResourceSource

    /// The complete manifest, when every assignable scope is valid.
    var manifest: RoleDefinitionManifest? {
        guard let assignableScopes, !assignableScopes.isEmpty,
            assignableScopes.count == source.spec["assignable_scopes"]?.array?.count
        else { return nil }
        return RoleDefinitionManifest(
            name: name, roleName: roleName, description: description, permission: permission,
            assignableScopes: assignableScopes, adopt: adopt, source: source)
    }
}

/// A Webservice whose required fields may be missing or invalid. The auth settings are `nil` when
/// they cannot be known (written but invalid, or a default that depends on an unknown
/// `compute_type`), so no rule guesses them.
struct WebserviceDraft: Sendable {
    var name: String
    var workspace: String?
    var computeType: ComputeType?
    var computeTarget: String?
    var models: [VersionedName]?
    var entryScript: String?
    var environment: VersionedName?
    var cpuCores: Double
    var memoryGB: Double
    /// `auth_enabled` as written: `.some(nil)` when left to the default, `nil` when invalid.
    var authEnabledAsWritten: Bool??
    /// `nil` when `token_auth_enabled` was written but invalid.
    var tokenAuthEnabled: Bool?
    var keyRotation: (primary: Int, secondary: Int)
    var tokenClients: [String]
    var description: String?
    var adopt: Bool
    var source: ResourceSource

    /// Key auth after the Azure ML defaults, when it can be known.
    var authEnabled: Bool? {
        switch authEnabledAsWritten {
        case .none: return nil
        case .some(.some(let written)): return written
        case .some(.none):
            switch computeType {
            case .aks: return tokenAuthEnabled.map { !$0 }
            case .aci: return false
            case nil: return nil
            }
        }
    }

    /// The complete manifest, when every required field is valid.
    var manifest: WebserviceManifest? {
        guard let workspace, let computeType, let models, let entryScript, let environment, let tokenAuthEnabled,
            let authEnabledAsWritten
        else { return nil }
        return WebserviceManifest(
            name: name, workspace: workspace, computeType: computeType, computeTarget: computeTarget, models: models,
            entryScript: entryScript, environment: environment, cpuCores: cpuCores, memoryGB: memoryGB,
            authEnabledAsWritten: authEnabledAsWritten, tokenAuthEnabled: tokenAuthEnabled, keyRotation: keyRotation,
            tokenClients: tokenClients, description: description, adopt: adopt, source: source)
    }
}

/// An OnlineEndpoint whose workspace or auth mode may be missing or invalid (`nil`).
struct OnlineEndpointDraft: Sendable {
    var name: String
    var workspace: String?
    /// nil when `compute` was written but invalid.
    var compute: OnlineEndpointComputeReference?
    /// nil when `auth_mode` was written but invalid.
    var authMode: OnlineEndpointAuth?
    var keyRotation: (primary: Int, secondary: Int)
    var tokenClients: [String]
    var traffic: [String: Int]
    var publicNetworkAccess: String?
    var description: String?
    var tags: [String: String]
    var adopt: Bool
    var source: ResourceSource
    var keysFrom: String? = nil

    /// The complete manifest, when every field it needs is valid.
    var manifest: OnlineEndpointManifest? {
        guard let workspace, let compute, let authMode, !source.spec.rejected("traffic") else { return nil }
        return OnlineEndpointManifest(
            name: name, workspace: workspace, compute: compute, authMode: authMode, keyRotation: keyRotation,
            tokenClients: tokenClients, traffic: traffic, publicNetworkAccess: publicNetworkAccess,
            description: description, tags: tags, adopt: adopt, source: source, keysFrom: keysFrom)
    }
}

/// An OnlineDeployment whose endpoint, name or model may be missing or invalid.
struct OnlineDeploymentDraft: Sendable {
    var name: String
    var endpoint: String?
    var deploymentName: String?
    var model: VersionedName?
    var environment: String?
    var instanceType: String?
    var instanceCount: Int
    var code: String?
    var scoringScript: String?
    var source: ResourceSource

    var manifest: OnlineDeploymentManifest? {
        guard let endpoint, let deploymentName, let model else { return nil }
        return OnlineDeploymentManifest(
            name: name, endpoint: endpoint, deploymentName: deploymentName, model: model, environment: environment,
            instanceType: instanceType, instanceCount: instanceCount, code: code, scoringScript: scoringScript,
            source: source)
    }
}
