import AMLAuthCore
import AzureProvider

/// Runs one change's steps in order. The only state it keeps is the application the steps act on
/// (the one `useApplication` names or `createApplication` made); everything else is in the step.
struct StepRunner {
    let executor: Executor
    let context: ApplyContext
    let change: Change
    private var application: ApplicationReference?
    /// Set when this change made the application: Graph may not know it on every replica yet.
    private var applicationIsNew = false
    /// The secret added in this change that no token request has proven yet. In memory only,
    /// for as long as the change runs; never logged.
    private var unprovenSecret: (clientID: String, secret: String)?

    init(executor: Executor, context: ApplyContext, change: Change) {
        self.executor = executor
        self.context = context
        self.change = change
    }

    private var directory: any DirectoryService { executor.provider.directory }
    private var modelManagement: any ModelManagementService { executor.provider.modelManagement }
    private var onlineEndpoints: any OnlineEndpointService { executor.provider.onlineEndpoints }
    private var uncertain: UncertainCreates { UncertainCreates(directory: directory, runtime: executor.runtime) }

    mutating func run() async throws(ApplyFailure) {
        for step in change.steps + [nil] {
            do {
                if let step {
                    try await run(step)
                } else {
                    // A change ends once the secret it delivered works, so the pipeline that
                    // reads it next can log in (audit D7).
                    try await proveNewSecret()
                }
            } catch let failure as ApplyFailure {
                throw failure
            } catch let error as AzureError {
                throw ApplyFailure(
                    error.description, code: error.code, status: error.status, requestID: error.requestID)
            } catch {
                throw ApplyFailure("\(error)")
            }
        }
    }

    /// `keys_from`: the v1 service's keys, read now and set on the endpoint, primary then
    /// secondary. They live only in this function: an error names the service and the step, never
    /// a key (the clients' errors carry the service's code and message, not the request body).
    private func copyKeys(into endpoint: AzureResourceID, workspace: AzureResourceID, service: String)
        async throws(AzureError)
    {
        let keys = try await modelManagement.listKeys(base: try await base(workspace), name: service)
        // A key the endpoint already has is not sent again: azure-ai-ml sends the current key as
        // `keyValue` to ask for a new one (`_regenerate_online_keys`), so repeating a copy after a
        // crash must not be mistaken for that.
        let have = try await onlineEndpoints.onlineEndpointKeys(id: endpoint)
        for (key, value, current) in [
            (ServiceKey.primary, keys.primary, have.primaryKey), (.secondary, keys.secondary, have.secondaryKey),
        ] where value != current {
            try await onlineEndpoints.regenerateOnlineEndpointKey(
                id: endpoint, keyType: OnlineEndpointMapping.keyType(key), keyValue: value)
        }
    }

    /// The application the current step acts on; a plan that names none is a planner bug, reported.
    private func current() throws(ApplyFailure) -> ApplicationReference {
        guard let application else {
            throw ApplyFailure("\(change.address): a step needs an application, and the plan named none")
        }
        return application
    }

