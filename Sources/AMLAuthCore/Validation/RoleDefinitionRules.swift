import YAMLSource

/// Rules of custom roles: a role name no other role has, and assignments only where the role may
/// be assigned (ARM does not find a custom role outside its `assignableScopes`, so the assignment
/// PUT fails at apply; the local cloud does the same).
enum RoleDefinitionRules {
    static func check(_ set: ManifestDrafts) -> Diagnostics {
        var diagnostics = Diagnostics()
        checkRoleNames(set, into: &diagnostics)
        checkAssignableScopes(set, into: &diagnostics)
        return diagnostics
    }

    /// ARM refuses a second custom role of one name in the tenant, and a built-in role's name
    /// (`RoleDefinitionWithSameNameExists`, compared without case).
    private static func checkRoleNames(_ set: ManifestDrafts, into diagnostics: inout Diagnostics) {
        var seen: [String: (name: String, location: SourceLocation)] = [:]
        for definition in set.roleDefinitions {
            let location =
                definition.source.spec["role_name"] == nil
                ? definition.source.nameLocation : definition.source.location(of: "role_name")
            if let builtIn = RoleReference.builtIn(named: definition.roleName) {
                diagnostics.report(
                    .roleNameTaken,
                    "'\(definition.roleName)' is the name of the built-in role '\(builtIn.name)'; a custom role needs a name of its own",
                    at: location, hint: "set role_name to a name no built-in role has")
            } else if let first = seen[definition.roleName.lowercased()] {
                diagnostics.report(
                    .roleNameTaken,
                    "RoleDefinitions '\(first.name)' and '\(definition.name)' both have the role name '\(definition.roleName)'; Azure allows one custom role per name",
                    at: location, notes: [Diagnostic.Note("'\(first.name)' is here", at: first.location)])
            } else {
                seen[definition.roleName.lowercased()] = (definition.name, location)
            }
        }
    }

    /// A RoleAssignment of a RoleDefinition must lie at or below one of its assignable scopes.
    /// Scopes compare as ARM IDs; without a subscription in the Target (the local cloud), one
    /// written as an ID cannot be compared with the others and is left to the cloud.
    private static func checkAssignableScopes(_ set: ManifestDrafts, into diagnostics: inout Diagnostics) {
        let known = set.target?.subscriptionID
        let subscription = known ?? GUID("00000000-0000-0000-0000-000000000000")!
        var workspaceIDs: [String: AzureResourceID] = [:]
        for workspace in set.workspaces {
            guard let group = workspace.resourceGroup else { continue }
            workspaceIDs[workspace.name] = DesiredState.workspaceID(
                subscription: subscription, resourceGroup: group, name: workspace.name)
        }
        let definitions = Dictionary(
            set.roleDefinitions.map { ($0.name, $0) }, uniquingKeysWith: { first, _ in first })
        for assignment in set.roleAssignments {
            guard let name = assignment.role?.definition, let definition = definitions[name],
                let assignable = definition.assignableScopes, !assignable.isEmpty, let scope = assignment.scope
            else { continue }
            let all = assignable + [scope]
            if known == nil, all.contains(where: { if case .id = $0 { true } else { false } }) { continue }
            if case .workspace(let workspace) = scope, workspaceIDs[workspace] == nil { continue }
            let target = scope.resolved(subscription: subscription, workspaceIDs: workspaceIDs)
            let ids = assignable.map { $0.resolved(subscription: subscription, workspaceIDs: workspaceIDs) }
            guard !ids.contains(where: { $0.covers(target) }) else { continue }
            diagnostics.report(
                .assignableScope,
                "RoleDefinition '\(name)' may not be assigned at \(describe(scope)): it is assignable only at \(assignable.map(describe).joined(separator: ", "))",
                at: assignment.source.location(of: "scope"),
                hint: "add this scope (or one above it) to the RoleDefinition's assignable_scopes, or assign it lower",
                notes: [
                    Diagnostic.Note(
                        "its assignable scopes are here", at: definition.source.location(of: "assignable_scopes"))
                ])
        }
    }

    private static func describe(_ scope: ScopeReference) -> String {
        switch scope {
        case .workspace(let name): "workspace '\(name)'"
        case .resourceGroup(let group): "resource group '\(group)'"
        case .subscription: "the subscription"
        case .id(let id): id.description
        }
    }
}
