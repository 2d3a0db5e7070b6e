import WireFormat

/// What the cloud holds, as far as the plan cares: owned objects and the ones matching desired
/// resources. Plain values: the reader fills them from Azure, tests write them by hand.
public struct LiveState: Sendable, Codable, Equatable {
    public var applications: [LiveApplication] = []
    public var roleAssignments: [LiveRoleAssignment] = []
    /// The custom roles of the Target's subscription.
    public var roleDefinitions: [LiveRoleDefinition] = []
    public var webservices: [LiveWebservice] = []
    /// Azure ML v2 online endpoints of the declared workspaces, and their deployments.
    public var onlineEndpoints: [LiveOnlineEndpoint] = []
    public var onlineDeployments: [LiveOnlineDeployment] = []
    /// Why the subscription's workspaces could not be listed (so services the Target owns in a
    /// workspace no manifest declares were not looked for); nil when they were.
    public var undeclaredWorkspacesUnread: String?
    /// Scopes whose role assignments or web services could not be read (their reads failed after
    /// every retry): what lies under them is not planned, and everything else is.
    public var unreadScopes: [UnreadScope] = []
    /// Set when the caller may not list the subscription's role assignments and the reader listed
    /// them at the manifests' scopes instead (fidelity audit D18): owned assignments elsewhere in
    /// the subscription are then neither seen nor pruned, and the plan says so.
    public var narrowedRoleAssignmentRead: NarrowedRoleAssignmentRead?
    /// Workspaces that exist, by lower-cased ID.
    public var workspaces: [LiveWorkspace] = []
    /// AKS computes the web services name, with their regions.
    public var computes: [LiveCompute] = []
    /// The password keyId each sink that can be read holds, by `ServicePrincipal/name/credential`
    /// (`Planner.deliveryKey`): a file sink on this machine, or a Key Vault secret's current
    /// version ("" when the vault has no such secret). Absent: the sink cannot be read here, and
    /// the application's delivery record (`DeliveryRecord`) decides.
    public var deliveredPasswords: [String: String] = [:]
    /// Object ids the manifests name (`principal: {object_id: …}`) that the directory does not
    /// know: a typo plan reports, instead of apply waiting out `PrincipalNotFound`.
    public var missingPrincipals: [GUID] = []
    /// AKS computes the manifests name that do not exist in their workspace.
    public var missingComputes: [AzureResourceID] = []
    /// What the directory says of the object ids new role assignments name (type, display name),
    /// by lower-cased id: the plan shows who a GUID is.
    public var directoryObjects: [String: LiveDirectoryObject] = [:]

    public init() {}

    private enum CodingKeys: String, CodingKey {
        case applications, roleAssignments, webservices, workspaces, computes, deliveredPasswords, missingPrincipals,
            missingComputes, directoryObjects, onlineEndpoints, onlineDeployments, roleDefinitions
    }

    /// Missing lists read as empty, so recorded states stay readable as the type grows.
    public init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        applications = try container.decodeIfPresent([LiveApplication].self, forKey: .applications) ?? []
        roleAssignments = try container.decodeIfPresent([LiveRoleAssignment].self, forKey: .roleAssignments) ?? []
        roleDefinitions = try container.decodeIfPresent([LiveRoleDefinition].self, forKey: .roleDefinitions) ?? []
        webservices = try container.decodeIfPresent([LiveWebservice].self, forKey: .webservices) ?? []
        onlineEndpoints = try container.decodeIfPresent([LiveOnlineEndpoint].self, forKey: .onlineEndpoints) ?? []
        onlineDeployments =
            try container.decodeIfPresent([LiveOnlineDeployment].self, forKey: .onlineDeployments) ?? []
        workspaces = try container.decodeIfPresent([LiveWorkspace].self, forKey: .workspaces) ?? []
        computes = try container.decodeIfPresent([LiveCompute].self, forKey: .computes) ?? []
        deliveredPasswords = try container.decodeIfPresent([String: String].self, forKey: .deliveredPasswords) ?? [:]
        missingPrincipals =
            try container.decodeIfPresent([String].self, forKey: .missingPrincipals)?.compactMap(GUID.init) ?? []
        missingComputes = try container.decodeIfPresent([AzureResourceID].self, forKey: .missingComputes) ?? []
        directoryObjects =
            try container.decodeIfPresent([String: LiveDirectoryObject].self, forKey: .directoryObjects) ?? [:]
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(applications, forKey: .applications)
        try container.encode(roleAssignments, forKey: .roleAssignments)
        try container.encode(webservices, forKey: .webservices)
        try container.encode(workspaces, forKey: .workspaces)
        try container.encode(computes, forKey: .computes)
        try container.encode(deliveredPasswords, forKey: .deliveredPasswords)
        try container.encode(missingPrincipals.map(\.value), forKey: .missingPrincipals)
        try container.encode(missingComputes, forKey: .missingComputes)
        if !directoryObjects.isEmpty { try container.encode(directoryObjects, forKey: .directoryObjects) }
        if !onlineEndpoints.isEmpty { try container.encode(onlineEndpoints, forKey: .onlineEndpoints) }
        if !onlineDeployments.isEmpty { try container.encode(onlineDeployments, forKey: .onlineDeployments) }
        if !roleDefinitions.isEmpty { try container.encode(roleDefinitions, forKey: .roleDefinitions) }
    }
}

