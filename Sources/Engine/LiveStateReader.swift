public import AMLAuthCore
public import AzureProvider
import Foundation

/// Reads the live objects a plan needs with O(scopes) requests, not O(resources): one tagged query
/// for the target's applications (plus each one's federated credentials), their service principals
/// and the adoption candidates 15 per request, one paged list of role assignments for the
/// subscription (and one per desired scope outside it), one list of services per workspace.
public struct LiveStateReader: Sendable {
    public let graph: GraphClient
    public let authorization: AuthorizationClient
    public let machineLearning: MachineLearningClient

    public init(graph: GraphClient, authorization: AuthorizationClient, machineLearning: MachineLearningClient) {
        self.graph = graph
        self.authorization = authorization
        self.machineLearning = machineLearning
    }

    /// Reads the live state; with `delivery`, also which password each file sink last received.
    public func read(_ desired: DesiredState, delivery: SecretDelivery? = nil) async throws(AzureError) -> LiveState {
        var live = LiveState()
        if let delivery {
            for principal in desired.servicePrincipals {
                for password in principal.passwords {
                    if let keyID = delivery.deliveredKeyID(password.sink) { live.deliveredPasswords[Planner.deliveryKey(principal.address, password.name)] = keyID }
                }
            }
        }
        live.applications = try await applications(desired)
        live.roleAssignments = try await roleAssignments(desired)
        let (workspaces, services) = try await webservices(desired)
        live.workspaces = workspaces
        live.webservices = services
        live.computes = try await computes(desired)
        return live
    }

    private func applications(_ desired: DesiredState) async throws(AzureError) -> [LiveApplication] {
        var found = try await graph.applications(taggedWith: Markers.targetTag(desired.target))
        let ownedNames = Set(found.flatMap { $0["tags"]?.arrayValue?.compactMap(\.stringValue) ?? [] })
        // Unowned look-alikes only for principals amlauth does not own yet (adoption candidates).
        let unowned = desired.servicePrincipals.filter { !ownedNames.contains(Markers.resourceTag(desired.target, $0.address.name)) }
        found += try await graph.applications(namedAnyOf: Array(Set(unowned.map(\.displayName))).sorted())
        var seen: Set<String> = []
        found = found.filter { $0["id"]?.stringValue.map { seen.insert($0).inserted } ?? false }
        let principals = try await graph.servicePrincipals(appIDsAnyOf: found.compactMap { $0["appId"]?.stringValue })
        let principalByAppID = Dictionary(principals.compactMap { json in json["appId"]?.stringValue.map { ($0.lowercased(), json) } }, uniquingKeysWith: { first, _ in first })
        var applications: [LiveApplication] = []
        for json in found {
            guard let objectID = json["id"]?.stringValue, let appID = json["appId"]?.stringValue else { continue }
            let passwords = (json["passwordCredentials"]?.arrayValue ?? []).compactMap { item -> LivePassword? in
                guard let keyID = item["keyId"]?.stringValue else { return nil }
                let end = item["endDateTime"]?.stringValue.flatMap(Self.parseDate) ?? 0
                return LivePassword(keyID: keyID, displayName: item["displayName"]?.stringValue, hint: item["hint"]?.stringValue, endDateTime: end)
            }
            let federated = try await graph.federatedCredentials(applicationID: objectID).compactMap { item -> LiveFederatedCredential? in
                guard let id = item["id"]?.stringValue, let name = item["name"]?.stringValue else { return nil }
                return LiveFederatedCredential(
                    id: id, name: name, issuer: item["issuer"]?.stringValue ?? "", subject: item["subject"]?.stringValue ?? "",
                    audiences: item["audiences"]?.arrayValue?.compactMap(\.stringValue) ?? [])
            }
            let principal = principalByAppID[appID.lowercased()]
            var application = LiveApplication(
                objectID: objectID, appID: appID, displayName: json["displayName"]?.stringValue ?? "",
                tags: json["tags"]?.arrayValue?.compactMap(\.stringValue) ?? [], passwords: passwords, federatedCredentials: federated,
                servicePrincipalID: principal?["id"]?.stringValue)
            application.keyCredentials = (json["keyCredentials"]?.arrayValue ?? []).compactMap { item in
                item["keyId"]?.stringValue.map {
                    LiveKeyCredential(keyID: $0, displayName: item["displayName"]?.stringValue, thumbprint: item["customKeyIdentifier"]?.stringValue)
                }
            }
            applications.append(application)
        }
        return applications
    }

