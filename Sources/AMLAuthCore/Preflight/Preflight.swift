/// What ARM's permissions API said about the caller at one scope.
public enum ScopePermissions: Sendable, Equatable {
    /// The caller's entries there (one per role it holds at the scope or above).
    case granted([Permission])
    /// The API could not be asked (a 403 on it, a failed read): nothing is known, which is a
    /// note, not a missing permission.
    case unreadable(String)
}

/// What the caller's Microsoft Graph token says it may do: app-only tokens carry the granted
/// application permissions in `roles`, delegated ones the consented scopes in `scp`
/// (learn.microsoft.com, "Access token claims reference").
public enum GraphGrant: Sendable, Equatable {
    case claims(roles: [String], scopes: [String])
    case unreadable(String)

    /// Application permissions any one of which lets amlauth write applications: `OwnedBy`
    /// covers the applications the caller created or owns (every one amlauth creates), `All`
    /// every application (needed to adopt one owned by someone else).
    public static let applicationWrite = ["Application.ReadWrite.OwnedBy", "Application.ReadWrite.All"]
    /// Delegated scopes with the same effect; `Directory.AccessAsUser.All` defers to the user's
    /// own directory role.
    public static let delegatedApplicationWrite = ["Application.ReadWrite.All", "Directory.AccessAsUser.All"]

    /// Whether the token shows a permission to write applications.
    public var allowsApplicationWrite: Bool? {
        switch self {
        case .unreadable: return nil
        case .claims(let roles, let scopes):
            func has(_ list: [String], _ wanted: [String]) -> Bool {
                list.contains { held in wanted.contains { $0.lowercased() == held.lowercased() } }
            }
            return has(roles, Self.applicationWrite) || has(scopes, Self.delegatedApplicationWrite)
        }
    }
}

/// A permission the caller lacks: where, which, who needs it, and what would grant it.
public struct MissingPermission: Sendable, Equatable {
    public enum Kind: String, Sendable, Equatable {
        case action, dataAction, graphPermission
    }

    public var kind: Kind
    /// An ARM scope, or `Microsoft Graph`.
    public var scope: String
    /// The action, data action or Graph application permission.
    public var permission: String
    /// The narrowest built-in role that grants it (for Graph: the narrowest application
    /// permission); nil when amlauth knows none.
    public var grantedBy: String?
    public var neededBy: [ResourceAddress]

    public init(
        kind: Kind, scope: String, permission: String, grantedBy: String?, neededBy: [ResourceAddress]
    ) {
        self.kind = kind
        self.scope = scope
        self.permission = permission
        self.grantedBy = grantedBy
        self.neededBy = neededBy
    }

    /// One line for the reviewer: what, where, for whom, and the role to ask for.
    public var message: String {
        let who = neededBy.map(\.description).joined(separator: ", ")
        switch kind {
        case .action, .dataAction:
            let what = kind == .dataAction ? "data action '\(permission)'" : "'\(permission)'"
            return "missing permission: \(what) at \(scope), needed by \(who)"
                + (grantedBy.map { "; the narrowest built-in role that grants it: '\($0)'" } ?? "")
        case .graphPermission:
            return
                "missing Microsoft Graph application permission \(GraphGrant.applicationWrite.map { "'\($0)'" }.joined(separator: " or ")), needed by \(who)"
                + (grantedBy.map { "; the narrowest: '\($0)' (admin consent required)" } ?? "")
        }
    }
}

/// The preflight decision, pure: which needed permissions the caller lacks, from what ARM's
/// permissions API and the Graph token said; and what could not be checked.
public struct PreflightReport: Sendable, Equatable {
    public var missing: [MissingPermission] = []
    /// Checks that could not be made (the permissions API refused, a vault was not found).
    public var unchecked: [String] = []

    public init() {}

    /// Checks `needs` against the answers. `vaults` maps a lower-cased vault name to its ARM ID
    /// (absent: not found); `arm` must hold an answer for every scope `needs` and the vaults use.
    public init(
        _ needs: PermissionNeeds, arm: [AzureResourceID: ScopePermissions], vaults: [String: AzureResourceID],
        graph: GraphGrant
    ) {
        self.init()
        var checks = needs.arm
        for sink in needs.vaultSinks {
            guard let id = vaults[sink.vault.lowercased()] else {
                note(
                    "'\(NeededOperation.setSecret.name)' on vault '\(sink.vault)' was not checked: no vault of that name was found in the subscription"
                )
                continue
            }
            if let index = checks.firstIndex(where: { $0.scope == id && $0.operation == NeededOperation.setSecret }) {
                if !checks[index].neededBy.contains(sink.neededBy) { checks[index].neededBy.append(sink.neededBy) }
            } else {
                checks.append(.init(scope: id, operation: NeededOperation.setSecret, neededBy: [sink.neededBy]))
            }
        }
        for check in checks {
            switch arm[check.scope] {
            case .granted(let entries):
                guard !entries.contains(where: { $0.grants(check.operation) }) else { continue }
                missing.append(
                    MissingPermission(
                        kind: check.operation.plane == .data ? .dataAction : .action, scope: check.scope.description,
                        permission: check.operation.name,
                        grantedBy: BuiltInRolePermissions.narrowest(granting: check.operation)?.name,
                        neededBy: check.neededBy))
            case .unreadable(let reason):
                note("'\(check.operation.name)' at \(check.scope) was not checked: \(reason)")
            case nil:
                note("'\(check.operation.name)' at \(check.scope) was not checked: its permissions were not read")
            }
        }
        if !needs.graphWriters.isEmpty {
            switch graph.allowsApplicationWrite {
            case .some(true): break
            case .some(false):
                missing.append(
                    MissingPermission(
                        kind: .graphPermission, scope: "Microsoft Graph", permission: GraphGrant.applicationWrite[1],
                        grantedBy: GraphGrant.applicationWrite[0], neededBy: needs.graphWriters))
            case .none:
                if case .unreadable(let reason) = graph {
                    note("Microsoft Graph permission to write applications was not checked: \(reason)")
                }
            }
        }
    }

    private mutating func note(_ text: String) {
        if !unchecked.contains(text) { unchecked.append(text) }
    }

    /// The report as plan notes: each missing permission blocks (nothing is changed until it is
    /// granted), each unchecked one informs.
    public var notes: [PlanNote] {
        missing.map { missing in
            var note = PlanNote(missing.message, address: missing.neededBy.first, blocking: true)
            note.missingPermission = missing
            return note
        } + unchecked.map { PlanNote("preflight: \($0)") }
    }
}
