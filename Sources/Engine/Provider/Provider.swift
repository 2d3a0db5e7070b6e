public import AMLAuthCore
public import AzureProvider

/// Microsoft Graph as the engine needs it: applications, their credentials, service principals.
/// `GraphClient` is the real one; TestSupport's fake keeps the same rules in memory.
public protocol DirectoryService: Sendable {
    func applications(taggedWith tag: String) async throws(AzureError) -> [GraphApplication]
    /// One request per 15 names (Graph's limit for `in`).
    func applications(namedAnyOf displayNames: [String]) async throws(AzureError) -> [GraphApplication]
    func servicePrincipals(appIDsAnyOf appIDs: [String]) async throws(AzureError) -> [GraphServicePrincipal]
    func servicePrincipal(appID: String) async throws(AzureError) -> GraphServicePrincipal?
    func servicePrincipal(id: String) async throws(AzureError) -> GraphServicePrincipal?
    func federatedCredentials(applicationID: String) async throws(AzureError) -> [LiveFederatedCredential]
    /// One application as it is now (tags, passwords); nil when the directory does not know it.
    func application(id: String) async throws(AzureError) -> GraphApplication?
    /// The federated credentials of each application, in the order of `applicationIDs`. Graph sends
    /// them 20 applications per `$batch` request; the default reads one application at a time.
    func federatedCredentials(applicationIDs: [String]) async throws(AzureError) -> [[LiveFederatedCredential]]
    func createApplication(displayName: String, tags: [String]) async throws(AzureError) -> GraphApplication
    /// Graph's upsert by `uniqueName` (`Prefer: create-if-missing`); `created` tells whether this
    /// call made it. `tags` nil leaves an existing application's tags alone.
    func upsertApplication(uniqueName: String, displayName: String, tags: [String]?) async throws(AzureError)
        -> (application: GraphApplication, created: Bool)
    func application(uniqueName: String) async throws(AzureError) -> GraphApplication?
    /// One request per 15 names.
    func applications(uniqueNamesAnyOf names: [String]) async throws(AzureError) -> [GraphApplication]
    /// Graph's upsert of an application's service principal by appId.
    func upsertServicePrincipal(appID: String, tags: [String]) async throws(AzureError) -> GraphServicePrincipal
    func updateApplication(id: String, _ update: ApplicationUpdate) async throws(AzureError)
    func deleteApplication(id: String) async throws(AzureError)
    func createServicePrincipal(appID: String, tags: [String]) async throws(AzureError) -> GraphServicePrincipal
    func addPassword(applicationID: String, displayName: String, endDateTime: Double?) async throws(AzureError)
        -> CreatedPassword
    func removePassword(applicationID: String, keyID: String) async throws(AzureError)
    func createFederatedCredential(applicationID: String, _ credential: DesiredFederatedCredential)
        async throws(AzureError)
    func updateFederatedCredential(applicationID: String, id: String, _ credential: DesiredFederatedCredential)
        async throws(AzureError)
    func deleteFederatedCredential(applicationID: String, id: String) async throws(AzureError)
    /// The objects among `ids` that the directory knows, by lower-cased id, with type and name.
    func existingDirectoryObjects(ids: [String]) async throws(AzureError) -> [String: LiveDirectoryObject]
}

/// ARM role assignments as the engine needs them.
public protocol AuthorizationService: Sendable {
    /// Every assignment at, above and (with `atScopeOnly: false`) below `scope`, across pages.
    func listRoleAssignments(scope: String, atScopeOnly: Bool, principalID: String?) async throws(AzureError)
        -> [AuthorizationClient.RoleAssignment]
    func createRoleAssignment(
        scope: String, name: String, roleDefinitionGUID: String, principalID: String, principalType: String?,
        description: String?
    ) async throws(AzureError) -> AuthorizationClient.RoleAssignment
    @discardableResult func deleteRoleAssignment(scope: String, name: String) async throws(AzureError) -> Bool
    /// The custom roles listed at `scope` (a subscription), across pages.
    func listCustomRoles(scope: String) async throws(AzureError) -> [AuthorizationClient.RoleDefinition]
    /// Creates or replaces a custom role by its GUID.
    func putRoleDefinition(scope: String, _ definition: AuthorizationClient.RoleDefinition) async throws(AzureError)
        -> AuthorizationClient.RoleDefinition
    /// Deletes a custom role; false when it was already gone.
    @discardableResult func deleteRoleDefinition(scope: String, name: String) async throws(AzureError) -> Bool
}

