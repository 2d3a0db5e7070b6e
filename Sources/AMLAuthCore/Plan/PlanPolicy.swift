/// The policy checks that need live data, run at plan time with the same codes as `validate`:
/// AMLA001 for privileged roles a managed principal holds outside the manifests, AMLA002 with
/// every role the token client really holds (including assignments made outside amlauth), AMLA004,
/// an AKS compute in another region than its workspace, and AMLA407, a workspace that is not where
/// its manifest's `location` says.
public enum PlanPolicy {
    public static func check(_ manifests: ManifestSet, _ desired: DesiredState, _ live: LiveState) -> Diagnostics {
        var diagnostics = Diagnostics()
        workspaceLocations(manifests, desired, live, &diagnostics)
        missingObjects(manifests, desired, live, &diagnostics)
        undeclaredPrivilegedRoles(manifests, desired, live, &diagnostics)
        for service in manifests.webservices {
            guard let resolved = desired.webservices.first(where: { $0.address.name == service.name }) else { continue }
            tokenClients(service, resolved, desired, live, &diagnostics)
            region(service, resolved, live, &diagnostics)
        }
        onlineEndpoints(manifests, desired, live, &diagnostics)
        if let target = manifests.target { diagnostics.applySeverities(target.policy) }
        return diagnostics
    }

    private static func tokenClients(
        _ service: WebserviceManifest, _ resolved: DesiredWebservice, _ desired: DesiredState, _ live: LiveState,
        _ diagnostics: inout Diagnostics
    ) {
        guard service.tokenAuthEnabled else { return }
        for (index, client) in service.tokenClients.enumerated() {
            let address = ResourceAddress(.servicePrincipal, client)
            // Only principals that exist can hold roles; a new one is checked by validate alone.
            guard
                let principal = live.applications.first(where: {
                    $0.tags.contains(Markers.resourceTag(desired.target, client))
                })?.servicePrincipalID.flatMap(GUID.init)
            else { continue }
            let liveRoles = live.roleAssignments.filter {
                $0.key.principal == principal && $0.scope.covers(resolved.workspaceID)
            }.map(\.key.role)
            let plannedRoles = desired.roleAssignments.filter {
                $0.principal == .managed(address) && $0.scope.covers(resolved.workspaceID)
            }.map(\.role.guid)
            let roles = Set(liveRoles + plannedRoles).sorted()
            let location = service.source.spec["token_clients"]?.array?[index].location ?? service.source.location
            if roles.isEmpty {
                diagnostics.report(
                    .tokenClientAccess,
                    "token client '\(client)' holds no role on workspace '\(service.workspace)' in the cloud or the manifests; it needs Reader to fetch tokens",
                    at: location)
            } else if let privileged = roles.compactMap({ RoleReference(parsing: $0.value) }).first(
                where: \.isPrivileged)
            {
                diagnostics.report(
                    .tokenClientAccess,
                    "token client '\(client)' holds '\(privileged)' on workspace '\(service.workspace)' (found in the cloud); Reader is all it needs to fetch tokens",
                    at: location)
            }
        }
    }

    /// `location` on a Workspace is an assertion (DESIGN §3): the workspace must be there. Azure
    /// writes regions in several forms (`westeurope`, `West Europe`); they compare without case or
    /// spaces.
    private static func workspaceLocations(
        _ manifests: ManifestSet, _ desired: DesiredState, _ live: LiveState, _ diagnostics: inout Diagnostics
    ) {
        func normalized(_ region: String) -> String { region.lowercased().filter { $0 != " " } }
        for workspace in manifests.workspaces {
            guard let wanted = workspace.location,
                let resolved = desired.workspaces.first(where: { $0.address.name == workspace.name }),
                let found = live.workspaces.first(where: { $0.id == resolved.id }),
                normalized(found.location) != normalized(wanted)
            else { continue }
            diagnostics.report(
                .workspaceLocation,
                "workspace '\(workspace.name)' is in \(found.location), not in \(wanted) as its manifest says",
                at: workspace.source.location(of: "location"))
        }
    }

