/// One entry of ARM's permission model: what a role definition grants, or one element of what
/// `GET {scope}/providers/Microsoft.Authorization/permissions` returns for the caller (its
/// `value: [{actions, notActions, dataActions, notDataActions}]`, one entry per role the caller
/// holds at or above the scope; azure-rest-api-specs, authorization 2022-04-01,
/// `Permissions_ListForResourceGroup` / `Permissions_ListForResource`, example GetPermissions.json).
///
/// An entry grants an action when one of its `actions` matches it and none of its own
/// `notActions` does; `notActions` subtract from their entry only, never from another role's
/// (learn.microsoft.com, "Understand Azure role definitions", NotActions). Data actions are
/// separate: `actions` never grant them, so `*` (Owner) does not read a Key Vault secret.
public struct Permission: Sendable, Equatable, Hashable {
    public var actions: [String]
    public var notActions: [String]
    public var dataActions: [String]
    public var notDataActions: [String]

    public init(
        actions: [String], notActions: [String] = [], dataActions: [String] = [], notDataActions: [String] = []
    ) {
        self.actions = actions
        self.notActions = notActions
        self.dataActions = dataActions
        self.notDataActions = notDataActions
    }

    /// Whether this entry grants the control-plane `action`.
    public func grants(action: String) -> Bool {
        actions.contains { ActionPattern.matches($0, action) }
            && !notActions.contains { ActionPattern.matches($0, action) }
    }

    /// Whether this entry grants the data-plane `dataAction`.
    public func grants(dataAction: String) -> Bool {
        dataActions.contains { ActionPattern.matches($0, dataAction) }
            && !notDataActions.contains { ActionPattern.matches($0, dataAction) }
    }

    /// Whether this entry grants `operation`, of whichever plane it is.
    public func grants(_ operation: AzureOperation) -> Bool {
        switch operation.plane {
        case .control: grants(action: operation.name)
        case .data: grants(dataAction: operation.name)
        }
    }

    /// The most specific of this entry's patterns that grants `operation`, as its count of
    /// literal (non-`*`) characters: `Microsoft.Authorization/roleAssignments/write` outranks
    /// `Microsoft.Authorization/*`, which outranks `*`. nil when the entry does not grant it.
    func specificity(granting operation: AzureOperation) -> Int? {
        guard grants(operation) else { return nil }
        let patterns =
            switch operation.plane {
            case .control: actions
            case .data: dataActions
            }
        return patterns.filter { ActionPattern.matches($0, operation.name) }
            .map { pattern in pattern.utf8.count { $0 != UInt8(ascii: "*") } }.max()
    }
}

/// An ARM operation a caller may or may not be allowed: a control-plane action
/// (`Microsoft.Authorization/roleAssignments/write`) or a data action
/// (`Microsoft.KeyVault/vaults/secrets/setSecret/action`).
public struct AzureOperation: Sendable, Hashable, CustomStringConvertible {
    public enum Plane: String, Sendable, Hashable {
        case control, data
    }

    public var name: String
    public var plane: Plane

    public init(_ name: String, plane: Plane = .control) {
        self.name = name
        self.plane = plane
    }

    public var description: String { plane == .data ? "\(name) (data action)" : name }
}

/// ARM's wildcard rule for action strings: `*` matches any run of characters (slashes included,
/// so `Microsoft.Authorization/*/Write` matches `Microsoft.Authorization/roleAssignments/write`),
/// and the comparison ignores case.
public enum ActionPattern {
    /// Whether `pattern` matches `action`.
    public static func matches(_ pattern: String, _ action: String) -> Bool {
        let pattern = Array(pattern.lowercased().utf8)
        let text = Array(action.lowercased().utf8)
        // Iterative glob with backtracking to the last '*'.
        var p = 0
        var t = 0
        var star = -1
        var mark = 0
        while t < text.count {
            if p < pattern.count, pattern[p] == UInt8(ascii: "*") {
                star = p
                mark = t
                p += 1
            } else if p < pattern.count, pattern[p] == text[t] {
                p += 1
                t += 1
            } else if star >= 0 {
                p = star + 1
                mark += 1
                t = mark
            } else {
                return false
            }
        }
        while p < pattern.count, pattern[p] == UInt8(ascii: "*") { p += 1 }
        return p == pattern.count
    }

    /// Why `text` is not an operation a role definition can list, or nil when it is one: `*`, or a
    /// resource provider namespace (`Microsoft.MachineLearningServices`, or `*`) followed by
    /// `/`-separated segments of letters, digits, `.`, `-`, `_` and `*`, such as
    /// `Microsoft.MachineLearningServices/workspaces/onlineEndpoints/token/action` or `*/read`
    /// (learn.microsoft.com, "Understand Azure role definitions", Actions: `{Company}.{ProviderName}/{resourceType}/{action}`).
    public static func problem(_ text: String) -> String? {
        if text == "*" { return nil }
        let segments = text.split(separator: "/", omittingEmptySubsequences: false)
        guard segments.count >= 2 else {
            return "an operation is '*' or 'Provider.Namespace/type/…/verb', with '/' between its parts"
        }
        if segments.contains(where: \.isEmpty) { return "an operation has no empty part between '/'" }
        for segment in segments {
            if let bad = segment.unicodeScalars.first(where: { !ASCII.isWord($0, or: ".-_*") }) {
                return "'\(bad)' cannot appear in an operation"
            }
        }
        let provider = segments[0]
        if provider != "*", !provider.contains("."), !provider.contains("*") {
            return "'\(provider)' is not a resource provider namespace (such as Microsoft.MachineLearningServices)"
        }
        return nil
    }
}
