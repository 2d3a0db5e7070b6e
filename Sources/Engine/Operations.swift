import AMLAuthCore
public import AzureProvider
import Foundation

/// Carries out one planned change against Azure. Every operation is idempotent: re-running it
/// after an interruption converges (deterministic names, 409-as-adoption, marker checks).
public struct Operations: Sendable {
    public var graph: GraphClient
    public var authorization: AuthorizationClient
    public var machineLearning: MachineLearningClient
    public var delivery: SecretDelivery
    public var tenantID: String
    public var runtime: Runtime
    /// How long a just-created principal may stay invisible to ARM before the assignment fails.
    public var replicationWait = 120.0

    public init(graph: GraphClient, authorization: AuthorizationClient, machineLearning: MachineLearningClient, delivery: SecretDelivery, tenantID: String, runtime: Runtime = .system) {
        self.graph = graph
        self.authorization = authorization
        self.machineLearning = machineLearning
        self.delivery = delivery
        self.tenantID = tenantID
        self.runtime = runtime
    }

    public struct Failure: Error, CustomStringConvertible, Sendable {
        public var description: String
    }

    func apply(_ change: Change, context: ApplyContext) async throws {
        switch change.address.kind {
        case .servicePrincipal: try await servicePrincipal(change, context)
        case .roleAssignment: try await roleAssignment(change, context)
        case .webservice: try await webservice(change, context)
        case .target, .workspace: break
        }
    }

    // MARK: Service principals

    private func servicePrincipal(_ change: Change, _ context: ApplyContext) async throws {
        let tag = Markers.resourceTag(context.desired.target, change.address.name)
        if change.action == .delete {
            for application in context.live.applications where application.tags.contains(tag) {
                try await graph.deleteApplication(id: application.objectID)
            }
            return
        }
        guard let desired = context.desired.servicePrincipals.first(where: { $0.address == change.address }) else {
            throw Failure(description: "\(change.address) is not in the manifests")
        }
        var application: LiveApplication
        if let owned = context.live.applications.first(where: { $0.tags.contains(tag) }) {
            application = owned
        } else if change.action == .adopt,
            let unowned = context.live.applications.first(where: { $0.displayName == desired.displayName && !$0.tags.contains { $0.hasPrefix("amlauth:") } })
        {
            application = unowned
            try await graph.updateApplication(id: unowned.objectID, .object([("tags", .array(Array(Set(unowned.tags + desired.tags)).sorted().map(JSONValue.string)))]))
        } else {
            let created = try await graph.createApplication(displayName: desired.displayName, tags: desired.tags)
            guard let objectID = created["id"]?.stringValue, let appID = created["appId"]?.stringValue else {
                throw Failure(description: "Graph returned an application without id or appId")
            }
            application = LiveApplication(objectID: objectID, appID: appID, displayName: desired.displayName, tags: desired.tags, passwords: [], federatedCredentials: [], servicePrincipalID: nil)
        }
        if application.displayName != desired.displayName {
            try await graph.updateApplication(id: application.objectID, .object([("displayName", .string(desired.displayName))]))
        }
        let principalID = try await ensureServicePrincipal(application, tags: desired.tags)
        context.remember(principal: change.address, appID: application.appID, objectID: principalID)
        try await reconcileFederatedCredentials(application, desired)
        try await reconcileCertificates(application, desired)
        try await reconcilePasswords(application, desired, context: context)
    }

    /// The application's service principal, created if missing (retrying while Graph replicates
    /// the new application, which real Entra reports as NoBackingApplicationObject).
    private func ensureServicePrincipal(_ application: LiveApplication, tags: [String]) async throws -> String {
        if let id = application.servicePrincipalID { return id }
        if let existing = try await graph.servicePrincipal(appID: application.appID), let id = existing["id"]?.stringValue { return id }
        var delay = 1.0
        while true {
            do {
                guard let id = try await graph.createServicePrincipal(appID: application.appID, tags: tags)["id"]?.stringValue else {
                    throw Failure(description: "Graph returned a service principal without id")
                }
                return id
            } catch let error as AzureError where error.status == 400 && error.message.contains("does not reference a valid application object") && delay < 32 {
                try await runtime.sleep(delay)
                delay *= 2
            }
        }
    }

