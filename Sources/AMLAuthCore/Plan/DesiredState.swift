import WireFormat

/// What the manifests ask for, resolved: ARM IDs built, role names turned into GUIDs, ownership
/// markers and deterministic names computed. Pure: built from validated manifests and the few
/// facts the Target fixes (target name, subscription).
public struct DesiredState: Sendable {
    public var target: String
    public var subscriptionID: GUID
    public var workspaces: [DesiredWorkspace] = []
    public var servicePrincipals: [DesiredServicePrincipal] = []
    public var roleAssignments: [DesiredRoleAssignment] = []
    /// Custom roles, with their deterministic GUIDs.
    public var roleDefinitions: [DesiredRoleDefinition] = []
    public var webservices: [DesiredWebservice] = []
    /// Online endpoints, each with its deployments.
    public var onlineEndpoints: [DesiredOnlineEndpoint] = []

    /// Resolves a validated manifest set (one with no error diagnostics). `certificates` holds the
    /// DER of each certificate credential's file, by `<principal>/<credential>` (read by the caller);
    /// `codes` the digest of each OnlineDeployment's `code` directory, by its `metadata.name`;
    /// `entryScripts` each web service's entry script file, by service name (read by the caller).
    public static func resolve(
        _ set: ManifestSet, target: String, subscriptionID: GUID, certificates: [String: [UInt8]] = [:],
        codes: [String: CodeDigest] = [:], entryScripts: [String: EntryScriptFile] = [:]
    ) -> DesiredState {
        var state = DesiredState(target: target, subscriptionID: subscriptionID)
        let exchangeAudience = (set.target?.cloud ?? .azureCloud).tokenExchangeAudience
        let subscription = AzureResourceID(subscription: subscriptionID)
        var workspaceIDs: [String: AzureResourceID] = [:]
        for workspace in set.workspaces {
            let id = workspaceID(
                subscription: subscriptionID, resourceGroup: workspace.resourceGroup, name: workspace.name)
            workspaceIDs[workspace.name] = id
            state.workspaces.append(
                DesiredWorkspace(
                    address: ResourceAddress(.workspace, workspace.name), id: id, location: workspace.location))
        }
        for principal in set.servicePrincipals {
            state.servicePrincipals.append(
                DesiredServicePrincipal(
                    address: ResourceAddress(.servicePrincipal, principal.name), displayName: principal.displayName,
                    tags: [Markers.targetTag(target), Markers.resourceTag(target, principal.name)],
                    passwords: principal.credentials.compactMap { credential in
                        guard case .password(let lifetime, let renewBefore, let sink?) = credential.kind else {
                            return nil
                        }
                        return DesiredPassword(
                            name: credential.name, lifetime: lifetime, renewBefore: renewBefore, sink: sink)
                    },
                    federatedCredentials: principal.federatedCredentials.map {
                        DesiredFederatedCredential(
                            name: $0.name, issuer: $0.issuer, subject: $0.subject,
                            audiences: $0.audiences ?? [exchangeAudience])
                    },
                    certificates: principal.credentials.compactMap { credential in
                        guard case .certificate = credential.kind,
                            let der = certificates["\(principal.name)/\(credential.name)"]
                        else { return nil }
                        return DesiredCertificate(name: credential.name, der: der)
                    },
                    adopt: principal.adopt,
                    uniqueName: DeterministicName.applicationUniqueName(
                        target: target, address: ResourceAddress(.servicePrincipal, principal.name))))
        }
        state.roleDefinitions = set.roleDefinitions.map {
            DesiredRoleDefinition($0, target: target, subscriptionID: subscriptionID, workspaceIDs: workspaceIDs)
        }
        for assignment in set.roleAssignments {
            let scope = assignment.scope.resolved(subscription: subscriptionID, workspaceIDs: workspaceIDs)
            let principal: PrincipalTarget
            switch assignment.principal {
            case .servicePrincipal(let name): principal = .managed(ResourceAddress(.servicePrincipal, name))
            case .objectID(let id, let type): principal = .existing(id, type)
            }
            state.roleAssignments.append(
                DesiredRoleAssignment(
                    address: ResourceAddress(.roleAssignment, assignment.name), scope: scope, principal: principal,
                    // A RoleDefinition's GUID comes from this Target's name, whatever the decoder saw.
                    role: assignment.role.definition.map { RoleReference.definition($0, target: target) }
                        ?? assignment.role,
                    description: Markers.assignmentDescription(target, assignment.name, assignment.description),
                    adopt: assignment.adopt))
        }
        for service in set.webservices {
            state.webservices.append(
                DesiredWebservice(
                    address: ResourceAddress(.webservice, service.name),
                    workspace: ResourceAddress(.workspace, service.workspace),
                    workspaceID: workspaceIDs[service.workspace] ?? subscription, computeType: service.computeType,
                    computeTarget: service.computeTarget,
                    authEnabled: service.authEnabled, tokenAuthEnabled: service.tokenAuthEnabled,
                    cpuCores: service.cpuCores, memoryGB: service.memoryGB,
                    keyGenerations: service.keyRotation,
                    tokenClients: service.tokenClients.map { ResourceAddress(.servicePrincipal, $0) },
                    models: service.models, entryScript: service.entryScript, environment: service.environment,
                    description: service.description,
                    adopt: service.adopt, entryScriptFile: entryScripts[service.name]))
        }
        var locations: [String: String] = [:]
        for workspace in set.workspaces { locations[workspace.name] = workspace.location }
        for endpoint in set.onlineEndpoints {
            let workspaceID = workspaceIDs[endpoint.workspace] ?? subscription
            let computeID: AzureResourceID?
            switch endpoint.compute {
            case .managed: computeID = nil
            case .kubernetes(let name): computeID = workspaceID.child("computes", name)
            }
            let address = ResourceAddress(.onlineEndpoint, endpoint.name)
            let keysFrom = endpoint.keysFrom.map { name in
                // A Webservice of the manifests lives in its own workspace; another name is a live
                // service in the endpoint's.
                let declared = set.webservices.first { $0.name == name }
                return OnlineEndpointKeySource(
                    workspaceID: declared.flatMap { workspaceIDs[$0.workspace] } ?? workspaceID, service: name,
                    declared: declared.map { ResourceAddress(.webservice, $0.name) })
            }
            state.onlineEndpoints.append(
                DesiredOnlineEndpoint(
                    address: address, workspace: ResourceAddress(.workspace, endpoint.workspace),
                    workspaceID: workspaceID, location: locations[endpoint.workspace], computeID: computeID,
                    authMode: endpoint.authMode, keyGenerations: endpoint.keyRotation,
                    tokenClients: endpoint.tokenClients.map { ResourceAddress(.servicePrincipal, $0) },
                    traffic: endpoint.traffic,
                    // ARM writes `Enabled`/`Disabled` (REST spec `PublicNetworkAccessType`).
                    publicNetworkAccess: endpoint.publicNetworkAccess.map { $0 == "disabled" ? "Disabled" : "Enabled" },
                    description: endpoint.description, tags: endpoint.tags, adopt: endpoint.adopt,
                    deployments: set.onlineDeployments.filter { $0.endpoint == endpoint.name }.map {
                        DesiredOnlineDeployment(
                            address: ResourceAddress(.onlineDeployment, $0.name), name: $0.deploymentName,
                            model: $0.model, environment: $0.environment, instanceType: $0.instanceType,
                            instanceCount: $0.instanceCount, code: Self.code($0, codes))
                    }, keysFrom: keysFrom))
        }
        return state
    }

