public import AMLAuthCore
public import AzureProvider
import WireFormat

/// Reads the live objects `amlauth import` is asked for, through the typed clients, and turns them
/// into `ImportedManifests`: what the plan would adopt, written so that `plan --adopt` on the
/// result shows adoptions and nothing else. Objects amlauth already owns, or that a manifest
/// cannot describe exactly, are listed as skipped, never written half right.
public struct ImportReader: Sendable {
    public var graph: GraphClient
    public var authorization: AuthorizationClient
    public var machineLearning: MachineLearningClient

    public init(graph: GraphClient, authorization: AuthorizationClient, machineLearning: MachineLearningClient) {
        self.graph = graph
        self.authorization = authorization
        self.machineLearning = machineLearning
    }

    /// What to import.
    public struct Request: Sendable {
        /// Workspaces whose web services are imported.
        public var workspaces: [AzureResourceID] = []
        /// Applications by display name or appId.
        public var applications: [String] = []
        /// Role assignments at exactly these scopes…
        public var roleAssignmentScopes: [AzureResourceID] = []
        /// …of these principals (object ids).
        public var principals: [GUID] = []

        public init() {}
    }

    /// A request that cannot be served as asked (nothing found, another subscription…).
    public struct Failure: Error, Sendable, CustomStringConvertible {
        public var description: String

        public init(description: String) { self.description = description }
    }

    /// The Target's side of the import: its subscription and what its manifests already declare
    /// (their workspaces are referred to, not written again; their names are not reused).
    public struct Context: Sendable {
        public var target: String
        public var subscriptionID: GUID
        public var declared: ManifestSet

        public init(target: String, subscriptionID: GUID, declared: ManifestSet) {
            self.target = target
            self.subscriptionID = subscriptionID
            self.declared = declared
        }
    }

    /// Mutable state of one import: names claimed, workspaces known, principals imported.
    private struct Progress {
        var imported: ImportedManifests
        var names: ImportNames
        /// Workspace manifest names by canonical ARM ID (declared or imported).
        var workspaces: [String: String]
        /// ServicePrincipal manifest names by service-principal object id.
        var principals: [GUID: String] = [:]
    }

    public func read(_ request: Request, context: Context, origin: [String]) async throws -> ImportedManifests {
        var progress = Progress(
            imported: ImportedManifests(origin: origin),
            names: ImportNames(declared: context.declared.declarations.map(\.address)), workspaces: [:])
        for workspace in context.declared.workspaces {
            let id = DesiredState.workspaceID(
                subscription: context.subscriptionID, resourceGroup: workspace.resourceGroup, name: workspace.name)
            progress.workspaces[id.canonicalKey] = workspace.name
        }
        // Workspaces first and principals next, so an assignment can name them as manifests do.
        for workspace in request.workspaces {
            try await importWorkspace(workspace, context: context, &progress)
        }
        for query in request.applications {
            try await importApplication(query, context: context, &progress)
        }
        for scope in request.roleAssignmentScopes {
            for principal in request.principals {
                try await importRoleAssignments(at: scope, of: principal, context: context, &progress)
            }
        }
        return progress.imported
    }

    // MARK: Applications