    private func reconcileFederatedCredentials(_ application: LiveApplication, _ desired: DesiredServicePrincipal) async throws {
        let live = try await graph.federatedCredentials(applicationID: application.objectID)
        for current in live {
            guard let id = current["id"]?.stringValue, let name = current["name"]?.stringValue else { continue }
            let wanted = desired.federatedCredentials.first { $0.name == name }
            let same = wanted.map { current["issuer"]?.stringValue == $0.issuer && current["subject"]?.stringValue == $0.subject && current["audiences"]?.arrayValue?.compactMap(\.stringValue) == $0.audiences } ?? false
            if !same { try await graph.deleteFederatedCredential(applicationID: application.objectID, id: id) }
        }
        for wanted in desired.federatedCredentials {
            let present = live.contains { current in
                current["name"]?.stringValue == wanted.name && current["issuer"]?.stringValue == wanted.issuer && current["subject"]?.stringValue == wanted.subject
                    && current["audiences"]?.arrayValue?.compactMap(\.stringValue) == wanted.audiences
            }
            if present { continue }
            _ = try await graph.createFederatedCredential(applicationID: application.objectID, .object([
                ("name", .string(wanted.name)), ("issuer", .string(wanted.issuer)), ("subject", .string(wanted.subject)),
                ("audiences", .array(wanted.audiences.map(JSONValue.string))),
            ]))
        }
    }

    /// Certificates named `amlauth:<credential>`. Graph's PATCH replaces the whole keyCredentials
    /// collection and never returns a key to re-send, so a change that would drop a certificate
    /// amlauth does not own (one added by hand to an adopted application) fails instead.
    private func reconcileCertificates(_ application: LiveApplication, _ desired: DesiredServicePrincipal) async throws {
        let owned = application.keyCredentials.filter { $0.displayName?.hasPrefix("amlauth:") == true }
        let wanted = Set(desired.certificates.map { "\(Markers.certificateName($0.name))|\($0.thumbprint)" })
        let current = Set(owned.map { "\($0.displayName ?? "")|\($0.thumbprint ?? "")" })
        guard wanted != current else { return }
        let unowned = application.keyCredentials.filter { $0.displayName?.hasPrefix("amlauth:") != true }
        guard unowned.isEmpty else {
            throw Failure(description: "application '\(application.displayName)' has certificates amlauth does not own (\(unowned.map { $0.displayName ?? $0.keyID }.joined(separator: ", "))); Graph can only replace all certificates at once, so remove them or declare them as certificate credentials first")
        }
        try await graph.updateApplication(id: application.objectID, .object([("keyCredentials", .array(desired.certificates.map { certificate in
            .object([
                ("type", .string("AsymmetricX509Cert")), ("usage", .string("Verify")), ("displayName", .string(Markers.certificateName(certificate.name))),
                ("key", .string(Base64.encode(certificate.der))),
            ])
        }))]))
    }

    /// Add new → deliver → remove old: there is never a moment without a valid secret. A password
    /// whose delivery fails is removed again before the error is reported.
    private func reconcilePasswords(_ application: LiveApplication, _ desired: DesiredServicePrincipal, context: ApplyContext) async throws {
        let now = runtime.now()
        for password in desired.passwords {
            let existing = application.passwords.filter { Markers.passwordOwner($0.displayName)?.credential == password.name }.sorted { $0.endDateTime < $1.endDateTime }
            let newest = existing.last
            let delivered = password.sink.path == nil || newest.map { delivery.deliveredKeyID(password.sink) == $0.keyID } == true
            let due = newest.map { $0.endDateTime - now <= Double(password.renewBefore.seconds) } ?? true
            var obsolete = Array(existing.dropLast())
            if newest == nil || due || !delivered {
                let serial = (existing.compactMap { Markers.passwordOwner($0.displayName)?.serial }.max() ?? 0) + 1
                let end = Date(timeIntervalSince1970: now + Double(password.lifetime.seconds)).ISO8601Format()
                let created = try await graph.addPassword(applicationID: application.objectID, displayName: Markers.passwordName(password.name, serial: serial), endDateTime: end)
                guard let secret = created["secretText"]?.stringValue, let keyID = created["keyId"]?.stringValue else {
                    throw Failure(description: "addPassword returned no secretText")
                }
                do {
                    try delivery.deliver(
                        SecretDelivery.Secret(clientID: application.appID, clientSecret: secret, tenantID: tenantID, subscriptionID: context.desired.subscriptionID.value, keyID: keyID),
                        to: password.sink)
                } catch {
                    try? await graph.removePassword(applicationID: application.objectID, keyID: keyID)
                    throw Failure(description: "password '\(password.name)' was created and removed again: \(error)")
                }
                obsolete = existing
            }
            for old in obsolete { try await graph.removePassword(applicationID: application.objectID, keyID: old.keyID) }
        }
        let wanted = Set(desired.passwords.map(\.name))
        for password in application.passwords {
            guard let owner = Markers.passwordOwner(password.displayName), !wanted.contains(owner.credential) else { continue }
            try await graph.removePassword(applicationID: application.objectID, keyID: password.keyID)
        }
    }