/// A user, group or service principal as the directory describes it (Graph `getByIds`).
public struct LiveDirectoryObject: Sendable, Codable, Equatable {
    /// `User`, `Group` or `ServicePrincipal`.
    public var type: String
    public var displayName: String?

    public init(type: String, displayName: String?) {
        self.type = type
        self.displayName = displayName
    }
}

public struct LivePassword: Sendable, Codable, Equatable {
    public var keyID: String
    public var displayName: String?
    public var hint: String?
    /// Seconds since 1970.
    public var endDateTime: Double

    public init(keyID: String, displayName: String?, hint: String?, endDateTime: Double) {
        self.keyID = keyID
        self.displayName = displayName
        self.hint = hint
        self.endDateTime = endDateTime
    }
}

public struct LiveFederatedCredential: Sendable, Codable, Equatable {
    public var id: String
    public var name: String
    public var issuer: String
    public var subject: String
    public var audiences: [String]

    public init(id: String, name: String, issuer: String, subject: String, audiences: [String]) {
        self.id = id
        self.name = name
        self.issuer = issuer
        self.subject = subject
        self.audiences = audiences
    }
}

public struct LiveKeyCredential: Sendable, Codable, Equatable {
    public var keyID: String
    public var displayName: String?
    /// Base64 SHA-1 thumbprint (Graph's `customKeyIdentifier`).
    public var thumbprint: String?

    public init(keyID: String, displayName: String?, thumbprint: String?) {
        self.keyID = keyID
        self.displayName = displayName
        self.thumbprint = thumbprint
    }
}

public struct LiveApplication: Sendable, Codable, Equatable {
    public var objectID: String
    public var appID: String
    public var displayName: String
    public var tags: [String]
    public var passwords: [LivePassword]
    public var federatedCredentials: [LiveFederatedCredential]
    /// The service principal's object id; nil when the application has none yet.
    public var servicePrincipalID: String?
    public var keyCredentials: [LiveKeyCredential] = []
    /// Graph's `uniqueName` alternate key: amlauth creates its applications with one.
    public var uniqueName: String?

    private enum CodingKeys: String, CodingKey {
        case objectID, appID, displayName, tags, passwords, federatedCredentials, servicePrincipalID, keyCredentials
        case uniqueName
    }

    public init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        objectID = try container.decode(String.self, forKey: .objectID)
        appID = try container.decode(String.self, forKey: .appID)
        displayName = try container.decode(String.self, forKey: .displayName)
        tags = try container.decode([String].self, forKey: .tags)
        passwords = try container.decode([LivePassword].self, forKey: .passwords)
        federatedCredentials = try container.decode([LiveFederatedCredential].self, forKey: .federatedCredentials)
        servicePrincipalID = try container.decodeIfPresent(String.self, forKey: .servicePrincipalID)
        keyCredentials = try container.decodeIfPresent([LiveKeyCredential].self, forKey: .keyCredentials) ?? []
        uniqueName = try container.decodeIfPresent(String.self, forKey: .uniqueName)
    }

    public init(
        objectID: String, appID: String, displayName: String, tags: [String], passwords: [LivePassword],
        federatedCredentials: [LiveFederatedCredential], servicePrincipalID: String?
    ) {
        self.objectID = objectID
        self.appID = appID
        self.displayName = displayName
        self.tags = tags
        self.passwords = passwords
        self.federatedCredentials = federatedCredentials
        self.servicePrincipalID = servicePrincipalID
    }
}