    /// Objects the manifests name that the cloud does not have: a mistyped group `object_id` (apply
    /// would wait out `PrincipalNotFound` for minutes) or AKS `compute_target` (apply would fail
    /// late). Errors, located at the field.
    private static func missingObjects(
        _ manifests: ManifestSet, _ desired: DesiredState, _ live: LiveState, _ diagnostics: inout Diagnostics
    ) {
        let missingPrincipals = Set(live.missingPrincipals)
        for assignment in manifests.roleAssignments {
            guard case .objectID(let id, _) = assignment.principal, missingPrincipals.contains(id) else { continue }
            diagnostics.report(
                .principalNotFound,
                "principal \(id) does not exist in the directory (no user, group or service principal has this object id)",
                at: assignment.source.location(of: "principal", "object_id"))
        }
        let missingComputes = Set(live.missingComputes)
        for service in manifests.webservices {
            guard service.computeType == .aks, let target = service.computeTarget,
                let resolved = desired.webservices.first(where: { $0.address.name == service.name }),
                missingComputes.contains(resolved.workspaceID.child("computes", target))
            else { continue }
            diagnostics.report(
                .computeNotFound,
                "compute '\(target)' does not exist in workspace '\(service.workspace)'; attach the AKS cluster first",
                at: service.source.location(of: "compute_target"))
        }
    }

    /// A managed principal holding a privileged role the manifests do not declare (Contributor
    /// added by hand): the same AMLA001 finding `validate` makes for a declared one.
    private static func undeclaredPrivilegedRoles(
        _ manifests: ManifestSet, _ desired: DesiredState, _ live: LiveState, _ diagnostics: inout Diagnostics
    ) {
        // Indexed once, so a plan of thousands of assignments stays linear.
        let privilegedByPrincipal = Dictionary(
            grouping: live.roleAssignments.filter { RoleReference(parsing: $0.key.role.value)?.isPrivileged == true },
            by: \.key.principal)
        guard !privilegedByPrincipal.isEmpty else { return }
        var declaredByPrincipal: [String: [DesiredRoleAssignment]] = [:]
        for assignment in desired.roleAssignments {
            if case .managed(let address) = assignment.principal {
                declaredByPrincipal[address.name, default: []].append(assignment)
            }
        }
        for principal in manifests.servicePrincipals {
            guard
                let id = live.applications.first(where: {
                    $0.tags.contains(Markers.resourceTag(desired.target, principal.name))
                })?.servicePrincipalID.flatMap(GUID.init)
            else { continue }
            let declared = Set(
                (declaredByPrincipal[principal.name] ?? []).map {
                    RoleAssignmentKey(scope: $0.scope, principal: id, role: $0.role.guid)
                })
            for assignment in privilegedByPrincipal[id] ?? [] {
                guard let role = RoleReference(parsing: assignment.key.role.value), !declared.contains(assignment.key)
                else { continue }
                diagnostics.report(
                    .privilegedRole,
                    "service principal '\(principal.name)' holds '\(role)' at \(assignment.scope) (assignment \(assignment.name)), which the manifests do not declare: it was granted outside amlauth",
                    at: principal.source.location)
            }
        }
    }

    private static func region(
        _ service: WebserviceManifest, _ resolved: DesiredWebservice, _ live: LiveState,
        _ diagnostics: inout Diagnostics
    ) {
        guard service.computeType == .aks, let target = service.computeTarget,
            let workspace = live.workspaces.first(where: { $0.id == resolved.workspaceID }),
            let compute = live.computes.first(where: { $0.id == resolved.workspaceID.child("computes", target) })
        else { return }
        guard compute.location.lowercased() != workspace.location.lowercased() else { return }
        diagnostics.report(
            .aksRegionMismatch,
            "AKS compute '\(target)' is in \(compute.location) but workspace '\(service.workspace)' is in \(workspace.location); token calls go to the workspace's region",
            at: service.source.location(of: "compute_target"))
    }
}