    private mutating func run(_ step: Step) async throws {
        switch step {
        case .createApplication(let displayName, let tags, let uniqueName):
            // Create-or-update by the deterministic uniqueName: a concurrent apply that made it
            // first leaves this one updating the same application, never a duplicate.
            let (upserted, created) = try await directory.upsertApplication(
                uniqueName: uniqueName, displayName: displayName, tags: tags)
            application = ApplicationReference(objectID: upserted.id, appID: upserted.appID, servicePrincipalID: nil)
            applicationIsNew = created
        case .useApplication(let reference):
            application = reference
            if let id = reference.servicePrincipalID.flatMap(GUID.init) {
                context.remember(principal: change.address, objectID: id)
            }
        case .setApplicationTags(let tags):
            let id = try current().objectID
            try await replicated { () async throws in try await directory.updateApplication(id: id, .tags(tags)) }
        case .setDisplayName(let name):
            let id = try current().objectID
            try await replicated { () async throws in try await directory.updateApplication(id: id, .displayName(name))
            }
        case .ensureServicePrincipal(let tags):
            let id = try await ensureServicePrincipal(try current(), tags: tags)
            application?.servicePrincipalID = id.value
            context.remember(principal: change.address, objectID: id)
        case .addPassword(let request):
            let application = try current()
            let secret = try await addPassword(request, to: application)
            unprovenSecret = (application.appID, secret)
        case .removePassword(let keyID):
            // The old secret goes only once the new one works (audit D7).
            try await proveNewSecret()
            try await directory.removePassword(applicationID: try current().objectID, keyID: keyID)
        case .setCertificates(let uploads, let keeping):
            let id = try current().objectID
            try await replicated { () async throws in
                try await directory.updateApplication(id: id, .keyCredentials(uploads, keeping: keeping))
            }
        case .createFederatedCredential(let credential):
            let id = try current().objectID
            try await replicated { () async throws in
                try await directory.createFederatedCredential(applicationID: id, credential)
            }
        case .updateFederatedCredential(let id, let credential):
            try await directory.updateFederatedCredential(applicationID: try current().objectID, id: id, credential)
        case .deleteFederatedCredential(let id, _):
            try await directory.deleteFederatedCredential(applicationID: try current().objectID, id: id)
        case .deleteApplication(let objectID):
            try await directory.deleteApplication(id: objectID)
        case .putRoleAssignment(let put):
            try await putRoleAssignment(put)
        case .deleteRoleAssignment(let scope, let name):
            try await executor.provider.authorization.deleteRoleAssignment(scope: scope.description, name: name)
        case .putRoleDefinition(let put):
            try await putRoleDefinition(put)
        case .deleteRoleDefinition(let delete):
            try await deleteRoleDefinition(delete)
        case .createService(let definition):
            try await modelManagement.createService(base: try await base(definition.workspace), definition)
        case .patchService(let workspace, let name, let patches):
            try await modelManagement.updateService(base: try await base(workspace), name: name, patches: patches)
        case .regenerateKey(let workspace, let name, let key):
            try await modelManagement.regenerateKey(base: try await base(workspace), name: name, key: key)
        case .deleteService(let workspace, let name):
            try await modelManagement.deleteService(base: try await base(workspace), name: name)
        case .putOnlineEndpoint(let put):
            _ = try await onlineEndpoints.putOnlineEndpoint(OnlineEndpointMapping.definition(put))
        case .putOnlineDeployment(let put):
            _ = try await onlineEndpoints.putOnlineDeployment(OnlineEndpointMapping.definition(put))
        case .regenerateOnlineEndpointKey(let endpoint, let key):
            try await onlineEndpoints.regenerateOnlineEndpointKey(
                id: endpoint, keyType: OnlineEndpointMapping.keyType(key), keyValue: nil)
        case .copyOnlineEndpointKeys(let endpoint, let workspace, let service):
            try await copyKeys(into: endpoint, workspace: workspace, service: service)
        case .deleteOnlineDeployment(let id):
            try await onlineEndpoints.deleteOnlineDeployment(id: id)
        case .deleteOnlineEndpoint(let id):
            try await onlineEndpoints.deleteOnlineEndpoint(id: id)
        case .uploadOnlineCode(let upload):
            try await OnlineCodeUploader(executor: executor).upload(upload)
        }
    }

    /// Asks Entra for a token with the secret this change added, if it has not been proven yet.
    private mutating func proveNewSecret() async throws {
        guard let (clientID, secret) = unprovenSecret else { return }
        unprovenSecret = nil
        try await executor.secretProof?.prove(tenantID: executor.tenantID, clientID: clientID, secret: secret)
    }

    /// Runs a Graph call on the application this change just created, waiting out the replicas
    /// that do not know it yet: they answer 404 `Request_ResourceNotFound` for a while after
    /// `POST /applications` (audit D4; terraform-provider-azuread's `applicationUpdateRetryFunc`
    /// in applications.go retries "not found" for the same reason). Bounded by the executor's
    /// replication wait; a call on an application that existed before fails at once.
    private func replicated<T>(_ body: () async throws -> T) async throws -> T {
        var waited = 0.0
        var delay = 0.25
        while true {
            do {
                return try await body()
            } catch let error as AzureError {
                guard applicationIsNew, error.status == 404, waited + delay <= executor.replicationWait else {
                    throw error
                }
                try await executor.runtime.sleep(delay)
                waited += delay
                delay = min(delay * 2, 15)
            }
        }
    }

    private func base(_ workspace: AzureResourceID) async throws(AzureError) -> String {
        try await context.modelManagementBase(workspace, modelManagement)
    }

