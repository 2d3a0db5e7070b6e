/// What the manifests ask for, resolved: ARM IDs built, role names turned into GUIDs, ownership
/// markers and deterministic names computed. Pure: built from validated manifests and the few
/// facts the Target fixes (target name, subscription).
public struct DesiredState: Sendable {
    public var target: String
    public var subscriptionID: GUID
    public var workspaces: [DesiredWorkspace] = []
    public var servicePrincipals: [DesiredServicePrincipal] = []
    public var roleAssignments: [DesiredRoleAssignment] = []
    public var webservices: [DesiredWebservice] = []

    /// Resolves a validated manifest set (one with no error diagnostics). `certificates` holds the
    /// DER of each certificate credential's file, by `<principal>/<credential>` (read by the caller).
    public static func resolve(_ set: ManifestSet, target: String, subscriptionID: GUID, certificates: [String: [UInt8]] = [:]) -> DesiredState {
        var state = DesiredState(target: target, subscriptionID: subscriptionID)
        let subscription = AzureResourceID(subscription: subscriptionID)
        var workspaceIDs: [String: AzureResourceID] = [:]
        for workspace in set.workspaces {
            let id = AzureResourceID(
                subscription: subscriptionID, resourceGroup: workspace.resourceGroup, providerNamespace: "Microsoft.MachineLearningServices",
                segments: [.init(type: "workspaces", name: workspace.name)])
            workspaceIDs[workspace.name] = id
            state.workspaces.append(DesiredWorkspace(address: ResourceAddress(.workspace, workspace.name), id: id, location: workspace.location))
        }
        for principal in set.servicePrincipals {
            state.servicePrincipals.append(DesiredServicePrincipal(
                address: ResourceAddress(.servicePrincipal, principal.name), displayName: principal.displayName,
                tags: [Markers.targetTag(target), Markers.resourceTag(target, principal.name)],
                passwords: principal.credentials.compactMap { credential in
                    guard case .password(let lifetime, let renewBefore, let sink?) = credential.kind else { return nil }
                    return DesiredPassword(name: credential.name, lifetime: lifetime, renewBefore: renewBefore, sink: sink)
                },
                federatedCredentials: principal.federatedCredentials.map {
                    DesiredFederatedCredential(name: $0.name, issuer: $0.issuer, subject: $0.subject, audiences: $0.audiences)
                },
                certificates: principal.credentials.compactMap { credential in
                    guard case .certificate = credential.kind, let der = certificates["\(principal.name)/\(credential.name)"] else { return nil }
                    return DesiredCertificate(name: credential.name, der: der)
                },
                adopt: principal.adopt))
        }
        for assignment in set.roleAssignments {
            let scope: AzureResourceID
            switch assignment.scope {
            case .workspace(let name): scope = workspaceIDs[name] ?? subscription
            case .resourceGroup(let group): scope = AzureResourceID(subscription: subscriptionID, resourceGroup: group)
            case .subscription: scope = subscription
            case .id(let id): scope = id
            }
            let principal: PrincipalTarget
            switch assignment.principal {
            case .servicePrincipal(let name): principal = .managed(ResourceAddress(.servicePrincipal, name))
            case .objectID(let id, let type): principal = .existing(id, type)
            }
            state.roleAssignments.append(DesiredRoleAssignment(
                address: ResourceAddress(.roleAssignment, assignment.name), scope: scope, principal: principal, role: assignment.role,
                description: Markers.assignmentDescription(target, assignment.name, assignment.description), adopt: assignment.adopt))
        }
        for service in set.webservices {
            state.webservices.append(DesiredWebservice(
                address: ResourceAddress(.webservice, service.name), workspace: ResourceAddress(.workspace, service.workspace),
                workspaceID: workspaceIDs[service.workspace] ?? subscription, computeType: service.computeType, computeTarget: service.computeTarget,
                authEnabled: service.authEnabled, tokenAuthEnabled: service.tokenAuthEnabled, cpuCores: service.cpuCores, memoryGB: service.memoryGB,
                keyGenerations: service.keyRotation, tokenClients: service.tokenClients.map { ResourceAddress(.servicePrincipal, $0) },
                models: service.models, entryScript: service.entryScript, environment: service.environment, description: service.description,
                adopt: service.adopt))
        }
        return state
    }
}

/// How amlauth recognises what it owns in the cloud (DESIGN.md §4).
public enum Markers {
    /// On every owned application: lists a target's applications with one query.
    public static func targetTag(_ target: String) -> String { "amlauth:\(target)" }
    /// On an owned application: which manifest resource it is.
    public static func resourceTag(_ target: String, _ name: String) -> String { "amlauth:\(target)/\(name)" }
    /// The description of an owned role assignment.
    public static func assignmentDescription(_ target: String, _ name: String, _ extra: String?) -> String {
        "managed by amlauth: \(target)/\(name)" + (extra.map { " — \($0)" } ?? "")
    }
    /// The owner named in a role assignment's description, if amlauth wrote it.
    public static func assignmentOwner(_ description: String?) -> (target: String, name: String)? {
        guard let description, description.hasPrefix("managed by amlauth: ") else { return nil }
        let reference = description.dropFirst("managed by amlauth: ".count).prefix { $0 != " " }
        let parts = reference.split(separator: "/", maxSplits: 1).map(String.init)
        return parts.count == 2 ? (parts[0], parts[1]) : nil
    }
    /// kvTags of an owned web service.
    public static let serviceTarget = "amlauth.target"
    public static let serviceName = "amlauth.name"
    public static let keyGenerationPrimary = "amlauth.key-generation.primary"
    public static let keyGenerationSecondary = "amlauth.key-generation.secondary"
    /// displayName of an owned certificate: `amlauth:<credential>`.
    public static func certificateName(_ credential: String) -> String { "amlauth:\(credential)" }
    /// displayName of an owned password: `amlauth:<credential>:<serial>`.
    public static func passwordName(_ credential: String, serial: Int) -> String { "amlauth:\(credential):\(serial)" }
    public static func passwordOwner(_ displayName: String?) -> (credential: String, serial: Int)? {
        guard let displayName, displayName.hasPrefix("amlauth:") else { return nil }
        let parts = displayName.split(separator: ":")
        guard parts.count == 3, let serial = Int(parts[2]) else { return nil }
        return (String(parts[1]), serial)
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
}

/// A certificate credential: the public certificate's DER, read from `certificate_file`.
public struct DesiredCertificate: Sendable, Equatable {
    public var name: String
    public var der: [UInt8]
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
}
