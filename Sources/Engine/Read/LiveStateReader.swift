public import AMLAuthCore
public import AzureProvider

/// Reads the live objects a plan needs with O(scopes) requests, not O(resources): one tagged query
/// for the target's applications (plus each one's federated credentials), their service principals
/// and the adoption candidates 15 per request, one paged list of role assignments for the
/// subscription (and one per desired scope outside it), one list of services per declared workspace. It
/// parses everything into typed `Live*` values here, once.
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
        live.applications = try await applications(desired)
        live.roleAssignments = try await roleAssignments(desired)
        (live.missingPrincipals, live.directoryObjects) = try await namedPrincipals(
            desired, existing: Set(live.roleAssignments.map(\.key)))
        let (workspaces, services) = try await webservices(desired)
        live.workspaces = workspaces
        live.webservices = services
        (live.computes, live.missingComputes) = try await computes(desired)
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
        found += try await directory.applications(namedAnyOf: Array(Set(unowned.map(\.displayName))).sorted())
        // And by the uniqueName amlauth creates with: an application of ours whose marker tags were
        // lost (edited by hand) is still ours, never a second create (15 names per request).
        found += try await directory.applications(uniqueNamesAnyOf: unowned.map(\.uniqueName).sorted())
        var seen: Set<String> = []
        found = found.filter { seen.insert($0.id).inserted }
        let principals = try await directory.servicePrincipals(appIDsAnyOf: found.map(\.appID))
        let principalByAppID = Dictionary(
            principals.map { ($0.appID.lowercased(), $0) }, uniquingKeysWith: { first, _ in first })
        var applications: [LiveApplication] = []
        for application in found {
            var live = LiveApplication(
                objectID: application.id, appID: application.appID, displayName: application.displayName,
                tags: application.tags,
                passwords: application.passwords,
                federatedCredentials: try await directory.federatedCredentials(applicationID: application.id),
                servicePrincipalID: principalByAppID[application.appID.lowercased()]?.id)
            live.keyCredentials = application.keyCredentials
            live.uniqueName = application.uniqueName
            applications.append(live)
        }
        return applications
    }

    private func roleAssignments(_ desired: DesiredState) async throws(AzureError) -> [LiveRoleAssignment] {
        let subscription = "/subscriptions/\(desired.subscriptionID)"
        // Without atScope(): everything at, above and below the subscription, in one paged list.
        var listed = try await provider.authorization.listRoleAssignments(
            scope: subscription, atScopeOnly: false, principalID: nil)
        let outside = Set(
            desired.roleAssignments.map(\.scope).filter { $0.subscription != desired.subscriptionID }.map(\.description)
        )
        for scope in outside.sorted() {
            listed += try await provider.authorization.listRoleAssignments(
                scope: scope, atScopeOnly: true, principalID: nil)
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
        return assignments
    }

    private func webservices(_ desired: DesiredState) async throws(AzureError) -> ([LiveWorkspace], [LiveWebservice]) {
        var workspaces: [LiveWorkspace] = []
        var services: [LiveWebservice] = []
        // Every declared workspace, not only those with services in the manifests: the last service
        // of a workspace must still be found (to prune or report it), and `location` is checked.
        for workspace in desired.workspaces {
            guard let found = try await provider.modelManagement.workspace(id: workspace.id) else {
                throw AzureError(
                    service: .resourceManager, status: 404, code: "WorkspaceNotFound",
                    message:
                        "\(workspace.address) (\(workspace.id)) does not exist; amlauth reads workspaces, it does not create them",
                    target: "GET \(workspace.id)")
            }
            workspaces.append(LiveWorkspace(id: found.id, location: found.location))
            let base = try await provider.modelManagement.modelManagementBase(for: found)
            for service in try await provider.modelManagement.services(base: base) {
                var live = LiveWebservice(
                    workspaceID: found.id, name: service.name, computeType: service.computeType,
                    computeName: service.computeName,
                    authEnabled: service.authEnabled, aadAuthEnabled: service.aadAuthEnabled,
                    cpuCores: service.cpuCores, memoryGB: service.memoryGB,
                    kvTags: service.kvTags)
                live.models = service.models
                live.entryScript = service.entryScript
                live.environment = service.environment
                live.state = service.state
                services.append(live)
            }
        }
        return (workspaces, services)
    }

    /// The AKS computes the services name (for the region check) and those that do not exist, one
    /// GET per distinct compute.
    private func computes(_ desired: DesiredState) async throws(AzureError) -> (
        [LiveCompute], missing: [AzureResourceID]
    ) {
        var seen: Set<AzureResourceID> = []
        var computes: [LiveCompute] = []
        var missing: [AzureResourceID] = []
        for service in desired.webservices where service.computeType == .aks {
            guard let name = service.computeTarget else { continue }
            let id = service.workspaceID.child("computes", name)
            guard seen.insert(id).inserted else { continue }
            if let location = try await provider.modelManagement.computeLocation(id: id) {
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