    private func importApplication(_ query: String, context: Context, _ progress: inout Progress) async throws {
        let byAppID = GUID(query) != nil
        let found =
            byAppID
            ? try await graph.applications(appIDsAnyOf: [query])
            : try await graph.applications(namedAnyOf: [query])
        guard let application = found.first else {
            throw Failure(
                description: "no application with \(byAppID ? "application (client) id" : "display name") '\(query)'")
        }
        guard found.count == 1 else {
            progress.imported.skipped.append(
                "application '\(query)': \(found.count) applications have this display name (appIds \(found.map(\.appID).sorted().joined(separator: ", "))); a manifest names one by display name, so rename all but one first"
            )
            return
        }
        if let owner = application.tags.first(where: Markers.isMarker) {
            progress.imported.skipped.append(
                "application '\(application.displayName)' (appId \(application.appID)): already managed by amlauth (tag \(owner))"
            )
            return
        }
        if let declared = context.declared.servicePrincipals.first(where: {
            $0.displayName.lowercased() == application.displayName.lowercased()
        }) {
            progress.imported.skipped.append(
                "application '\(application.displayName)' (appId \(application.appID)): already declared as ServicePrincipal/\(declared.name)"
            )
            return
        }
        let federated = try await graph.federatedCredentials(applicationID: application.id)
        let name = progress.names.claim(.servicePrincipal, for: application.displayName)
        if let principal = try await graph.servicePrincipals(appIDsAnyOf: [application.appID]).first,
            let id = GUID(principal.id)
        {
            progress.principals[id] = name
        }
        let document = ImportedServicePrincipal(
            name: name, displayName: application.displayName, appID: application.appID,
            federatedCredentials: federated.sorted { $0.name < $1.name }.map {
                DesiredFederatedCredential(
                    name: $0.name, issuer: $0.issuer, subject: $0.subject, audiences: $0.audiences)
            },
            certificates: application.keyCredentials.map { key in
                ImportedServicePrincipal.Certificate(
                    displayName: key.displayName,
                    thumbprint: key.thumbprint.map {
                        String(Base64.displayThumbprint($0).dropFirst("thumbprint ".count))
                    })
            },
            passwords: application.passwords.map {
                ImportedServicePrincipal.Password(
                    displayName: $0.displayName, keyID: $0.keyID, endDateTime: $0.endDateTime)
            })
        progress.imported.add(.servicePrincipal(document))
    }

    // MARK: Role assignments

    private func importRoleAssignments(
        at scope: AzureResourceID, of principal: GUID, context: Context, _ progress: inout Progress
    ) async throws {
        let assignments = try await authorization.listRoleAssignments(
            scope: scope.description, atScopeOnly: true, principalID: principal.value)
        for assignment in assignments.sorted(by: { $0.name < $1.name }) {
            guard case .success(let at) = AzureResourceID.parse(assignment.scope), at == scope else { continue }
            if let owner = Markers.assignmentOwner(assignment.description) {
                progress.imported.skipped.append(
                    "role assignment \(assignment.name) at \(scope): already managed by amlauth (\(owner.target)/\(owner.name))"
                )
                continue
            }
            guard GUID(assignment.roleDefinitionGUID) != nil,
                let role = RoleReference(parsing: assignment.roleDefinitionGUID)
            else {
                progress.imported.skipped.append(
                    "role assignment \(assignment.name): unreadable role definition '\(assignment.roleDefinitionGUID)'")
                continue
            }
            let reference: PrincipalReference
            let principalLabel: String
            if let name = progress.principals[principal] {
                reference = .servicePrincipal(name)
                principalLabel = name
            } else {
                reference = .objectID(principal, assignment.principalType.flatMap(PrincipalType.init(rawValue:)))
                principalLabel = String(principal.value.prefix(8))
            }
            let scopeReference = self.scope(scope, context: context, progress)
            let scopeLabel: String =
                switch scopeReference {
                case .workspace(let name): name
                case .resourceGroup(let group): group
                case .subscription: "subscription"
                case .id(let id): id.segments.last?.name ?? id.resourceGroup ?? "scope"
                }
            let name = progress.names.claim(
                .roleAssignment, for: "\(principalLabel)-\(role.builtInName ?? role.guid.value)-\(scopeLabel)")
            progress.imported.add(
                .roleAssignment(
                    ImportedRoleAssignment(
                        name: name, principal: reference, role: role, scope: scopeReference,
                        liveName: assignment.name)))
        }
    }

