public import AMLAuthCore
public import AzureProvider

/// Reads the live objects a plan needs with O(scopes) requests, not O(resources): one tagged query
/// for the target's applications, their federated credentials 20 applications per Graph `$batch`,
/// their service principals and the adoption candidates 15 per request, one paged list of role
/// assignments for the subscription (and one per desired scope outside it), one list of services
/// per declared workspace. Reads that do not depend on each other are in flight together (bounded
/// by `Concurrently.defaultLimit` and the transport's transfer slots), so a plan waits a few round
/// trips, not one per request; results are merged in a fixed order, so the plan does not depend
/// on which answer came first. It parses everything into typed `Live*` values here, once.
public struct LiveStateReader: Sendable {
    public let provider: Provider

    public init(provider: Provider) { self.provider = provider }

    /// Reads the live state; with `delivery`, also which password each file sink last received.
    public func read(_ desired: DesiredState, delivery: SecretDelivery? = nil) async throws(AzureError) -> LiveState {
        var live = LiveState()
        if let delivery {
            for principal in desired.servicePrincipals {
                for password in principal.passwords {
                    let key = Planner.deliveryKey(principal.address, password.name)
                    if let keyID = delivery.deliveredKeyID(password.sink) {
                        live.deliveredPasswords[key] = keyID
                    } else if let keyID = await delivery.keyVaultKeyID(password.sink) {
                        live.deliveredPasswords[key] = keyID
                    }
                }
            }
        }
        // Independent chains, in flight together; the ARM and Graph tokens they need are
        // fetched concurrently too (the token cache shares one request per audience). Failures are
        // reported in this fixed order.
        async let applications = Concurrently.capture { () async throws(AzureError) in
            try await self.applications(desired)
        }
        async let assignments = Concurrently.capture { () async throws(AzureError) in
            let (assignments, unread, narrowed) = try await self.roleAssignments(desired)
            let named = try await self.namedPrincipals(desired, existing: Set(assignments.map(\.key)))
            return (assignments, unread, narrowed, named)
        }
        async let webservices = Concurrently.capture { () async throws(AzureError) in
            try await self.webservices(desired)
        }
        async let computes = Concurrently.capture { () async throws(AzureError) in try await self.computes(desired) }
        async let endpoints = Concurrently.capture { () async throws(AzureError) in
            try await self.onlineEndpoints(desired)
        }
        async let roles = Concurrently.capture { () async throws(AzureError) in try await self.roleDefinitions(desired)
        }
        // Model management takes a token of its own audience (audit D10): fetched beside the
        // workspace reads, not after discovery (a first plan's longest chain was token → workspace
        // → discovery → model-management token → services).
        async let modelManagementToken: Void =
            desired.workspaces.isEmpty ? () : provider.modelManagement.prefetchToken()
        let results = await (applications, assignments, webservices, computes, endpoints, roles)
        await modelManagementToken
        live.applications = try results.0.get()
        let named: (missing: [GUID], found: [String: LiveDirectoryObject])
        let unreadAssignments: [UnreadScope]
        (live.roleAssignments, unreadAssignments, live.narrowedRoleAssignmentRead, named) = try results.1.get()
        live.unreadScopes += unreadAssignments
        (live.missingPrincipals, live.directoryObjects) = named
        let unreadWorkspaces: [UnreadScope]
        (live.workspaces, live.webservices, live.undeclaredWorkspacesUnread, unreadWorkspaces) = try results.2.get()
        live.unreadScopes += unreadWorkspaces
        (live.computes, live.missingComputes) = try results.3.get()
        let unreadEndpoints: [UnreadScope]
        (live.onlineEndpoints, live.onlineDeployments, unreadEndpoints) = try results.4.get()
        live.unreadScopes += unreadEndpoints
        let unreadRoles: [UnreadScope]
        (live.roleDefinitions, unreadRoles) = try results.5.get()
        live.unreadScopes += unreadRoles
        return live
    }

