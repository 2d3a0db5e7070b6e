/// Plan-time checks of online endpoints: who may fetch their keys or tokens (AMLA007, AMLA008),
/// names taken in the region (AMLA413) and Kubernetes computes that are not attached (AMLA409).
extension PlanPolicy {
    /// Whether role `role` grants `action`: a built-in role from the one table of built-in roles'
    /// actions the local cloud and preflight also read (`BuiltInRolePermissions`), a custom role
    /// from `custom` (the RoleDefinitions the plan writes, and the custom roles the cloud holds);
    /// nil for a role whose actions amlauth does not know, which is never assumed empty. The docs
    /// list `onlineEndpoints/score/action` among a role's actions, though Entra scoring is data
    /// plane, so both lists are asked.
    public static func grants(_ role: GUID, _ action: String, custom: [GUID: Permission] = [:]) -> Bool? {
        guard let permission = custom[role] ?? BuiltInRolePermissions.role(guid: role.value)?.permission else {
            return nil
        }
        return permission.grants(action: action) || permission.grants(dataAction: action)
    }

    /// The custom roles a token client may hold, by GUID, with their names: the live ones, and the
    /// RoleDefinitions of the plan over them (apply writes those).
    static func customRoles(_ desired: DesiredState, _ live: LiveState) -> [GUID: (
        name: String, permission: Permission
    )] {
        var roles: [GUID: (name: String, permission: Permission)] = [:]
        for role in live.roleDefinitions { roles[role.id] = (role.roleName, role.permission) }
        for definition in desired.roleDefinitions {
            let guid =
                live.roleDefinitions.first {
                    Markers.assignmentOwner($0.description).map {
                        $0.target == desired.target && $0.name == definition.address.name
                    } == true
                }?.id ?? definition.id
            roles[guid] = (definition.roleName, definition.permission)
            // Assignments name the definition by its deterministic GUID until the plan decides.
            roles[definition.id] = (definition.roleName, definition.permission)
        }
        return roles
    }

    /// The RoleDefinition and RoleAssignment that give `client` just `action` on `endpoint`, as
    /// YAML to paste.
    static func tokenReaderSnippet(_ endpoint: OnlineEndpointManifest, client: String, action: String) -> String {
        let role = "\(endpoint.name)-token-reader"
        let read = "Microsoft.MachineLearningServices/workspaces/onlineEndpoints/read"
        // `score/action` too goes under actions: Azure ML checks it there (docs/fidelity.md).
        return """
            a custom role with just that action, assigned at the endpoint's workspace:
              kind: RoleDefinition
              metadata: {name: \(role)}
              spec:
                actions: [\(action), \(read)]
                assignable_scopes: [{workspace: \(endpoint.workspace)}]
              ---
              kind: RoleAssignment
              metadata: {name: \(client)-\(role)}
              spec:
                principal: {service_principal: \(client)}
                role: \(role)
                scope: {workspace: \(endpoint.workspace)}
            """
    }

    /// Roles that grant an endpoint client's action among much else: the policy suggests a custom
    /// role with just the action instead (Owner, Contributor, AzureML Data Scientist, Azure AI
    /// Developer).
    static let broadRoles: Set<String> = [
        "8e3af657-a8ff-443c-a75c-2fe8c4bcb635", "b24988ac-6180-42a0-ab88-20f7382dd24c",
        "f6c7c914-8db3-469d-8ca1-694a8f32e121", "64702f94-c441-49e6-a78b-ef80e0188fee",
    ]

    static func onlineEndpoints(
        _ manifests: ManifestSet, _ desired: DesiredState, _ live: LiveState, _ diagnostics: inout Diagnostics
    ) {
        let missingComputes = Set(live.missingComputes)
        for endpoint in manifests.onlineEndpoints {
            guard let resolved = desired.onlineEndpoints.first(where: { $0.address.name == endpoint.name }) else {
                continue
            }
            endpointClients(endpoint, resolved, desired, live, &diagnostics)
            endpointName(endpoint, resolved, live, &diagnostics)
            if case .kubernetes(let compute) = endpoint.compute, let id = resolved.computeID,
                missingComputes.contains(id)
            {
                diagnostics.report(
                    .computeNotFound,
                    "compute '\(compute)' is not attached to workspace '\(endpoint.workspace)'; attach the Kubernetes cluster first",
                    at: endpoint.source.location(of: "compute"))
            }
        }
    }