    /// A scope as a manifest writes it: the subscription, a resource group of it, a workspace the
    /// manifests declare (or this import writes), else the ARM ID.
    private func scope(_ scope: AzureResourceID, context: Context, _ progress: Progress) -> ScopeReference {
        guard scope.subscription == context.subscriptionID else { return .id(scope) }
        if scope.resourceGroup == nil && scope.providerNamespace == nil && scope.segments.isEmpty {
            return .subscription
        }
        if let group = scope.resourceGroup, scope.providerNamespace == nil, scope.segments.isEmpty {
            return .resourceGroup(group)
        }
        if let name = progress.workspaces[scope.canonicalKey] { return .workspace(name) }
        return .id(scope)
    }

    // MARK: Workspaces and their web services

    private func importWorkspace(_ id: AzureResourceID, context: Context, _ progress: inout Progress) async throws {
        guard id.subscription == context.subscriptionID else {
            throw Failure(
                description:
                    "workspace \(id) is in subscription \(id.subscription?.value ?? "?"), but target '\(context.target)' is in \(context.subscriptionID.value)"
            )
        }
        guard let workspace = try await machineLearning.workspace(id: id) else {
            throw Failure(description: "no workspace \(id)")
        }
        let workspaceName: String
        if let known = progress.workspaces[id.canonicalKey] {
            workspaceName = known
        } else {
            workspaceName = progress.names.claim(.workspace, for: workspace.name)
            progress.workspaces[id.canonicalKey] = workspaceName
            progress.imported.add(
                .workspace(
                    ImportedWorkspace(
                        name: workspaceName, resourceGroup: id.resourceGroup ?? "", location: workspace.location)))
        }
        let base = try await machineLearning.modelManagementBase(for: workspace)
        let services = try await machineLearning.services(base: base)
        for service in services.sorted(by: { $0.name < $1.name }) {
            importService(service, workspace: workspaceName, context: context, &progress)
        }
        // Extension point: Azure ML v2 online endpoints. When the `OnlineEndpoint` kind exists
        // (DESIGN §9), list the workspace's endpoints here (ARM `.../onlineEndpoints`) and add an
        // `ImportedDocument.onlineEndpoint` case, which `ManifestWriter`'s exhaustive switch will ask for.
    }

    private func importService(
        _ service: MachineLearningClient.Service, workspace: String, context: Context, _ progress: inout Progress
    ) {
        func skip(_ why: String) { progress.imported.skipped.append("web service '\(service.name)': \(why)") }
        if let owner = service.kvTags[Markers.serviceTarget] {
            return skip("already managed by amlauth (target \(owner))")
        }
        if context.declared.webservices.contains(where: { $0.name == service.name }) {
            return skip("already declared as Webservice/\(service.name)")
        }
        guard ImportNames.valid(service.name) == service.name else {
            return skip("its name is not a valid manifest name, and a web service is matched by name")
        }
        guard let computeType = ComputeType(rawValue: service.computeType.uppercased()) else {
            return skip("compute type '\(service.computeType)' is not ACI or AKS")
        }
        let models = service.models.compactMap(VersionedName.init(parsing:))
        guard !models.isEmpty, models.count == service.models.count else {
            return skip("its models (\(service.models.joined(separator: ", "))) are not all name:version")
        }
        guard let entryScript = service.entryScript else {
            return skip("the service does not report its entry script")
        }
        guard !service.hasSourceDirectory else {
            return skip(
                "it runs its entry script from a source_directory, which a Webservice manifest (one entry_script file) cannot describe"
            )
        }
        guard let environment = service.environment.flatMap(VersionedName.init(parsing:)) else {
            return skip("the service does not report its environment as name:version")
        }
        let name = progress.names.claim(.webservice, for: service.name)
        guard name == service.name else { return skip("the name is already used by another manifest") }
        progress.imported.add(
            .webservice(
                ImportedWebservice(
                    name: name, workspace: workspace, computeType: computeType,
                    computeTarget: computeType == .aks ? service.computeName : nil, models: models,
                    entryScript: entryScript, environment: environment, cpuCores: service.cpuCores,
                    memoryGB: service.memoryGB, authEnabled: service.authEnabled,
                    tokenAuthEnabled: service.aadAuthEnabled)))
    }
}