    private func applications(_ desired: DesiredState) async throws(AzureError) -> [LiveApplication] {
        let directory = provider.directory
        var found = try await directory.applications(taggedWith: Markers.targetTag(desired.target))
        let ownedTags = Set(found.flatMap(\.tags))
        // Unowned look-alikes only for principals amlauth does not own yet (adoption candidates).
        let unowned = desired.servicePrincipals.filter {
            !ownedTags.contains(Markers.resourceTag(desired.target, $0.address.name))
        }
        // By display name, and by the uniqueName amlauth creates with: an application of ours whose
        // marker tags were lost (edited by hand) is still ours, never a second create. The two
        // look-ups are independent, so they are in flight together (a first plan of 200 principals
        // waits one round trip for both, not 28 one after another).
        let displayNames = Array(Set(unowned.map(\.displayName))).sorted()
        let uniqueNames = unowned.map(\.uniqueName).sorted()
        async let byName = Concurrently.capture { () async throws(AzureError) in
            try await directory.applications(namedAnyOf: displayNames)
        }
        async let byUniqueName = Concurrently.capture { () async throws(AzureError) in
            try await directory.applications(uniqueNamesAnyOf: uniqueNames)
        }
        let (named, uniquelyNamed) = await (byName, byUniqueName)
        found += try named.get()
        found += try uniquelyNamed.get()
        var seen: Set<String> = []
        found = found.filter { seen.insert($0.id).inserted }
        let applicationList = found
        async let principalLookup = Concurrently.capture { () async throws(AzureError) in
            try await directory.servicePrincipals(appIDsAnyOf: applicationList.map(\.appID))
        }
        async let credentialLookup = Concurrently.capture { () async throws(AzureError) in
            try await directory.federatedCredentials(applicationIDs: applicationList.map(\.id))
        }
        let (principals, credentials) = await (principalLookup, credentialLookup)
        let principalByAppID = Dictionary(
            try principals.get().map { ($0.appID.lowercased(), $0) }, uniquingKeysWith: { first, _ in first })
        var applications: [LiveApplication] = []
        for (application, federatedCredentials) in zip(found, try credentials.get()) {
            var live = LiveApplication(
                objectID: application.id, appID: application.appID, displayName: application.displayName,
                tags: application.tags,
                passwords: application.passwords,
                federatedCredentials: federatedCredentials,
                servicePrincipalID: principalByAppID[application.appID.lowercased()]?.id)
            live.keyCredentials = application.keyCredentials
            live.uniqueName = application.uniqueName
            applications.append(live)
        }
        return applications
    }

    private func roleAssignments(_ desired: DesiredState) async throws(AzureError) -> (
        [LiveRoleAssignment], unread: [UnreadScope], narrowed: NarrowedRoleAssignmentRead?
    ) {
        let subscription = "/subscriptions/\(desired.subscriptionID)"
        // Without atScope(): everything at, above and below the subscription, in one paged list;
        // each scope outside it at that scope only. The lists are read together, merged in order.
        let outside = Set(
            desired.roleAssignments.map(\.scope).filter { $0.subscription != desired.subscriptionID }.map(\.description)
        )
        let authorization = provider.authorization
        let scopes = [subscription] + outside.sorted()
        // A scope whose list fails (after every retry) fails only what lies under it: it is
        // recorded, and the planner leaves those assignments out with a note (issue 15 item 11).
        let results = try await Concurrently.map(scopes) {
            scope throws(AzureError) -> Result<[AuthorizationClient.RoleAssignment], AzureError> in
            do throws(AzureError) {
                return .success(
                    try await authorization.listRoleAssignments(
                        scope: scope, atScopeOnly: scope != subscription, principalID: nil))
            } catch {
                if error.code == "Cancelled" { throw error }
                return .failure(error)
            }
        }
        var unread: [UnreadScope] = []
        var listed: [AuthorizationClient.RoleAssignment] = []
        var narrowed: NarrowedRoleAssignmentRead?
        var outcomes = Array(zip(scopes, results))
        // A caller that may manage assignments in one resource group but not read the whole
        // subscription's list (a common least-privilege CI identity) gets 403 there: list at each
        // manifest scope inside the subscription instead, at, above and below it (fidelity audit D18).
        if case .failure(let error) = results[0], error.status == 403,
            case .success(let subscriptionID) = AzureResourceID.parse(subscription)
        {
            let inside = desired.roleAssignments.map(\.scope).filter { $0.subscription == desired.subscriptionID }
            let narrow = Self.outermost(inside)
            let narrowResults = try await Concurrently.map(narrow.map(\.description)) {
                scope throws(AzureError) -> Result<[AuthorizationClient.RoleAssignment], AzureError> in
                do throws(AzureError) {
                    return .success(
                        try await authorization.listRoleAssignments(scope: scope, atScopeOnly: false, principalID: nil))
                } catch {
                    if error.code == "Cancelled" { throw error }
                    return .failure(error)
                }
            }
            outcomes = Array(zip(narrow.map(\.description), narrowResults)) + outcomes.dropFirst()
            narrowed = NarrowedRoleAssignmentRead(
                subscription: subscriptionID, scopes: narrow, reason: "\(error.code): \(error.message)")
        }
        for (scope, result) in outcomes {
            switch result {
            case .success(let items): listed += items
            case .failure(let error):
                guard case .success(let id) = AzureResourceID.parse(scope) else { throw error }
                unread.append(UnreadScope(kind: .roleAssignments, scope: id, reason: "\(error.code): \(error.message)"))
            }
        }
        var seen: Set<String> = []
        var assignments: [LiveRoleAssignment] = []
        for assignment in listed where seen.insert(assignment.name.lowercased()).inserted {
            // ARM always sends these as an ID and two GUIDs; anything else is a broken answer,
            // reported here, once, rather than compared as text downstream.
            guard case .success(let scope) = AzureResourceID.parse(assignment.scope),
                let principal = GUID(assignment.principalID),
                let role = GUID(assignment.roleDefinitionGUID)
            else {
                throw AzureError(
                    service: .resourceManager, status: 200, code: "InvalidResponse",
                    message: "role assignment \(assignment.name) has an unreadable scope, principal or role",
                    target: "GET \(assignment.id)")
            }
            assignments.append(
                LiveRoleAssignment(
                    name: assignment.name, key: RoleAssignmentKey(scope: scope, principal: principal, role: role),
                    principalType: assignment.principalType,
                    description: assignment.description))
        }
        return (assignments, unread, narrowed)
    }