    // MARK: Role assignments

    private func owned(_ address: ResourceAddress, _ context: ApplyContext) -> [LiveRoleAssignment] {
        context.live.roleAssignments.filter {
            Markers.assignmentOwner($0.description).map { $0.target == context.desired.target && $0.name == address.name } ?? false
        }
    }

    private func roleAssignment(_ change: Change, _ context: ApplyContext) async throws {
        if change.action == .delete {
            for assignment in owned(change.address, context) {
                try await authorization.deleteRoleAssignment(scope: assignment.scope, name: assignment.name)
            }
            return
        }
        guard let desired = context.desired.roleAssignments.first(where: { $0.address == change.address }) else {
            throw Failure(description: "\(change.address) is not in the manifests")
        }
        let principalID: String
        let principalType: String?
        switch desired.principal {
        case .managed(let address):
            guard let id = context.principalObjectID(address) else { throw Failure(description: "\(address) has no service principal") }
            principalID = id
            principalType = "ServicePrincipal"
        case .existing(let id, let type):
            principalID = id.value
            principalType = type?.rawValue
        }
        guard let principalGUID = GUID(principalID) else { throw Failure(description: "'\(principalID)' is not an object id") }
        let scope = desired.scope.description
        let existingSame = context.live.roleAssignments.first {
            $0.principalID == principalGUID.value && $0.roleGUID == desired.role.guid.value && Planner.sameScope($0.scope, desired.scope)
        }
        // Adoption re-PUTs the existing assignment under its own name with amlauth's description.
        let name = change.action == .adopt ? (existingSame?.name ?? "") : DeterministicName.roleAssignment(scope: desired.scope, principalID: principalGUID, role: desired.role.guid).value
        try await putAssignment(scope: scope, name: name, desired: desired, principalID: principalGUID.value, principalType: principalType)
        if change.action == .replace {
            // Create before delete: no window without access.
            for old in owned(change.address, context) where old.name != name {
                try await authorization.deleteRoleAssignment(scope: old.scope, name: old.name)
            }
        }
    }

    /// PUT with the deterministic name. `RoleAssignmentExists` (the same triple under another
    /// name) means the access is already there: success. `PrincipalNotFound` for a principal that
    /// Graph knows is replication delay: waited out with bounded backoff. One Graph does not know
    /// fails at once.
    private func putAssignment(scope: String, name: String, desired: DesiredRoleAssignment, principalID: String, principalType: String?) async throws {
        var waited = 0.0
        var delay = 2.0
        while true {
            let failure: AzureError
            do {
                _ = try await authorization.createRoleAssignment(
                    scope: scope, name: name, roleDefinitionGUID: desired.role.guid.value, principalID: principalID, principalType: principalType,
                    description: desired.description)
                return
            } catch {
                failure = error
            }
            switch failure.code {
            case "RoleAssignmentExists":
                return
            case "PrincipalNotFound":
                let known = try await graph.servicePrincipal(id: principalID) != nil
                guard known || (principalType != nil && principalType != "ServicePrincipal") else {
                    throw Failure(description: "principal \(principalID) does not exist in the directory: \(failure.message)")
                }
                guard waited + delay <= replicationWait else { throw failure }
                try await runtime.sleep(delay)
                waited += delay
                delay = min(delay * 2, 30)
            default:
                throw failure
            }
        }
    }

    // MARK: Web services

