/// What downstream jobs need from a Target's live objects: identifiers and addresses, never a
/// secret (`amlauth output`). A declared object that does not exist yet has nil identifiers.
public struct TargetOutputs: Sendable, Equatable {
    /// One service principal of the manifests.
    public struct ServicePrincipal: Sendable, Equatable {
        public var name: String
        public var displayName: String
        /// The application's `appId`: the client id (AZURE_CLIENT_ID).
        public var clientID: String?
        /// The application object's id in Graph.
        public var applicationObjectID: String?
        /// The service principal's object id: what role assignments name.
        public var objectID: String?

        public init(
            name: String, displayName: String, clientID: String?, applicationObjectID: String?, objectID: String?
        ) {
            self.name = name
            self.displayName = displayName
            self.clientID = clientID
            self.applicationObjectID = applicationObjectID
            self.objectID = objectID
        }
    }

    /// One web service of the manifests.
    public struct Webservice: Sendable, Equatable {
        public var name: String
        public var workspace: String
        /// The workspace's ARM id.
        public var workspaceID: String
        public var computeType: String
        /// `key`, `token` or `none`: how a caller authenticates, from the manifests.
        public var auth: String
        public var scoringURI: String?
        /// Whether the service exists and amlauth owns it for this Target.
        public var exists: Bool

        public init(
            name: String, workspace: String, workspaceID: String, computeType: String, auth: String,
            scoringURI: String?, exists: Bool
        ) {
            self.name = name
            self.workspace = workspace
            self.workspaceID = workspaceID
            self.computeType = computeType
            self.auth = auth
            self.scoringURI = scoringURI
            self.exists = exists
        }
    }

    /// One online endpoint of the manifests.
    public struct OnlineEndpoint: Sendable, Equatable {
        public var name: String
        public var workspace: String
        /// The endpoint's ARM id.
        public var id: String
        /// `key`, `aml_token` or `aad_token`, from the manifests.
        public var authMode: String
        public var scoringURI: String?
        /// Whether the endpoint exists and amlauth owns it for this Target.
        public var exists: Bool

        public init(name: String, workspace: String, id: String, authMode: String, scoringURI: String?, exists: Bool) {
            self.name = name
            self.workspace = workspace
            self.id = id
            self.authMode = authMode
            self.scoringURI = scoringURI
            self.exists = exists
        }
    }

    public var target: String
    public var cloud: String
    public var tenantID: String?
    public var subscriptionID: String
    public var servicePrincipals: [ServicePrincipal]
    public var webservices: [Webservice]
    public var onlineEndpoints: [OnlineEndpoint]

    public init(
        target: String, cloud: String, tenantID: String?, subscriptionID: String,
        servicePrincipals: [ServicePrincipal], webservices: [Webservice], onlineEndpoints: [OnlineEndpoint] = []
    ) {
        self.target = target
        self.cloud = cloud
        self.tenantID = tenantID
        self.subscriptionID = subscriptionID
        self.servicePrincipals = servicePrincipals
        self.webservices = webservices
        self.onlineEndpoints = onlineEndpoints
    }
}
