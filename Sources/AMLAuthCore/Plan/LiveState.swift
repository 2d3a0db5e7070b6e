/// What the cloud holds, as far as the plan cares: owned objects and the ones matching desired
/// resources. Plain values: the reader fills them from Azure, tests write them by hand.
public struct LiveState: Sendable, Codable, Equatable {
    public var applications: [LiveApplication] = []
    public var roleAssignments: [LiveRoleAssignment] = []
    public var webservices: [LiveWebservice] = []
    /// Workspaces that exist, by lower-cased ID.
    public var workspaces: [LiveWorkspace] = []
    /// AKS computes the web services name, with their regions.
    public var computes: [LiveCompute] = []
    /// The password keyId each file sink last received, by `ServicePrincipal/name/credential`.
    /// A newer password in the cloud than in its sink was never delivered (a crash in between).
    public var deliveredPasswords: [String: String] = [:]

    public init() {}

    private enum CodingKeys: String, CodingKey {
        case applications, roleAssignments, webservices, workspaces, computes, deliveredPasswords
    }

    /// Missing lists read as empty, so recorded states stay readable as the type grows.
    public init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        applications = try container.decodeIfPresent([LiveApplication].self, forKey: .applications) ?? []
        roleAssignments = try container.decodeIfPresent([LiveRoleAssignment].self, forKey: .roleAssignments) ?? []
        webservices = try container.decodeIfPresent([LiveWebservice].self, forKey: .webservices) ?? []
        workspaces = try container.decodeIfPresent([LiveWorkspace].self, forKey: .workspaces) ?? []
        computes = try container.decodeIfPresent([LiveCompute].self, forKey: .computes) ?? []
        deliveredPasswords = try container.decodeIfPresent([String: String].self, forKey: .deliveredPasswords) ?? [:]
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

    private enum CodingKeys: String, CodingKey {
        case objectID, appID, displayName, tags, passwords, federatedCredentials, servicePrincipalID, keyCredentials
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
    }

    public init(objectID: String, appID: String, displayName: String, tags: [String], passwords: [LivePassword], federatedCredentials: [LiveFederatedCredential], servicePrincipalID: String?) {
        self.objectID = objectID
        self.appID = appID
        self.displayName = displayName
        self.tags = tags
        self.passwords = passwords
        self.federatedCredentials = federatedCredentials
        self.servicePrincipalID = servicePrincipalID
    }
}

public struct LiveRoleAssignment: Sendable, Codable, Equatable {
    public var name: String
    public var scope: String
    public var roleGUID: String
    public var principalID: String
    public var principalType: String?
    public var description: String?

    public init(name: String, scope: String, roleGUID: String, principalID: String, principalType: String?, description: String?) {
        self.name = name
        self.scope = scope
        self.roleGUID = roleGUID
        self.principalID = principalID
        self.principalType = principalType
        self.description = description
    }
}

public struct LiveWebservice: Sendable, Codable, Equatable {
    public var workspaceID: String
    public var name: String
    public var computeType: String
    public var computeName: String?
    public var authEnabled: Bool
    public var aadAuthEnabled: Bool
    public var cpuCores: Double
    public var memoryGB: Double
    public var kvTags: [String: String]

    public init(workspaceID: String, name: String, computeType: String, computeName: String?, authEnabled: Bool, aadAuthEnabled: Bool, cpuCores: Double, memoryGB: Double, kvTags: [String: String]) {
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
}

public struct LiveWorkspace: Sendable, Codable, Equatable {
    public var id: String
    public var location: String

    public init(id: String, location: String) {
        self.id = id
        self.location = location
    }
}

public struct LiveCompute: Sendable, Codable, Equatable {
    /// `<workspace ID>/computes/<name>`.
    public var id: String
    public var location: String

    public init(id: String, location: String) {
        self.id = id
        self.location = location
    }
}
