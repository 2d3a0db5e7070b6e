import YAMLSource

/// Rules across resources: unique names, one Target, references that resolve, no assignment or
/// secret sink declared twice. References are resolved wherever they are valid, even in a
/// resource whose other fields are not.
enum ReferenceRules {
    static func check(_ set: ManifestDrafts, declarations: [Declaration], firstFile: SourceLocation?) -> Diagnostics {
        var diagnostics = Diagnostics()
        checkTargets(declarations, firstFile: firstFile, into: &diagnostics)
        let names = uniqueNames(declarations, into: &diagnostics)
        func resolve(_ name: String, _ kind: ManifestKind, at location: SourceLocation) {
            guard names[kind]?[name] == nil else { return }
            diagnostics.report(
                .danglingReference, "no \(kind.rawValue) named '\(name)' in the manifests", at: location,
                hint: Suggestion.hint(for: name, in: names[kind]?.keys.sorted() ?? []))
        }
        for assignment in set.roleAssignments {
            if case .servicePrincipal(let name)? = assignment.principal {
                resolve(name, .servicePrincipal, at: assignment.source.location(of: "principal", "service_principal"))
            }
            if case .workspace(let name)? = assignment.scope {
                resolve(name, .workspace, at: assignment.source.location(of: "scope", "workspace"))
            }
        }
        for definition in set.roleDefinitions {
            for item in definition.source.spec["assignable_scopes"]?.array ?? [] {
                if let name = item["workspace"]?.string {
                    resolve(name, .workspace, at: item["workspace"]?.location ?? definition.source.location)
                }
            }
        }
        for service in set.webservices {
            if let workspace = service.workspace {
                resolve(workspace, .workspace, at: service.source.location(of: "workspace"))
            }
            for (index, client) in service.tokenClients.enumerated() {
                let location = service.source.spec["token_clients"]?.array?[index].location ?? service.source.location
                resolve(client, .servicePrincipal, at: location)
            }
        }
        for endpoint in set.onlineEndpoints {
            if let workspace = endpoint.workspace {
                resolve(workspace, .workspace, at: endpoint.source.location(of: "workspace"))
            }
            for (index, client) in endpoint.tokenClients.enumerated() {
                let location = endpoint.source.spec["token_clients"]?.array?[index].location ?? endpoint.source.location
                resolve(client, .servicePrincipal, at: location)
            }
        }
        for deployment in set.onlineDeployments {
            if let endpoint = deployment.endpoint {
                resolve(endpoint, .onlineEndpoint, at: deployment.source.location(of: "endpoint"))
            }
        }
        checkAssignmentTriples(set, into: &diagnostics)
        checkSinks(set, into: &diagnostics)
        return diagnostics
    }

    private static func checkTargets(
        _ declarations: [Declaration], firstFile: SourceLocation?, into diagnostics: inout Diagnostics
    ) {
        let targets = declarations.filter { $0.address.kind == .target }
        guard let first = targets.first else {
            diagnostics.report(
                .targetCount, "the manifests declare no Target; exactly one says where to reconcile", at: firstFile,
                hint:
                    "add a document with 'kind: Target' and 'spec: {cloud: local}' (or AzureCloud with tenant_id and subscription_id)"
            )
            return
        }
        for extra in targets.dropFirst() {
            diagnostics.report(
                .targetCount, "a manifest set has exactly one Target; this is another ('\(extra.address.name)')",
                at: extra.kindLocation,
                notes: [Diagnostic.Note("the first Target ('\(first.address.name)') is here", at: first.kindLocation)])
        }
    }