    /// The ARM ID of an Azure ML workspace.
    public static func workspaceID(subscription: GUID, resourceGroup: String, name: String) -> AzureResourceID {
        AzureResourceID(
            subscription: subscription, resourceGroup: resourceGroup,
            providerNamespace: "Microsoft.MachineLearningServices",
            segments: [.init(type: "workspaces", name: name)])
    }
}

public struct DesiredWorkspace: Sendable {
    public var address: ResourceAddress
    public var id: AzureResourceID
    public var location: String?
}

public struct DesiredPassword: Sendable {
    public var name: String
    public var lifetime: ManifestDuration
    public var renewBefore: ManifestDuration
    public var sink: SecretSink
}

public struct DesiredFederatedCredential: Sendable, Equatable {
    public var name: String
    public var issuer: String
    public var subject: String
    public var audiences: [String]

    public init(name: String, issuer: String, subject: String, audiences: [String]) {
        self.name = name
        self.issuer = issuer
        self.subject = subject
        self.audiences = audiences
    }
}

/// A certificate credential: the public certificate's DER, read from `certificate_file`.
public struct DesiredCertificate: Sendable, Equatable {
    public var name: String
    public var der: [UInt8]

    public init(name: String, der: [UInt8]) {
        self.name = name
        self.der = der
    }
    /// Graph's `customKeyIdentifier`: base64 of the SHA-1 thumbprint.
    public var thumbprint: String { Base64.thumbprint(der) }
}

