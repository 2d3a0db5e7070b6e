public import AMLAuthCore
public import AzureProvider
public import Engine
import WireFormat

/// An in-memory Graph, ARM authorization and model management for unit tests of the reader and
/// the executor, as Terraform's `MockProvider` is for its walker: the same rules the services
/// enforce where the engine relies on them (ids are assigned, a service principal needs its
/// application, a role assignment's triple is unique, a missing object is a 404), every call
/// recorded, and failures injectable per call. Not a second local cloud: no HTTP, no auth.
public actor FakeCloud: DirectoryService, AuthorizationService, ModelManagementService, OnlineEndpointService {
    public struct Application: Sendable {
        public var application: GraphApplication
        public var federated: [LiveFederatedCredential] = []
    }

    public private(set) var applications: [Application] = []
    public private(set) var servicePrincipals: [GraphServicePrincipal] = []
    public internal(set) var roleAssignments: [AuthorizationClient.RoleAssignment] = []
    /// Custom roles (`FakeCloud+RoleDefinitions.swift`).
    public internal(set) var customRoles: [AuthorizationClient.RoleDefinition] = []
    public private(set) var workspaces: [MachineLearningClient.Workspace] = []
    /// Services by model-management base.
    public private(set) var services: [String: [MachineLearningClient.Service]] = [:]
    /// Azure ML v2 online endpoints and deployments (`FakeCloud+OnlineEndpoints.swift`).
    public internal(set) var endpoints: [OnlineEndpoint] = []
    public internal(set) var deployments: [OnlineDeployment] = []
    /// Each endpoint's keys, by lower-cased endpoint id.
    public internal(set) var endpointKeys: [String: OnlineEndpointKeys] = [:]
    /// Every call, as `method target` (`createApplication ml-auth`, `deleteRoleAssignment <name>`…).
    public private(set) var calls: [String] = []
    private var failures: [String: AzureError] = [:]
    private var lostAnswers: [String: AzureError] = [:]
    private var counter = 0

    public init() {}

    /// The provider the engine sees.
    public nonisolated var provider: Provider {
        Provider(directory: self, authorization: self, modelManagement: self, onlineEndpoints: self)
    }

    /// Makes the next call whose record starts with `prefix` fail with `error` (once).
    public func failNext(_ prefix: String, with error: AzureError) { failures[prefix] = error }

    /// Makes the next `createApplication` or `addPassword` whose record starts with `prefix` take
    /// effect and then fail with `error` (once): the answer lost on the way back.
    public func loseNextAnswer(_ prefix: String, with error: AzureError) { lostAnswers[prefix] = error }

    private func answer(_ call: String) throws(AzureError) {
        if let prefix = lostAnswers.keys.sorted().first(where: { call.hasPrefix($0) }),
            let error = lostAnswers.removeValue(forKey: prefix)
        {
            throw error
        }
    }

    /// Adds a workspace (with its model-management base `fake-mms:<id>`).
    public func addWorkspace(_ id: AzureResourceID, location: String) {
        workspaces.append(
            MachineLearningClient.Workspace(
                id: id, name: id.segments.last?.name ?? "", location: location, discoveryURL: "fake-discovery:\(id)"))
    }

    func record(_ call: String) throws(AzureError) {
        calls.append(call)
        if let prefix = failures.keys.sorted().first(where: { call.hasPrefix($0) }),
            let error = failures.removeValue(forKey: prefix)
        {
            throw error
        }
    }

    func newID() -> String {
        counter += 1
        let hex = String(counter, radix: 16)
        return "00000000-0000-4000-8000-" + String(repeating: "0", count: 12 - hex.count) + hex
    }

    func notFound(_ service: AzureError.Service, _ what: String) -> AzureError {
        AzureError(service: service, status: 404, code: "NotFound", message: "\(what) does not exist", target: what)
    }

    private func applicationIndex(_ id: String) throws(AzureError) -> Int {
        guard let index = applications.firstIndex(where: { $0.application.id == id }) else {
            throw notFound(.graph, "application \(id)")
        }
        return index
    }

    // MARK: DirectoryService

    public func applications(taggedWith tag: String) throws(AzureError) -> [GraphApplication] {
        try record("applications tagged \(tag)")
        return applications.map(\.application).filter { $0.tags.contains(tag) }
    }

    public func applications(namedAnyOf displayNames: [String]) throws(AzureError) -> [GraphApplication] {
        guard !displayNames.isEmpty else { return [] }
        try record("applications named \(displayNames.joined(separator: ","))")
        return applications.map(\.application).filter { displayNames.contains($0.displayName) }
    }

    public func servicePrincipals(appIDsAnyOf appIDs: [String]) throws(AzureError) -> [GraphServicePrincipal] {
        guard !appIDs.isEmpty else { return [] }
        try record("servicePrincipals \(appIDs.count)")
        return servicePrincipals.filter { appIDs.contains($0.appID) }
    }

    public func servicePrincipal(appID: String) throws(AzureError) -> GraphServicePrincipal? {
        try record("servicePrincipal appId \(appID)")
        return servicePrincipals.first { $0.appID == appID }
    }

    public func servicePrincipal(id: String) throws(AzureError) -> GraphServicePrincipal? {
        try record("servicePrincipal \(id)")
        return servicePrincipals.first { $0.id == id }
    }

    public func application(id: String) throws(AzureError) -> GraphApplication? {
        try record("application \(id)")
        return applications.first { $0.application.id == id }?.application
    }

    public func federatedCredentials(applicationID: String) throws(AzureError) -> [LiveFederatedCredential] {
        try record("federatedCredentials \(applicationID)")
        return applications[try applicationIndex(applicationID)].federated
    }

    public func createApplication(displayName: String, tags: [String]) throws(AzureError) -> GraphApplication {
        try record("createApplication \(displayName)")
        let application = GraphApplication(id: newID(), appID: newID(), displayName: displayName, tags: tags)
        applications.append(Application(application: application))
        try answer("createApplication \(displayName)")
        return application
    }

    public func upsertApplication(uniqueName: String, displayName: String, tags: [String]?) throws(AzureError)
        -> (application: GraphApplication, created: Bool)
    {
        try record("upsertApplication \(displayName)")
        if let index = applications.firstIndex(where: { $0.application.uniqueName == uniqueName }) {
            applications[index].application.displayName = displayName
            if let tags { applications[index].application.tags = tags }
            return (applications[index].application, false)
        }
        let application = GraphApplication(
            id: newID(), appID: newID(), displayName: displayName, tags: tags ?? [], uniqueName: uniqueName)
        applications.append(Application(application: application))
        return (application, true)
    }

    public func application(uniqueName: String) throws(AzureError) -> GraphApplication? {
        try record("application uniqueName \(uniqueName)")
        return applications.map(\.application).first { $0.uniqueName == uniqueName }
    }

    public func applications(uniqueNamesAnyOf names: [String]) throws(AzureError) -> [GraphApplication] {
        guard !names.isEmpty else { return [] }
        try record("applications uniqueNamed \(names.count)")
        return applications.map(\.application).filter { $0.uniqueName.map(names.contains) ?? false }
    }

    public func upsertServicePrincipal(appID: String, tags: [String]) throws(AzureError) -> GraphServicePrincipal {
        if let existing = servicePrincipals.first(where: { $0.appID == appID }) {
            try record("upsertServicePrincipal \(appID)")
            return existing
        }
        return try createServicePrincipal(appID: appID, tags: tags)
    }

    public func updateApplication(id: String, _ update: ApplicationUpdate) throws(AzureError) {
        try record("updateApplication \(id)")
        let index = try applicationIndex(id)
        switch update {
        case .displayName(let name): applications[index].application.displayName = name
        case .tags(let tags): applications[index].application.tags = tags
        case .keyCredentials(let uploads, let keeping):
            applications[index].application.keyCredentials =
                applications[index].application.keyCredentials.filter { keeping.contains($0.keyID) }
                + uploads.map {
                    LiveKeyCredential(
                        keyID: newID(), displayName: $0.displayName, thumbprint: Base64.thumbprint($0.der))
                }
        }
    }

    public func deleteApplication(id: String) throws(AzureError) {
        try record("deleteApplication \(id)")
        if let application = applications.first(where: { $0.application.id == id }) {
            servicePrincipals.removeAll { $0.appID == application.application.appID }
        }
        applications.removeAll { $0.application.id == id }
    }

    public func createServicePrincipal(appID: String, tags: [String]) throws(AzureError) -> GraphServicePrincipal {
        try record("createServicePrincipal \(appID)")
        guard applications.contains(where: { $0.application.appID == appID }) else {
            throw AzureError(
                service: .graph, status: 400, code: "Request_BadRequest",
                message: "The appId '\(appID)' does not reference a valid application object",
                target: "POST /servicePrincipals")
        }
        let principal = GraphServicePrincipal(id: newID(), appID: appID)
        servicePrincipals.append(principal)
        return principal
    }

    public func addPassword(applicationID: String, displayName: String, endDateTime: Double?) throws(AzureError)
        -> CreatedPassword
    {
        try record("addPassword \(displayName)")
        let index = try applicationIndex(applicationID)
        let keyID = newID()
        applications[index].application.passwords.append(
            LivePassword(keyID: keyID, displayName: displayName, hint: "fak", endDateTime: endDateTime ?? 0))
        try answer("addPassword \(displayName)")
        return CreatedPassword(keyID: keyID, secretText: "fake-secret-\(keyID)")
    }

    public func removePassword(applicationID: String, keyID: String) throws(AzureError) {
        try record("removePassword \(keyID)")
        let index = try applicationIndex(applicationID)
        guard applications[index].application.passwords.contains(where: { $0.keyID == keyID }) else {
            throw notFound(.graph, "password \(keyID)")
        }
        applications[index].application.passwords.removeAll { $0.keyID == keyID }
    }

    public func createFederatedCredential(applicationID: String, _ credential: DesiredFederatedCredential)
        throws(AzureError)
    {
        try record("createFederatedCredential \(credential.name)")
        let index = try applicationIndex(applicationID)
        guard !applications[index].federated.contains(where: { $0.name == credential.name }) else {
            throw AzureError(
                service: .graph, status: 409, code: "Request_MultipleObjectsWithSameKeyValue", message: "name in use",
                target: "POST federatedIdentityCredentials")
        }
        applications[index].federated.append(
            LiveFederatedCredential(
                id: newID(), name: credential.name, issuer: credential.issuer, subject: credential.subject,
                audiences: credential.audiences))
    }

    public func updateFederatedCredential(applicationID: String, id: String, _ credential: DesiredFederatedCredential)
        throws(AzureError)
    {
        try record("updateFederatedCredential \(credential.name)")
        let index = try applicationIndex(applicationID)
        guard let position = applications[index].federated.firstIndex(where: { $0.id == id }) else {
            throw notFound(.graph, "federated credential \(id)")
        }
        applications[index].federated[position] = LiveFederatedCredential(
            id: id, name: credential.name, issuer: credential.issuer, subject: credential.subject,
            audiences: credential.audiences)
    }

    public func deleteFederatedCredential(applicationID: String, id: String) throws(AzureError) {
        try record("deleteFederatedCredential \(id)")
        applications[try applicationIndex(applicationID)].federated.removeAll { $0.id == id }
    }

    /// Users and groups the fake directory knows, besides its service principals.
    public private(set) var directoryObjects: Set<String> = []

    public func addDirectoryObject(_ id: String) { directoryObjects.insert(id.lowercased()) }

    public func existingDirectoryObjects(ids: [String]) throws(AzureError) -> [String: LiveDirectoryObject] {
        try record("getByIds \(ids.count)")
        var found: [String: LiveDirectoryObject] = [:]
        for id in ids.map({ $0.lowercased() }) {
            if directoryObjects.contains(id) {
                found[id] = LiveDirectoryObject(type: "Group", displayName: nil)
            } else if servicePrincipals.contains(where: { $0.id.lowercased() == id }) {
                found[id] = LiveDirectoryObject(type: "ServicePrincipal", displayName: nil)
            }
        }
        return found
    }

    // MARK: AuthorizationService

    public func listRoleAssignments(scope: String, atScopeOnly: Bool, principalID: String?) throws(AzureError)
        -> [AuthorizationClient.RoleAssignment]
    {
        try record("listRoleAssignments \(scope)")
        // ARM's list at a scope: what lies at and above it, and below it too without `atScope()`.
        guard case .success(let asked) = AzureResourceID.parse(scope) else { return [] }
        return roleAssignments.filter { assignment in
            guard principalID == nil || assignment.principalID == principalID?.lowercased(),
                case .success(let at) = AzureResourceID.parse(assignment.scope)
            else { return false }
            return at.covers(asked) || (!atScopeOnly && asked.covers(at))
        }
    }

    public func createRoleAssignment(
        scope: String, name: String, roleDefinitionGUID: String, principalID: String, principalType: String?,
        description: String?
    ) throws(AzureError) -> AuthorizationClient.RoleAssignment {
        try record("createRoleAssignment \(name)")
        let assignment = AuthorizationClient.RoleAssignment(
            id: "\(scope)/providers/Microsoft.Authorization/roleAssignments/\(name)", name: name, scope: scope,
            roleDefinitionGUID: roleDefinitionGUID,
            principalID: principalID, principalType: principalType, description: description)
        if let same = roleAssignments.first(where: {
            $0.name != name && $0.scope.lowercased() == scope.lowercased() && $0.principalID == assignment.principalID
                && $0.roleDefinitionGUID == assignment.roleDefinitionGUID
        }) {
            throw AzureError(
                service: .resourceManager, status: 409, code: "RoleAssignmentExists",
                message: "The role assignment already exists (\(same.name))", target: "PUT \(name)")
        }
        roleAssignments.removeAll { $0.name == name }
        roleAssignments.append(assignment)
        return assignment
    }

    @discardableResult
    public func deleteRoleAssignment(scope: String, name: String) throws(AzureError) -> Bool {
        try record("deleteRoleAssignment \(name)")
        let existed = roleAssignments.contains { $0.name == name }
        roleAssignments.removeAll { $0.name == name }
        return existed
    }

    /// Adds an assignment made outside amlauth (or by an earlier apply).
    public func addRoleAssignment(_ assignment: AuthorizationClient.RoleAssignment) {
        roleAssignments.append(assignment)
    }

    // MARK: ModelManagementService

    public func workspaces(subscriptionID: String) throws(AzureError) -> [MachineLearningClient.Workspace] {
        try record("workspaces \(subscriptionID)")
        return workspaces
    }

    public func workspace(id: AzureResourceID) throws(AzureError) -> MachineLearningClient.Workspace? {
        try record("workspace \(id)")
        return workspaces.first { $0.id == id }
    }

    public func modelManagementBase(for workspace: MachineLearningClient.Workspace) throws(AzureError) -> String {
        try record("discovery \(workspace.id)")
        return "fake-mms:\(workspace.id.canonicalKey)"
    }

    public func modelManagementBase(workspaceID: AzureResourceID) throws(AzureError) -> String {
        guard let found = try workspace(id: workspaceID) else {
            throw notFound(.resourceManager, "workspace \(workspaceID)")
        }
        return try modelManagementBase(for: found)
    }

    public func computeLocation(id: AzureResourceID) throws(AzureError) -> String? {
        try record("compute \(id)")
        return workspaces.first { id.canonicalKey.hasPrefix($0.id.canonicalKey + "/") }?.location
    }

    /// Nothing to fetch: the fake takes no tokens.
    public func prefetchToken() async {}

    public func services(base: String) throws(AzureError) -> [MachineLearningClient.Service] {
        try record("services \(base)")
        return services[base] ?? []
    }

    /// The fake keeps no artifacts: its services are amlauth's, whose digests their assets name.
    public func entryScriptDigest(base: String, artifact: String) throws(AzureError) -> String {
        try record("entryScriptDigest \(artifact)")
        throw AzureError(
            service: .modelManagement, status: 404, code: "ArtifactNotFound", message: "no artifact \(artifact)",
            target: "GET artifacts/contentinfo")
    }

    public func createService(base: String, _ definition: ServiceDefinition) throws(AzureError) {
        try record("createService \(definition.name)")
        guard !(services[base] ?? []).contains(where: { $0.name == definition.name }) else {
            throw AzureError(
                service: .modelManagement, status: 409, code: "Conflict", message: "service \(definition.name) exists",
                target: "POST services")
        }
        var service = MachineLearningClient.Service(
            name: definition.name, computeType: definition.computeType.rawValue, computeName: definition.computeTarget,
            authEnabled: definition.authEnabled,
            aadAuthEnabled: definition.tokenAuthEnabled, cpuCores: definition.cpuCores, memoryGB: definition.memoryGB,
            kvTags: definition.kvTags)
        service.models = definition.models.map(\.description)
        service.entryScript = definition.entryScript
        service.entryScriptDigest = definition.entryScriptFile?.shortDigest
        service.environment = definition.environment.description
        service.state = "Healthy"
        services[base, default: []].append(service)
    }

    public func updateService(base: String, name: String, patches: [ServicePatch]) throws(AzureError) {
        try record("updateService \(name)")
        guard let index = services[base]?.firstIndex(where: { $0.name == name }) else {
            throw notFound(.modelManagement, "service \(name)")
        }
        for patch in patches {
            switch patch {
            case .kvTags(let tags): services[base]?[index].kvTags = tags
            case .authEnabled(let flag): services[base]?[index].authEnabled = flag
            case .tokenAuthEnabled(let flag): services[base]?[index].aadAuthEnabled = flag
            case .cpuCores(let cores): services[base]?[index].cpuCores = cores
            case .memoryGB(let memory): services[base]?[index].memoryGB = memory
            case .definition(let models, let entryScript, let environment, let script):
                services[base]?[index].models = models.map(\.description)
                services[base]?[index].entryScript = entryScript
                services[base]?[index].entryScriptDigest = script?.shortDigest
                services[base]?[index].environment = environment.description
            }
        }
    }

    public func regenerateKey(base: String, name: String, key: ServiceKey) throws(AzureError) {
        try record("regenerateKey \(name) \(key.rawValue)")
        guard services[base]?.contains(where: { $0.name == name }) == true else {
            throw notFound(.modelManagement, "service \(name)")
        }
    }

    /// Each key-auth service's keys, derived from its name (`v1-primary-<name>`): tests can say
    /// which value an endpoint must end up with.
    public func listKeys(base: String, name: String) throws(AzureError) -> (primary: String, secondary: String) {
        try record("listKeys \(name)")
        guard let service = services[base]?.first(where: { $0.name == name }) else {
            throw notFound(.modelManagement, "service \(name)")
        }
        guard service.authEnabled else {
            throw AzureError(
                service: .modelManagement, status: 400, code: "BadRequest",
                message: "the service does not use key auth",
                target: "POST services/\(name)/listkeys")
        }
        return ("v1-primary-\(name)", "v1-secondary-\(name)")
    }

    public func deleteService(base: String, name: String) throws(AzureError) {
        try record("deleteService \(name)")
        services[base]?.removeAll { $0.name == name }
    }
}