    /// A token client must hold the action its endpoint's auth mode needs (key: `listKeys`,
    /// aml_token: `token`, aad_token: `score`; aml-docs how-to-authenticate-online-endpoint.md), at
    /// the endpoint or above, judged against every role it holds in the cloud and every role the
    /// manifests assign it. A role amlauth cannot read the actions of (a custom role) might grant
    /// it: then nothing is reported.
    private static func endpointClients(
        _ endpoint: OnlineEndpointManifest, _ resolved: DesiredOnlineEndpoint, _ desired: DesiredState,
        _ live: LiveState, _ diagnostics: inout Diagnostics
    ) {
        let action = endpoint.authMode.clientAction
        let verb = action.split(separator: "/").suffix(2).joined(separator: "/")
        let custom = customRoles(desired, live)
        let permissions = custom.mapValues { $0.permission }
        func name(_ role: GUID) -> String? { RoleReference(parsing: role.value)?.builtInName ?? custom[role]?.name }
        for (index, client) in endpoint.tokenClients.enumerated() {
            let address = ResourceAddress(.servicePrincipal, client)
            let principal = live.applications.first(where: {
                $0.tags.contains(Markers.resourceTag(desired.target, client))
            })?.servicePrincipalID.flatMap(GUID.init)
            let liveRoles =
                principal.map { id in
                    live.roleAssignments.filter { $0.key.principal == id && $0.scope.covers(resolved.id) }.map(
                        \.key.role)
                } ?? []
            let plannedRoles = desired.roleAssignments.filter {
                $0.principal == .managed(address) && $0.scope.covers(resolved.id)
            }.map(\.role.guid)
            let roles = Set(liveRoles + plannedRoles).sorted()
            let location = endpoint.source.spec["token_clients"]?.array?[index].location ?? endpoint.source.location
            let granting = roles.filter { Self.grants($0, action, custom: permissions) == true }
            let unknown = roles.filter { Self.grants($0, action, custom: permissions) == nil }
            if granting.isEmpty {
                guard unknown.isEmpty else { continue }
                let held = roles.compactMap(name)
                diagnostics.report(
                    .endpointClientAction,
                    "token client '\(client)' may not \(verb) endpoint '\(endpoint.name)' (auth_mode \(endpoint.authMode.rawValue)): "
                        + (held.isEmpty
                            ? "it holds no role there"
                            : "none of its roles there (\(held.joined(separator: ", "))) grants '\(action)'"),
                    at: location,
                    hint: "assign it a role with '\(action)' at the endpoint or its workspace; "
                        + tokenReaderSnippet(endpoint, client: client, action: action)
                )
            } else if granting.allSatisfy({ Self.broadRoles.contains($0.value) }) {
                let names = granting.compactMap(name)
                diagnostics.report(
                    .endpointClientBroadRole,
                    "token client '\(client)' gets '\(verb)' on endpoint '\(endpoint.name)' from \(names.map { "'\($0)'" }.joined(separator: ", ")), which grants much more",
                    at: location,
                    hint: "it needs only " + tokenReaderSnippet(endpoint, client: client, action: action))
            }
        }
    }

    /// Scoring host names are `<endpoint>.<region>.inference.ml.azure.com`: a name is unique per
    /// region across workspaces, so an endpoint of another workspace in the region blocks it.
    private static func endpointName(
        _ endpoint: OnlineEndpointManifest, _ resolved: DesiredOnlineEndpoint, _ live: LiveState,
        _ diagnostics: inout Diagnostics
    ) {
        func normalized(_ region: String) -> String { region.lowercased().filter { $0 != " " } }
        guard
            let region = resolved.location
                ?? live.workspaces.first(where: { $0.id == resolved.workspaceID })?.location
        else { return }
        guard
            let taken = live.onlineEndpoints.first(where: {
                $0.name.lowercased() == endpoint.name.lowercased() && $0.workspaceID != resolved.workspaceID
                    && normalized($0.location) == normalized(region)
            })
        else { return }
        diagnostics.report(
            .endpointNameTaken,
            "online endpoint names are unique per region, and '\(endpoint.name)' is taken in \(region) by \(taken.id)",
            at: endpoint.source.nameLocation, hint: "choose another name")
    }
}