    /// Reports names declared twice per kind, including names that differ only in case: Azure
    /// compares workspace, service and principal names without case, so `ML-Example` and
    /// `ml-example` would be one object claimed by two manifests (each rewriting the other's
    /// markers). Returns each kind's names and where they are.
    private static func uniqueNames(_ declarations: [Declaration], into diagnostics: inout Diagnostics)
        -> [ManifestKind: [String: SourceLocation]]
    {
        var seen: [ManifestKind: [String: SourceLocation]] = [:]
        var folded: [ManifestKind: [String: (name: String, location: SourceLocation)]] = [:]
        for declaration in declarations {
            let (kind, name) = (declaration.address.kind, declaration.address.name)
            if let first = seen[kind]?[name] {
                if kind == .target { continue }  // reported as a second Target instead.
                diagnostics.report(
                    .duplicateName, "duplicate \(kind.rawValue) name '\(name)'", at: declaration.nameLocation,
                    notes: [Diagnostic.Note("first defined here", at: first)])
            } else if kind != .target, let first = folded[kind]?[name.lowercased()] {
                diagnostics.report(
                    .duplicateName,
                    "\(kind.rawValue) name '\(name)' differs from '\(first.name)' only in case; Azure compares these names without case, so both would manage one object",
                    at: declaration.nameLocation, notes: [Diagnostic.Note("first defined here", at: first.location)])
                seen[kind, default: [:]][name] = declaration.nameLocation
            } else {
                seen[kind, default: [:]][name] = declaration.nameLocation
                folded[kind, default: [:]][name.lowercased()] = (name, declaration.nameLocation)
            }
        }
        return seen
    }

    /// Two assignments of one role to one principal at one scope would share a deterministic name
    /// (compared only between assignments whose three parts are all valid).
    private static func checkAssignmentTriples(_ set: ManifestDrafts, into diagnostics: inout Diagnostics) {
        // Name and location only: a whole manifest per entry was 8% of validate's peak memory.
        var seen: [String: (name: String, location: SourceLocation)] = Dictionary(
            minimumCapacity: set.roleAssignments.count)
        for assignment in set.roleAssignments.compactMap(\.manifest) {
            let principal: String
            switch assignment.principal {
            case .servicePrincipal(let name): principal = "sp:\(name)"
            case .objectID(let id, _): principal = "id:\(id)"
            }
            let scope: String
            switch assignment.scope {
            case .workspace(let name): scope = "ws:\(name)"
            case .resourceGroup(let name): scope = "rg:\(name.lowercased())"
            case .subscription: scope = "sub"
            case .id(let id): scope = "id:\(id.canonicalKey)"
            }
            let key = "\(principal)|\(assignment.role.guid)|\(scope)"
            if let first = seen[key] {
                diagnostics.report(
                    .duplicateRoleAssignment,
                    "RoleAssignment '\(assignment.name)' grants the same role to the same principal at the same scope as '\(first.name)'",
                    at: assignment.source.location,
                    notes: [Diagnostic.Note("'\(first.name)' is here", at: first.location)])
            } else {
                seen[key] = (assignment.name, assignment.source.location)
            }
        }
    }

    /// Two passwords written to one file would overwrite each other.
    private static func checkSinks(_ set: ManifestDrafts, into diagnostics: inout Diagnostics) {
        var seen: [String: SourceLocation] = [:]
        for principal in set.servicePrincipals {
            for credential in principal.credentials {
                guard case .password(_, _, let sink?) = credential.kind, let path = sink.exclusiveTarget else {
                    continue
                }
                let location = credential.value["deliver_to"]?.location ?? credential.value.location
                if let first = seen[path] {
                    diagnostics.report(
                        .duplicateItem,
                        "two credentials deliver to '\(path)'; each needs its own \(sink.path == nil ? "sink" : "file")",
                        at: location,
                        notes: [Diagnostic.Note("the other one is here", at: first)])
                } else {
                    seen[path] = location
                }
            }
        }
        // A workspace config written over a password file (or another workspace's config) would
        // lose one of them.
        for workspace in set.workspaces {
            guard let sink = workspace.configSink else { continue }
            let location = workspace.source.spec["deliver_to"]?.location ?? workspace.source.location
            if let first = seen[sink.path] {
                diagnostics.report(
                    .duplicateItem, "'\(sink.path)' is written by another sink too; each needs its own file",
                    at: location, notes: [Diagnostic.Note("the other one is here", at: first)])
            } else {
                seen[sink.path] = location
            }
        }
    }
}