/// Which role a principal holds where: the identity of a role assignment. ARM refuses a second
/// assignment of the same triple (`RoleAssignmentExists`), and amlauth names its assignments after
/// it, so it is the one key plan, policy and apply compare by.
public struct RoleAssignmentKey: Sendable, Hashable {
    public var scope: AzureResourceID
    public var principal: GUID
    public var role: GUID

    public init(scope: AzureResourceID, principal: GUID, role: GUID) {
        self.scope = scope
        self.principal = principal
        self.role = role
    }

    /// The deterministic name amlauth gives the assignment of this triple.
    public var deterministicName: GUID {
        DeterministicName.roleAssignment(scope: scope, principalID: principal, role: role)
    }
}

/// A role assignment as ARM holds it, parsed once by the reader.
public struct LiveRoleAssignment: Sendable, Equatable {
    public var name: String
    public var key: RoleAssignmentKey
    /// `User`, `Group`, `ServicePrincipal`, or another type ARM reports.
    public var principalType: String?
    public var description: String?

    public init(name: String, key: RoleAssignmentKey, principalType: String?, description: String?) {
        self.name = name
        self.key = key
        self.principalType = principalType
        self.description = description
    }

    public var scope: AzureResourceID { key.scope }
}

/// Recorded as ARM names the fields (`scope`, `roleGUID`, `principalID` as text), so golden
/// live states stay readable.
extension LiveRoleAssignment: Codable {
    private enum CodingKeys: String, CodingKey { case name, scope, roleGUID, principalID, principalType, description }

    public init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        func guid(_ key: CodingKeys) throws -> GUID {
            let text = try container.decode(String.self, forKey: key)
            guard let value = GUID(text) else {
                throw DecodingError.dataCorruptedError(
                    forKey: key, in: container, debugDescription: "'\(text)' is not a GUID")
            }
            return value
        }
        name = try container.decode(String.self, forKey: .name)
        key = RoleAssignmentKey(
            scope: try container.decode(AzureResourceID.self, forKey: .scope), principal: try guid(.principalID),
            role: try guid(.roleGUID))
        principalType = try container.decodeIfPresent(String.self, forKey: .principalType)
        description = try container.decodeIfPresent(String.self, forKey: .description)
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(name, forKey: .name)
        try container.encode(key.scope, forKey: .scope)
        try container.encode(key.role.value, forKey: .roleGUID)
        try container.encode(key.principal.value, forKey: .principalID)
        try container.encodeIfPresent(principalType, forKey: .principalType)
        try container.encodeIfPresent(description, forKey: .description)
    }
}

/// An Azure ML v1 web service as model management reports it.
public struct LiveWebservice: Sendable, Codable, Equatable {
    public var workspaceID: AzureResourceID
    public var name: String
    /// `ACI`, `AKS`, or another compute type the service reports (kept as text: a type amlauth
    /// does not model still compares, and forces a replace).
    public var computeType: String
    public var computeName: String?
    public var authEnabled: Bool
    public var aadAuthEnabled: Bool
    public var cpuCores: Double
    public var memoryGB: Double
    public var kvTags: [String: String]
    /// `name:version` of each model, the entry script and the environment, when the service says.
    public var models: [String] = []
    public var entryScript: String?
    /// The short SHA-256 of the entry script the service runs, when its driver asset is one amlauth
    /// uploaded (a content-addressed `amlauth-<digest>` container); nil when unknown.
    public var entryScriptDigest: String?
    /// Why the content of an entry script another tool uploaded could not be read (the error
    /// code), so the plan says why it cannot call the scripts equal; nil when read or not needed.
    public var entryScriptUnread: String?
    public var environment: String?
    /// `Healthy`, `Transitioning`, `Failed`…
    public var state: String?

    public init(
        workspaceID: AzureResourceID, name: String, computeType: String, computeName: String?, authEnabled: Bool,
        aadAuthEnabled: Bool, cpuCores: Double, memoryGB: Double, kvTags: [String: String]
    ) {
        self.workspaceID = workspaceID
        self.name = name
        self.computeType = computeType
        self.computeName = computeName
        self.authEnabled = authEnabled
        self.aadAuthEnabled = aadAuthEnabled
        self.cpuCores = cpuCores
        self.memoryGB = memoryGB
        self.kvTags = kvTags
    }