    /// The scopes none of the others covers, in order: one list at a resource group also returns
    /// what lies below it.
    static func outermost(_ scopes: [AzureResourceID]) -> [AzureResourceID] {
        let unique = Array(Set(scopes)).sorted { $0.canonicalKey < $1.canonicalKey }
        return unique.filter { scope in !unique.contains { $0 != scope && $0.covers(scope) } }
    }

    private func webservices(_ desired: DesiredState) async throws(AzureError) -> (
        [LiveWorkspace], [LiveWebservice], undeclaredUnread: String?, unread: [UnreadScope]
    ) {
        // Every declared workspace, not only those with services in the manifests: the last service
        // of a workspace must still be found (to prune or report it), and `location` is checked.
        // Workspaces are read together, merged in declaration order.
        let modelManagement = provider.modelManagement
        // The subscription's workspace list (for services in workspaces no manifest declares) does
        // not depend on the declared workspaces' reads, so it is in flight beside them: a first
        // plan waits one round trip less (token → workspace → discovery → services is the chain).
        let subscriptionID = desired.subscriptionID.value
        async let listed = Concurrently.capture { () async throws(AzureError) in
            try await modelManagement.workspaces(subscriptionID: subscriptionID)
        }
        // A workspace whose reads fail (after every retry) fails only its own services: it is
        // recorded, and the planner leaves them out with a note. One that does not exist is an error.
        let attempts = try await Concurrently.map(desired.workspaces) {
            workspace throws(AzureError) -> (LiveWorkspace?, [LiveWebservice], UnreadScope?) in
            func unread(_ error: AzureError) throws(AzureError) -> UnreadScope {
                if error.code == "Cancelled" { throw error }
                return UnreadScope(kind: .webservices, scope: workspace.id, reason: "\(error.code): \(error.message)")
            }
            let found: MachineLearningClient.Workspace?
            do throws(AzureError) { found = try await modelManagement.workspace(id: workspace.id) } catch {
                return (nil, [], try unread(error))
            }
            guard let found else {
                throw AzureError(
                    service: .resourceManager, status: 404, code: "WorkspaceNotFound",
                    message:
                        "\(workspace.address) (\(workspace.id)) does not exist; amlauth reads workspaces, it does not create them",
                    target: "GET \(workspace.id)")
            }
            let live = LiveWorkspace(id: found.id, location: found.location)
            do throws(AzureError) {
                let base = try await modelManagement.modelManagementBase(for: found)
                let services = try await modelManagement.services(base: base)
                // A declared service whose entry script another tool uploaded (azureml-core's
                // `Model.deploy`) is compared by reading that script: two requests per such
                // service, none for amlauth's own uploads. Unreadable, it stays unknown: the plan
                // shows the script as changing and says why it could not compare.
                let declared = Set(
                    desired.webservices.filter { $0.workspaceID.canonicalKey == found.id.canonicalKey }.map(
                        \.address.name))
                let withDigests = await Concurrently.map(services) { service -> LiveWebservice in
                    var live = Self.live(service, in: found.id)
                    if live.entryScriptDigest == nil, let artifact = service.entryScriptArtifact,
                        declared.contains(service.name)
                    {
                        do throws(AzureError) {
                            live.entryScriptDigest = try await modelManagement.entryScriptDigest(
                                base: base, artifact: artifact)
                        } catch {
                            live.entryScriptUnread = error.code
                        }
                    }
                    return live
                }
                return (live, withDigests, nil)
            } catch {
                return (live, [], try unread(error))
            }
        }
        let read = attempts.compactMap { attempt in attempt.0.map { ($0, attempt.1) } }
        let unreadWorkspaces = attempts.compactMap(\.2)
        // The Target's services in workspaces no manifest declares any more (the last service of a
        // workspace whose Workspace manifest went too): found through the subscription's workspace
        // list, so that they are pruned or reported, never silently left serving.
        let declared = Set(desired.workspaces.map(\.id.canonicalKey))
        let others: [MachineLearningClient.Workspace]
        do throws(AzureError) {
            others = try await listed.get().filter { !declared.contains($0.id.canonicalKey) }
        } catch  where error.status == 403 {
            return (
                read.map(\.0), read.flatMap(\.1),
                "the subscription's workspaces could not be listed (\(error.code)), so services this Target owns in workspaces no manifest declares were not looked for",
                unreadWorkspaces
            )
        }
        let target = desired.target
        let elsewhere: [[LiveWebservice]]
        do {
            elsewhere = try await Concurrently.map(others) { workspace throws(AzureError) -> [LiveWebservice] in
                let base = try await modelManagement.modelManagementBase(for: workspace)
                return try await modelManagement.services(base: base).filter {
                    $0.kvTags[Markers.serviceTarget] == target
                }
                .map { Self.live($0, in: workspace.id) }
            }
        } catch  where error.code != "Cancelled" {
            // As for a declared workspace: a read that fails fails only what needs it, here the
            // search for services outside the manifests, which the plan then says was not done.
            return (
                read.map(\.0), read.flatMap(\.1),
                "the services of workspaces no manifest declares could not be read (\(error.code)), so services this Target owns there were not looked for",
                unreadWorkspaces
            )
        }
        return (read.map(\.0), read.flatMap(\.1) + elsewhere.flatMap { $0 }, nil, unreadWorkspaces)
    }