    private func webservice(_ change: Change, _ context: ApplyContext) async throws {
        let target = context.desired.target
        let isOwned: (LiveWebservice) -> Bool = { $0.kvTags[Markers.serviceTarget] == target && $0.kvTags[Markers.serviceName] == change.address.name }
        if change.action == .delete {
            for service in context.live.webservices where isOwned(service) {
                try await machineLearning.deleteService(base: try await base(service.workspaceID, context), name: service.name)
            }
            return
        }
        guard let desired = context.desired.webservices.first(where: { $0.address == change.address }) else {
            throw Failure(description: "\(change.address) is not in the manifests")
        }
        let base = try await base(desired.workspaceID.description, context)
        let inWorkspace = context.live.webservices.filter { Planner.sameScope($0.workspaceID, desired.workspaceID) }
        let current = inWorkspace.first(where: isOwned) ?? (change.action == .adopt ? inWorkspace.first { $0.name == change.address.name } : nil)
        var tags = current?.kvTags ?? [:]
        tags[Markers.serviceTarget] = target
        tags[Markers.serviceName] = change.address.name
        switch change.action {
        case .create, .replace:
            if let current, change.action == .replace { try await machineLearning.deleteService(base: base, name: current.name) }
            tags[Markers.keyGenerationPrimary] = String(desired.keyGenerations.primary)
            tags[Markers.keyGenerationSecondary] = String(desired.keyGenerations.secondary)
            _ = try await machineLearning.createService(base: base, payload(desired, tags: tags))
        case .update, .rotate, .adopt:
            guard let current else { throw Failure(description: "\(change.address) was not found in its workspace") }
            for (key, tag, wanted) in [(true, Markers.keyGenerationPrimary, desired.keyGenerations.primary), (false, Markers.keyGenerationSecondary, desired.keyGenerations.secondary)] {
                let have = Int(current.kvTags[tag] ?? "0") ?? 0
                if wanted > have { _ = try await machineLearning.regenerateKey(base: base, name: current.name, primary: key) }
                tags[tag] = String(max(wanted, have))
            }
            var patch: [JSONValue] = [Self.replace("/kvTags", .object(tags.keys.sorted().map { ($0, .string(tags[$0]!)) }))]
            if current.authEnabled != desired.authEnabled { patch.append(Self.replace("/authEnabled", .bool(desired.authEnabled))) }
            if current.aadAuthEnabled != desired.tokenAuthEnabled { patch.append(Self.replace("/aadAuthEnabled", .bool(desired.tokenAuthEnabled))) }
            if abs(current.cpuCores - desired.cpuCores) > 1e-9 { patch.append(Self.replace("/containerResourceRequirements/cpu", .number(desired.cpuCores))) }
            if abs(current.memoryGB - desired.memoryGB) > 1e-9 { patch.append(Self.replace("/containerResourceRequirements/memoryInGB", .number(desired.memoryGB))) }
            _ = try await machineLearning.updateService(base: base, name: current.name, patch: patch)
        case .delete, .noOp:
            break
        }
    }

    static func replace(_ path: String, _ value: JSONValue) -> JSONValue {
        .object([("op", .string("replace")), ("path", .string(path)), ("value", value)])
    }

    private func payload(_ desired: DesiredWebservice, tags: [String: String]) -> JSONValue {
        var pairs: [(String, JSONValue)] = [
            ("name", .string(desired.address.name)), ("computeType", .string(desired.computeType.rawValue)),
            ("authEnabled", .bool(desired.authEnabled)),
            ("containerResourceRequirements", .object([("cpu", .number(desired.cpuCores)), ("memoryInGB", .number(desired.memoryGB))])),
            ("kvTags", .object(tags.keys.sorted().map { ($0, JSONValue.string(tags[$0]!)) })),
            ("environmentImageRequest", .object([
                ("driverProgram", .string(desired.entryScript)),
                ("modelIds", .array(desired.models.map { .string($0.description) })),
                ("environment", .object([("name", .string(desired.environment.name)), ("version", .string(String(desired.environment.version)))])),
            ])),
        ]
        if desired.computeType == .aks {
            pairs.append(("computeName", .string(desired.computeTarget ?? "")))
            pairs.append(("aadAuthEnabled", .bool(desired.tokenAuthEnabled)))
        }
        if let description = desired.description { pairs.append(("description", .string(description))) }
        return .object(pairs)
    }

    private func base(_ workspaceID: String, _ context: ApplyContext) async throws -> String {
        guard case .success(let id) = AzureResourceID.parse(workspaceID), let group = id.resourceGroup, let name = id.segments.last?.name,
            let workspace = try await machineLearning.workspace(subscriptionID: context.desired.subscriptionID.value, resourceGroup: group, name: name)
        else { throw Failure(description: "workspace \(workspaceID) was not found") }
        return try await machineLearning.modelManagementBase(for: workspace)
    }
}
