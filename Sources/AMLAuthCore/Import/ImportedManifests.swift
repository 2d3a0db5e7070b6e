/// What `amlauth import` found in the cloud, as manifests to write: typed values in the manifest
/// language's terms (addresses, role references, scopes, versioned names), rendered by
/// `ManifestWriter`. Nothing here holds a secret: passwords are described by keyId and expiry only.
public struct ImportedManifests: Sendable, Equatable {
    /// What the manifests came from, one line each (the file's header comment).
    public var origin: [String]
    public var documents: [ImportedDocument]
    /// Live objects that were found but not imported, and why (written as comments).
    public var skipped: [String]

    public init(origin: [String], documents: [ImportedDocument] = [], skipped: [String] = []) {
        self.origin = origin
        self.documents = documents
        self.skipped = skipped
    }
}

/// One document of an import. Each kind `import` can write is a case; the exhaustive switch in
/// `ManifestWriter` makes a new one (the v2 `OnlineEndpoint` of DESIGN §9) say how it is written.
public enum ImportedDocument: Sendable, Equatable {
    case workspace(ImportedWorkspace)
    case servicePrincipal(ImportedServicePrincipal)
    case roleAssignment(ImportedRoleAssignment)
    case webservice(ImportedWebservice)

    public var address: ResourceAddress {
        switch self {
        case .workspace(let workspace): ResourceAddress(.workspace, workspace.name)
        case .servicePrincipal(let principal): ResourceAddress(.servicePrincipal, principal.name)
        case .roleAssignment(let assignment): ResourceAddress(.roleAssignment, assignment.name)
        case .webservice(let service): ResourceAddress(.webservice, service.name)
        }
    }
}

public struct ImportedWorkspace: Sendable, Equatable {
    public var name: String
    public var resourceGroup: String
    public var location: String?

    public init(name: String, resourceGroup: String, location: String?) {
        self.name = name
        self.resourceGroup = resourceGroup
        self.location = location
    }
}

/// An application and its service principal. Certificates and passwords cannot be written as
/// credentials (a certificate needs its PEM file; a password's secret is never readable), so they
/// are described in comments; an unowned one is left alone by the plan.
public struct ImportedServicePrincipal: Sendable, Equatable {
    public struct Certificate: Sendable, Equatable {
        public var displayName: String?
        /// Hex SHA-1 thumbprint, as the portal shows it.
        public var thumbprint: String?

        public init(displayName: String?, thumbprint: String?) {
            self.displayName = displayName
            self.thumbprint = thumbprint
        }
    }

    public struct Password: Sendable, Equatable {
        public var displayName: String?
        public var keyID: String
        /// Seconds since 1970.
        public var endDateTime: Double

        public init(displayName: String?, keyID: String, endDateTime: Double) {
            self.displayName = displayName
            self.keyID = keyID
            self.endDateTime = endDateTime
        }
    }

    public var name: String
    public var displayName: String
    public var appID: String
    public var federatedCredentials: [DesiredFederatedCredential]
    public var certificates: [Certificate]
    public var passwords: [Password]

    public init(
        name: String, displayName: String, appID: String, federatedCredentials: [DesiredFederatedCredential],
        certificates: [Certificate] = [], passwords: [Password] = []
    ) {
        self.name = name
        self.displayName = displayName
        self.appID = appID
        self.federatedCredentials = federatedCredentials
        self.certificates = certificates
        self.passwords = passwords
    }
}

public struct ImportedRoleAssignment: Sendable, Equatable {
    public var name: String
    public var principal: PrincipalReference
    public var role: RoleReference
    public var scope: ScopeReference
    /// The assignment's ARM name (a GUID), for the comment.
    public var liveName: String

    public init(
        name: String, principal: PrincipalReference, role: RoleReference, scope: ScopeReference, liveName: String
    ) {
        self.name = name
        self.principal = principal
        self.role = role
        self.scope = scope
        self.liveName = liveName
    }
}

public struct ImportedWebservice: Sendable, Equatable {
    public var name: String
    /// The Workspace manifest's name.
    public var workspace: String
    public var computeType: ComputeType
    public var computeTarget: String?
    public var models: [VersionedName]
    public var entryScript: String
    public var environment: VersionedName
    public var cpuCores: Double
    public var memoryGB: Double
    public var authEnabled: Bool
    public var tokenAuthEnabled: Bool

    public init(
        name: String, workspace: String, computeType: ComputeType, computeTarget: String?, models: [VersionedName],
        entryScript: String, environment: VersionedName, cpuCores: Double, memoryGB: Double, authEnabled: Bool,
        tokenAuthEnabled: Bool
    ) {
        self.name = name
        self.workspace = workspace
        self.computeType = computeType
        self.computeTarget = computeTarget
        self.models = models
        self.entryScript = entryScript
        self.environment = environment
        self.cpuCores = cpuCores
        self.memoryGB = memoryGB
        self.authEnabled = authEnabled
        self.tokenAuthEnabled = tokenAuthEnabled
    }
}

extension ImportedManifests {
    /// Adds a document, unless one of its values holds `${`: the manifest language reads that as an
    /// environment interpolation (there is no escape for it), so writing the value would make the
    /// manifest fill in, or fail on, an environment variable. Such an object is listed as skipped.
    public mutating func add(_ document: ImportedDocument) {
        if let value = document.values.first(where: { $0.contains("${") }) {
            skipped.append(
                "\(document.address): the value \(ManifestWriter.quoted(value)) contains '${', which manifests read as an environment interpolation; declare it by hand"
            )
            return
        }
        documents.append(document)
    }
}

extension ImportedDocument {
    /// Every text value the document writes (for the interpolation check).
    var values: [String] {
        switch self {
        case .workspace(let workspace):
            [workspace.name, workspace.resourceGroup] + (workspace.location.map { [$0] } ?? [])
        case .servicePrincipal(let principal):
            [principal.name, principal.displayName]
                + principal.federatedCredentials.flatMap { [$0.name, $0.issuer, $0.subject] + $0.audiences }
        case .roleAssignment(let assignment):
            switch assignment.scope {
            case .workspace(let name): [assignment.name, name]
            case .resourceGroup(let group): [assignment.name, group]
            case .subscription: [assignment.name]
            case .id(let id): [assignment.name, id.description]
            }
        case .webservice(let service):
            [service.name, service.workspace, service.entryScript, service.environment.description]
                + service.models.map(\.description) + (service.computeTarget.map { [$0] } ?? [])
        }
    }
}
