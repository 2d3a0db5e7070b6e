import YAMLSource

/// The policy checks of DESIGN.md section 3 that the manifests alone can answer. Their severity
/// can be changed per code in the Target; checks that need live state run again at plan time.
/// They read drafts, and skip a check only when a field it needs is missing or invalid.
enum PolicyRules {
    static func check(_ set: ManifestDrafts) -> Diagnostics {
        var diagnostics = Diagnostics()
        privilegedRoles(set, into: &diagnostics)
        tokenClientAccess(set, into: &diagnostics)
        passwordLifetimes(set, into: &diagnostics)
        for service in set.webservices {
            if service.computeType == .aci, service.authEnabled == false {
                diagnostics.report(
                    .aciKeyAuthOff,
                    "ACI web service '\(service.name)' has key auth off: anyone who finds its URL can score it",
                    at: service.source.location(
                        of: service.source.spec["auth_enabled"] == nil ? "compute_type" : "auth_enabled"),
                    hint: "set 'auth_enabled: true'")
            }
            // It is the SDK and CLI v1 that are out of support, not a documented retirement of the
            // service (aml-docs includes/sdk-v1-deprecation.md, machine-learning-cli-v1-deprecation.md;
            // audit D19). Token auth on AKS maps to a Kubernetes endpoint: `aad_token` is managed-only.
            let target =
                service.tokenAuthEnabled == true
                ? "a Kubernetes online endpoint with 'auth_mode: aml_token'"
                : "a managed online endpoint with 'auth_mode: key'"
            diagnostics.report(
                .v1EndOfSupport,
                "Azure ML SDK and CLI v1 are out of support (SDK since 2026-06-30, CLI since 2025-09-30) and new v1 web service deployments are deprecated; the v2 equivalent is \(target)",
                at: service.source.location)
        }
        return diagnostics
    }

    /// AMLA001: grant minimum access; Owner, Contributor and User Access Administrator are not it.
    private static func privilegedRoles(_ set: ManifestDrafts, into diagnostics: inout Diagnostics) {
        for assignment in set.roleAssignments {
            guard let role = assignment.role, role.isPrivileged, let principal = assignment.principal else { continue }
            switch principal {
            case .servicePrincipal, .objectID(_, .servicePrincipal?):
                diagnostics.report(
                    .privilegedRole, "service principal granted '\(role)'; grant the minimum it needs",
                    at: assignment.source.location(of: "role"),
                    hint: "for Azure ML work, 'AzureML Data Scientist' or 'Reader' usually suffice")
            case .objectID:
                break
            }
        }
    }

    /// AMLA002: a token client needs Reader on the workspace, and no more. Checked only where every
    /// fact is known: a complete workspace, and no assignment of the client missing its role or scope.
    private static func tokenClientAccess(_ set: ManifestDrafts, into diagnostics: inout Diagnostics) {
        let workspaces = Dictionary(
            set.workspaces.compactMap { $0.manifest.map { ($0.name, $0) } }, uniquingKeysWith: { first, _ in first })
        var assignmentsByPrincipal: [String: [RoleAssignmentManifest]] = [:]
        var unknownAccess: Set<String> = []
        for assignment in set.roleAssignments {
            guard case .servicePrincipal(let name)? = assignment.principal else { continue }
            if let complete = assignment.manifest {
                assignmentsByPrincipal[name, default: []].append(complete)
            } else {
                unknownAccess.insert(name)
            }
        }
        for service in set.webservices where service.tokenAuthEnabled == true {
            guard let name = service.workspace, let workspace = workspaces[name] else { continue }
            for (index, client) in service.tokenClients.enumerated() where !unknownAccess.contains(client) {
                let location = service.source.spec["token_clients"]?.array?[index].location ?? service.source.location
                let roles = (assignmentsByPrincipal[client] ?? []).filter {
                    covers($0.scope, workspace, subscription: set.target?.subscriptionID)
                }.map(\.role)
                if roles.isEmpty {
                    diagnostics.report(
                        .tokenClientAccess,
                        "token client '\(client)' has no role on workspace '\(workspace.name)' in these manifests; it needs Reader to fetch tokens",
                        at: location,
                        hint: "add a RoleAssignment of Reader for '\(client)' with scope {workspace: \(workspace.name)}"
                    )
                } else if let excess = roles.first(where: \.isPrivileged) {
                    diagnostics.report(
                        .tokenClientAccess,
                        "token client '\(client)' holds '\(excess)' on workspace '\(workspace.name)'; Reader is all it needs to fetch tokens",
                        at: location)
                }
            }
        }
    }

    /// Whether an assignment at `scope` applies to `workspace` (at it, its group or subscription).
    static func covers(_ scope: ScopeReference, _ workspace: WorkspaceManifest, subscription: GUID?) -> Bool {
        switch scope {
        case .workspace(let name): return name == workspace.name
        case .resourceGroup(let group): return group.lowercased() == workspace.resourceGroup.lowercased()
        case .subscription: return true
        case .id(let id):
            guard let subscription else { return false }
            let workspaceID = AzureResourceID(
                subscription: subscription, resourceGroup: workspace.resourceGroup,
                providerNamespace: "Microsoft.MachineLearningServices",
                segments: [.init(type: "workspaces", name: workspace.name)])
            let ancestor = id.canonicalKey
            let key = workspaceID.canonicalKey
            return key == ancestor || key.hasPrefix(ancestor + "/")
        }
    }

    /// AMLA005: passwords that live longer than the Target's maximum.
    private static func passwordLifetimes(_ set: ManifestDrafts, into diagnostics: inout Diagnostics) {
        // An invalid maximum (reported) is unknown, not the default: comparing with 180d would guess.
        if set.target?.source.spec.rejected("max_password_lifetime") == true { return }
        let maximum = set.target?.maxPasswordLifetime ?? .days(180)
        for principal in set.servicePrincipals {
            for credential in principal.credentials {
                guard case .password(let lifetime, _, _) = credential.kind, lifetime > maximum else { continue }
                diagnostics.report(
                    .passwordLifetime,
                    "password '\(credential.name)' lives \(lifetime), longer than the policy maximum of \(maximum)",
                    at: credential.value["lifetime"]?.location ?? credential.value.location,
                    hint: "shorten 'lifetime', or raise 'max_password_lifetime' in the Target")
            }
        }
    }
}