    private func roleAssignments(_ desired: DesiredState) async throws(AzureError) -> [LiveRoleAssignment] {
        let subscription = "/subscriptions/\(desired.subscriptionID)"
        // Without atScope(): everything at, above and below the subscription, in one paged list.
        var listed = try await authorization.listRoleAssignments(scope: subscription, atScopeOnly: false)
        let outside = Set(desired.roleAssignments.map(\.scope).filter { $0.subscription != desired.subscriptionID }.map(\.description))
        for scope in outside.sorted() { listed += try await authorization.listRoleAssignments(scope: scope, atScopeOnly: true) }
        var seen: Set<String> = []
        return listed.filter { seen.insert($0.name).inserted }.map {
            LiveRoleAssignment(name: $0.name, scope: $0.scope, roleGUID: $0.roleDefinitionGUID, principalID: $0.principalID, principalType: $0.principalType, description: $0.description)
        }
    }

    private func webservices(_ desired: DesiredState) async throws(AzureError) -> ([LiveWorkspace], [LiveWebservice]) {
        var workspaces: [LiveWorkspace] = []
        var services: [LiveWebservice] = []
        let needed = desired.workspaces.filter { workspace in desired.webservices.contains { $0.workspace == workspace.address } }
        for workspace in needed {
            guard let group = workspace.id.resourceGroup,
                let found = try await machineLearning.workspace(subscriptionID: desired.subscriptionID.value, resourceGroup: group, name: workspace.address.name)
            else {
                throw AzureError(
                    service: .resourceManager, status: 404, code: "WorkspaceNotFound",
                    message: "\(workspace.address) (\(workspace.id)) does not exist; amlauth reads workspaces, it does not create them", target: "GET \(workspace.id)")
            }
            workspaces.append(LiveWorkspace(id: found.id, location: found.location))
            let base = try await machineLearning.modelManagementBase(for: found)
            for json in try await machineLearning.services(base: base) {
                guard let name = json["name"]?.stringValue else { continue }
                let resources = json["containerResourceRequirements"]
                services.append(LiveWebservice(
                    workspaceID: found.id, name: name, computeType: json["computeType"]?.stringValue ?? "", computeName: json["computeName"]?.stringValue,
                    authEnabled: json["authEnabled"]?.boolValue ?? false, aadAuthEnabled: json["aadAuthEnabled"]?.boolValue ?? false,
                    cpuCores: resources?["cpu"]?.numberValue ?? 0, memoryGB: resources?["memoryInGB"]?.numberValue ?? 0,
                    kvTags: Dictionary((json["kvTags"]?.objectValue ?? []).compactMap { key, value in value.stringValue.map { (key, $0) } }, uniquingKeysWith: { _, last in last })))
            }
        }
        return (workspaces, services)
    }

    /// The AKS computes the services name (for the region check), one GET per distinct compute.
    private func computes(_ desired: DesiredState) async throws(AzureError) -> [LiveCompute] {
        var seen: Set<String> = []
        var computes: [LiveCompute] = []
        for service in desired.webservices where service.computeType == .aks {
            guard let name = service.computeTarget else { continue }
            let id = "\(service.workspaceID)/computes/\(name)"
            guard seen.insert(id.lowercased()).inserted, let location = try await machineLearning.computeLocation(id: id) else { continue }
            computes.append(LiveCompute(id: id, location: location))
        }
        return computes
    }

    static func parseDate(_ text: String) -> Double? {
        if let date = try? Date(text, strategy: .iso8601) { return date.timeIntervalSince1970 }
        let formatter = ISO8601DateFormatter()
        formatter.formatOptions = [.withInternetDateTime, .withFractionalSeconds]
        return formatter.date(from: text)?.timeIntervalSince1970
    }
}