    /// The application's service principal, created if missing (Graph's upsert by appId, so a
    /// concurrent apply cannot make a second), waiting while Graph replicates a new application
    /// (bounded backoff).
    private func ensureServicePrincipal(_ application: ApplicationReference, tags: [String]) async throws -> GUID {
        if let id = application.servicePrincipalID.flatMap(GUID.init) { return id }
        if let existing = try await directory.servicePrincipal(appID: application.appID), let id = GUID(existing.id) {
            return id
        }
        var waited = 0.0
        var delay = 0.5
        while true {
            do {
                let created = try await directory.upsertServicePrincipal(appID: application.appID, tags: tags)
                guard let id = GUID(created.id) else {
                    throw ApplyFailure("Graph returned a service principal whose id is not a GUID")
                }
                return id
            } catch let error as AzureError
                where error.isApplicationNotReplicated && waited + delay <= executor.replicationWait
            {
                try await executor.runtime.sleep(delay)
                waited += delay
                delay = min(delay * 2, 15)
            }
        }
    }

    /// Add → deliver → record; a password whose delivery fails is removed again before the error
    /// is reported, so no secret exists that nobody holds. The delivery record is written only
    /// after the sink has the password: if recording fails (or apply dies first), the password
    /// stays unrecorded, the change stops before any old password is removed, and the next plan
    /// replaces it.
    private func addPassword(_ request: PasswordRequest, to application: ApplicationReference) async throws -> String {
        let end = executor.runtime.now() + Double(request.lifetime.seconds)
        let uncertain = uncertain
        let created = try await replicated { () async throws in
            try await uncertain.addPassword(
                applicationID: application.objectID, displayName: request.displayName, endDateTime: end)
        }
        do {
            try await executor.delivery.send(
                SecretDelivery.Secret(
                    clientID: application.appID, clientSecret: created.secretText, tenantID: executor.tenantID,
                    subscriptionID: executor.subscriptionID,
                    keyID: created.keyID),
                to: request.sink)
        } catch {
            try? await directory.removePassword(applicationID: application.objectID, keyID: created.keyID)
            throw ApplyFailure("password '\(request.credential)' was created and removed again: \(error)")
        }
        do {
            let directory = directory
            try await replicated { () async throws in
                try await DeliveryRecording.record(
                    DeliveryRecord(keyID: created.keyID, sink: request.sink), credential: request.credential,
                    applicationID: application.objectID, directory)
            }
        } catch {
            throw ApplyFailure(
                "password '\(request.credential)' (keyId \(created.keyID)) reached \(request.sink), but recording the delivery in the cloud failed (\(error)); the next plan replaces it"
            )
        }
        return created.secretText
    }

    /// PUT with the planned (or, for a principal created in this apply, the deterministic) name.
    /// `RoleAssignmentExists` (the same triple under another name) means the access is already
    /// there: success. `PrincipalNotFound` for a principal that Graph knows is replication delay:
    /// waited out with bounded backoff. One Graph does not know fails at once.
    private func putRoleAssignment(_ put: RoleAssignmentPut) async throws {
        let principal: GUID
        switch put.principal {
        case .id(let id): principal = id
        case .createdBy(let address):
            guard let id = context.principalObjectID(address) else {
                throw ApplyFailure("\(address) has no service principal")
            }
            principal = id
        }
        let name =
            put.name
            ?? RoleAssignmentKey(scope: put.scope, principal: principal, role: put.role).deterministicName.value
        var waited = 0.0
        var delay = 2.0
        while true {
            let failure: AzureError
            do {
                _ = try await executor.provider.authorization.createRoleAssignment(
                    scope: put.scope.description, name: name, roleDefinitionGUID: put.role.value,
                    principalID: principal.value,
                    principalType: put.principalType?.rawValue, description: put.description)
                return
            } catch {
                failure = error
            }
            switch failure.code {
            case "RoleAssignmentExists":
                return
            case "PrincipalNotFound":
                let known = try await directory.servicePrincipal(id: principal.value) != nil
                guard known || (put.principalType != nil && put.principalType != .servicePrincipal) else {
                    throw ApplyFailure(
                        "principal \(principal) does not exist in the directory: \(failure.message)",
                        code: failure.code, status: failure.status,
                        requestID: failure.requestID)
                }
                guard waited + delay <= executor.replicationWait else { throw failure }
                try await executor.runtime.sleep(delay)
                waited += delay
                delay = min(delay * 2, 30)
            default:
                throw failure
            }
        }
    }
}