/// Azure ML v1: workspaces, computes and the model-management services API.
public protocol ModelManagementService: Sendable {
    func workspace(id: AzureResourceID) async throws(AzureError) -> MachineLearningClient.Workspace?
    /// Every workspace of the subscription the caller may read.
    func workspaces(subscriptionID: String) async throws(AzureError) -> [MachineLearningClient.Workspace]
    func modelManagementBase(for workspace: MachineLearningClient.Workspace) async throws(AzureError) -> String
    /// The workspace's ARM read and discovery in one: `WorkspaceNotFound` when it does not exist.
    func modelManagementBase(workspaceID: AzureResourceID) async throws(AzureError) -> String
    func computeLocation(id: AzureResourceID) async throws(AzureError) -> String?
    func services(base: String) async throws(AzureError) -> [MachineLearningClient.Service]
    /// The short digest of an entry script another tool uploaded (`Service.entryScriptArtifact`).
    func entryScriptDigest(base: String, artifact: String) async throws(AzureError) -> String
    /// Fetches the model-management token ahead of the first request that needs it, so that it
    /// is not one more round trip after the workspace and discovery reads. Failures are left to
    /// that request to report.
    func prefetchToken() async
    func createService(base: String, _ definition: ServiceDefinition) async throws(AzureError)
    func updateService(base: String, name: String, patches: [ServicePatch]) async throws(AzureError)
    func regenerateKey(base: String, name: String, key: ServiceKey) async throws(AzureError)
    /// A key-auth service's two keys; read only by apply, to copy them into an online endpoint.
    func listKeys(base: String, name: String) async throws(AzureError) -> (primary: String, secondary: String)
    func deleteService(base: String, name: String) async throws(AzureError)
}

extension DirectoryService {
    public func federatedCredentials(applicationIDs: [String]) async throws(AzureError) -> [[LiveFederatedCredential]] {
        var lists: [[LiveFederatedCredential]] = []
        for id in applicationIDs { lists.append(try await federatedCredentials(applicationID: id)) }
        return lists
    }
}

extension GraphClient: DirectoryService {}
extension AuthorizationClient: AuthorizationService {}
extension MachineLearningClient: ModelManagementService {}

/// The services one cloud offers the engine, wired once (by the CLI's composition or a test).
public struct Provider: Sendable {
    public var directory: any DirectoryService
    public var authorization: any AuthorizationService
    public var modelManagement: any ModelManagementService
    public var onlineEndpoints: any OnlineEndpointService
    /// Code assets for deployments with `code`; nil where no test needs them (a step that
    /// uploads code then fails saying so).
    public var codeAssets: (any CodeAssetService)?

    public init(
        directory: any DirectoryService, authorization: any AuthorizationService,
        modelManagement: any ModelManagementService, onlineEndpoints: any OnlineEndpointService,
        codeAssets: (any CodeAssetService)? = nil
    ) {
        self.codeAssets = codeAssets
        self.directory = directory
        self.authorization = authorization
        self.modelManagement = modelManagement
        self.onlineEndpoints = onlineEndpoints
    }

    /// The real clients over one pipeline.
    public init(pipeline: AzurePipeline, cloud: AzureCloudEndpoints, pollInterval: Double? = nil) {
        var machineLearning = MachineLearningClient(pipeline: pipeline, cloud: cloud)
        if let pollInterval { machineLearning.pollInterval = pollInterval }
        self.init(
            directory: GraphClient(pipeline: pipeline, cloud: cloud),
            authorization: AuthorizationClient(pipeline: pipeline, cloud: cloud),
            modelManagement: machineLearning, onlineEndpoints: OnlineEndpointsClient(pipeline: pipeline, cloud: cloud),
            codeAssets: CodeAssetsClient(pipeline: pipeline, cloud: cloud))
    }
}

/// Azure ML v2 online endpoints and their deployments (ARM), as the engine needs them. Every write
/// waits for ARM's long-running operation (`Azure-AsyncOperation`, then `Location`) to end.
public protocol OnlineEndpointService: Sendable {
    /// Every online endpoint of the workspace, across pages.
    func onlineEndpoints(workspaceID: AzureResourceID) async throws(AzureError) -> [OnlineEndpoint]
    /// Every deployment of the endpoint, across pages.
    func onlineDeployments(endpointID: AzureResourceID) async throws(AzureError) -> [OnlineDeployment]
    /// Creates or replaces the endpoint (PUT) and waits until ARM says it succeeded.
    func putOnlineEndpoint(_ definition: OnlineEndpointDefinition) async throws(AzureError) -> OnlineEndpoint
    /// Creates or replaces the deployment (PUT) and waits.
    func putOnlineDeployment(_ definition: OnlineDeploymentDefinition) async throws(AzureError) -> OnlineDeployment
    /// Deletes and waits; a missing endpoint is success.
    func deleteOnlineEndpoint(id: AzureResourceID) async throws(AzureError)
    func deleteOnlineDeployment(id: AzureResourceID) async throws(AzureError)
    func onlineEndpointKeys(id: AzureResourceID) async throws(AzureError) -> OnlineEndpointKeys
    /// `keyValue` nil lets Azure generate the key; a value keeps a known one (migration from v1).
    func regenerateOnlineEndpointKey(id: AzureResourceID, keyType: OnlineEndpointKeyType, keyValue: String?)
        async throws(AzureError)
    func onlineEndpointToken(id: AzureResourceID) async throws(AzureError) -> OnlineEndpointToken
}