    private enum CodingKeys: String, CodingKey {
        case workspaceID, name, computeType, computeName, authEnabled, aadAuthEnabled, cpuCores, memoryGB, kvTags,
            models, entryScript, entryScriptDigest, entryScriptUnread, environment, state
    }

    public init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        workspaceID = try container.decode(AzureResourceID.self, forKey: .workspaceID)
        name = try container.decode(String.self, forKey: .name)
        computeType = try container.decode(String.self, forKey: .computeType)
        computeName = try container.decodeIfPresent(String.self, forKey: .computeName)
        authEnabled = try container.decode(Bool.self, forKey: .authEnabled)
        aadAuthEnabled = try container.decode(Bool.self, forKey: .aadAuthEnabled)
        cpuCores = try container.decode(Double.self, forKey: .cpuCores)
        memoryGB = try container.decode(Double.self, forKey: .memoryGB)
        kvTags = try container.decode([String: String].self, forKey: .kvTags)
        models = try container.decodeIfPresent([String].self, forKey: .models) ?? []
        entryScript = try container.decodeIfPresent(String.self, forKey: .entryScript)
        entryScriptDigest = try container.decodeIfPresent(String.self, forKey: .entryScriptDigest)
        entryScriptUnread = try container.decodeIfPresent(String.self, forKey: .entryScriptUnread)
        environment = try container.decodeIfPresent(String.self, forKey: .environment)
        state = try container.decodeIfPresent(String.self, forKey: .state)
    }

    /// Whether amlauth's kvTags mark it as `name` of `target`.
    public func isOwned(target: String, name: String) -> Bool {
        kvTags[Markers.serviceTarget] == target && kvTags[Markers.serviceName] == name
    }
}

public struct LiveWorkspace: Sendable, Codable, Equatable {
    public var id: AzureResourceID
    public var location: String

    public init(id: AzureResourceID, location: String) {
        self.id = id
        self.location = location
    }
}

public struct LiveCompute: Sendable, Codable, Equatable {
    /// `<workspace ID>/computes/<name>`.
    public var id: AzureResourceID
    public var location: String

    public init(id: AzureResourceID, location: String) {
        self.id = id
        self.location = location
    }
}

/// A part of the cloud a plan could not read: the role assignments at and below a scope, or a
/// workspace's web services.
/// The scopes the reader listed role assignments at, instead of the whole subscription, and why.
public struct NarrowedRoleAssignmentRead: Sendable, Equatable {
    public var subscription: AzureResourceID
    public var scopes: [AzureResourceID]
    /// The subscription list's error, as the reader got it.
    public var reason: String

    public init(subscription: AzureResourceID, scopes: [AzureResourceID], reason: String) {
        self.subscription = subscription
        self.scopes = scopes
        self.reason = reason
    }

    /// The plan's note: what was read instead, and what that leaves unseen.
    public var note: PlanNote {
        let listed = scopes.map(\.description).joined(separator: ", ")
        return PlanNote(
            "the role assignments of \(subscription) could not be listed (\(reason)); they were listed at \(listed) instead, so an assignment this Target owns elsewhere in the subscription is not seen, kept or pruned"
        )
    }
}

public struct UnreadScope: Sendable, Codable, Equatable {
    public enum Kind: String, Sendable, Codable { case roleAssignments, webservices, onlineEndpoints, roleDefinitions }
    public var kind: Kind
    public var scope: AzureResourceID
    /// The error, as the reader got it (Azure's code and message).
    public var reason: String

    public init(kind: Kind, scope: AzureResourceID, reason: String) {
        self.kind = kind
        self.scope = scope
        self.reason = reason
    }

    private var what: String {
        switch kind {
        case .roleAssignments: "the role assignments at \(scope)"
        case .webservices: "the web services of \(scope)"
        case .onlineEndpoints: "the online endpoints of \(scope)"
        case .roleDefinitions: "the custom roles of \(scope)"
        }
    }

    /// The note of a resource left out because of this.
    public func note(for address: ResourceAddress) -> PlanNote {
        PlanNote(
            "not planned: \(what) could not be read (\(reason)); run plan again", address: address, unplanned: true)
    }

    /// The plan's note for the scope itself, whether or not a manifest names something in it:
    /// what the Target owns there but no manifest names any more is neither seen nor pruned, and
    /// the plan must not let that pass as "No changes" without saying so.
    public var scopeNote: PlanNote {
        PlanNote(
            "\(what) could not be read (\(reason)): what this Target owns there was neither compared nor pruned; run plan again"
        )
    }
}