    private static func live(_ service: MachineLearningClient.Service, in workspace: AzureResourceID) -> LiveWebservice
    {
        var live = LiveWebservice(
            workspaceID: workspace, name: service.name, computeType: service.computeType,
            computeName: service.computeName,
            authEnabled: service.authEnabled, aadAuthEnabled: service.aadAuthEnabled,
            cpuCores: service.cpuCores, memoryGB: service.memoryGB,
            kvTags: service.kvTags)
        live.models = service.models
        live.entryScript = service.entryScript
        live.entryScriptDigest = service.entryScriptDigest
        live.environment = service.environment
        live.state = service.state
        return live
    }

    /// The AKS computes the services name (for the region check) and those that do not exist, one
    /// GET per distinct compute, the GETs in flight together.
    private func computes(_ desired: DesiredState) async throws(AzureError) -> (
        [LiveCompute], missing: [AzureResourceID]
    ) {
        var seen: Set<AzureResourceID> = []
        var ids: [AzureResourceID] = []
        for service in desired.webservices where service.computeType == .aks {
            guard let name = service.computeTarget else { continue }
            let id = service.workspaceID.child("computes", name)
            if seen.insert(id).inserted { ids.append(id) }
        }
        for endpoint in desired.onlineEndpoints {
            if let id = endpoint.computeID, seen.insert(id).inserted { ids.append(id) }
        }
        let modelManagement = provider.modelManagement
        let locations = try await Concurrently.map(ids) { id throws(AzureError) in
            try await modelManagement.computeLocation(id: id)
        }
        var computes: [LiveCompute] = []
        var missing: [AzureResourceID] = []
        for (id, location) in zip(ids, locations) {
            if let location {
                computes.append(LiveCompute(id: id, location: location))
            } else {
                missing.append(id)
            }
        }
        return (computes, missing)
    }

    /// The object ids of the role assignments the plan may create (their key is not in the cloud),
    /// as the directory describes them, and those it does not know: one `getByIds` request per
    /// 1,000 ids. A plan in sync makes no lookup (every key exists; keeping an assignment never
    /// waits for its principal). An unknown id is a typo the plan reports, instead of apply waiting
    /// out `PrincipalNotFound`; a known one is shown with its type and display name.
    private func namedPrincipals(_ desired: DesiredState, existing: Set<RoleAssignmentKey>) async throws(AzureError)
        -> (missing: [GUID], found: [String: LiveDirectoryObject])
    {
        var named: [GUID] = []
        var seen: Set<GUID> = []
        for assignment in desired.roleAssignments {
            guard case .existing(let id, _) = assignment.principal,
                !existing.contains(
                    RoleAssignmentKey(scope: assignment.scope, principal: id, role: assignment.role.guid))
            else { continue }
            if seen.insert(id).inserted { named.append(id) }
        }
        guard !named.isEmpty else { return ([], [:]) }
        let known = try await provider.directory.existingDirectoryObjects(ids: named.map(\.value))
        return (named.filter { known[$0.value] == nil }, known)
    }
}