public struct DesiredServicePrincipal: Sendable {
    public var address: ResourceAddress
    public var displayName: String
    public var tags: [String]
    public var passwords: [DesiredPassword]
    public var federatedCredentials: [DesiredFederatedCredential]
    public var certificates: [DesiredCertificate] = []
    public var adopt: Bool
    /// The application's Graph `uniqueName`, from the Target and address (`DeterministicName`).
    public var uniqueName: String
}

/// Whose role assignment: a service principal of these manifests, or an existing object.
public enum PrincipalTarget: Sendable, Hashable {
    case managed(ResourceAddress)
    case existing(GUID, PrincipalType?)
}

public struct DesiredRoleAssignment: Sendable {
    public var address: ResourceAddress
    public var scope: AzureResourceID
    public var principal: PrincipalTarget
    public var role: RoleReference
    public var description: String
    public var adopt: Bool
}

public struct DesiredWebservice: Sendable {
    public var address: ResourceAddress
    public var workspace: ResourceAddress
    public var workspaceID: AzureResourceID
    public var computeType: ComputeType
    public var computeTarget: String?
    public var authEnabled: Bool
    public var tokenAuthEnabled: Bool
    public var cpuCores: Double
    public var memoryGB: Double
    public var keyGenerations: (primary: Int, secondary: Int)
    public var tokenClients: [ResourceAddress]
    public var models: [VersionedName]
    public var entryScript: String
    public var environment: VersionedName
    public var description: String?
    public var adopt: Bool
    /// The entry script file's content, when the caller read it.
    public var entryScriptFile: EntryScriptFile?
}

/// An online endpoint to reconcile, with its deployments.
public struct DesiredOnlineEndpoint: Sendable {
    public var address: ResourceAddress
    public var workspace: ResourceAddress
    public var workspaceID: AzureResourceID
    /// The Workspace manifest's `location`; the planner falls back to the live workspace's.
    public var location: String?
    /// The attached Kubernetes compute; nil for managed.
    public var computeID: AzureResourceID?
    public var authMode: OnlineEndpointAuth
    public var keyGenerations: (primary: Int, secondary: Int)
    public var tokenClients: [ResourceAddress]
    public var traffic: [String: Int]
    public var publicNetworkAccess: String?
    public var description: String?
    public var tags: [String: String]
    public var adopt: Bool
    public var deployments: [DesiredOnlineDeployment]
    /// `keys_from`: the v1 service whose keys the endpoint takes over, once.
    public var keysFrom: OnlineEndpointKeySource? = nil

    /// The endpoint's ARM id.
    public var id: AzureResourceID { workspaceID.child("onlineEndpoints", address.name) }

    /// The address of the change that moves traffic, after the deployments exist.
    public var trafficAddress: ResourceAddress { ResourceAddress(.onlineEndpoint, address.name + "/traffic") }
}

/// A deployment behind a desired endpoint.
public struct DesiredOnlineDeployment: Sendable {
    /// `OnlineDeployment/<metadata.name>`.
    public var address: ResourceAddress
    /// The deployment's name within its endpoint.
    public var name: String
    public var model: VersionedName
    public var environment: String?
    public var instanceType: String?
    public var instanceCount: Int
    /// The scoring code, when the manifest names `code` (and its directory was read).
    public var code: DesiredOnlineCode?
}

extension DesiredState {
    private static func code(_ deployment: OnlineDeploymentManifest, _ codes: [String: CodeDigest])
        -> DesiredOnlineCode?
    {
        guard let directory = deployment.code, let script = deployment.scoringScript,
            let digest = codes[deployment.name]
        else { return nil }
        return DesiredOnlineCode(directory: directory, scoringScript: script, digest: digest)
    }
}
