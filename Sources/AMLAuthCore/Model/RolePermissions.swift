/// What a few built-in roles allow, for policy checks that ask "may this principal do X": the
/// roles that matter to Azure ML endpoints. Copied from MicrosoftDocs/azure-docs
/// `articles/role-based-access-control/built-in-roles.md` (the same source as
/// `RoleReference.builtIns`); a role not listed here is unknown to the checks, never assumed empty.
public struct RolePermissions: Sendable {
    public var actions: [String]
    public var notActions: [String]
    public var dataActions: [String]

    public init(actions: [String], notActions: [String] = [], dataActions: [String] = []) {
        self.actions = actions
        self.notActions = notActions
        self.dataActions = dataActions
    }

    /// Whether these permissions grant `action`, as ARM matches them: `*` matches any run of
    /// characters, case-insensitively, and notActions subtract. An action is looked up in both
    /// lists: the docs list `onlineEndpoints/score/action` among a role's actions, though Entra
    /// scoring is data plane.
    public func grants(_ action: String) -> Bool {
        (actions.contains { Self.matches($0, action) } && !notActions.contains { Self.matches($0, action) })
            || dataActions.contains { Self.matches($0, action) }
    }

    /// Built-in roles by GUID.
    public static let builtIn: [GUID: RolePermissions] = {
        let ml = "Microsoft.MachineLearningServices/workspaces"
        let workspaceWide = RolePermissions(
            actions: ["\(ml)/*/read", "\(ml)/*/action", "\(ml)/*/delete", "\(ml)/*/write"],
            notActions: [
                "\(ml)/delete", "\(ml)/write", "\(ml)/computes/*/write", "\(ml)/computes/*/delete",
                "Microsoft.Authorization/*", "\(ml)/computes/listKeys/action", "\(ml)/listKeys/action",
            ])
        let table: [(String, RolePermissions)] = [
            ("8e3af657-a8ff-443c-a75c-2fe8c4bcb635", RolePermissions(actions: ["*"])),  // Owner
            (
                "b24988ac-6180-42a0-ab88-20f7382dd24c",  // Contributor
                RolePermissions(
                    actions: ["*"],
                    notActions: [
                        "Microsoft.Authorization/*/Delete", "Microsoft.Authorization/*/Write",
                        "Microsoft.Authorization/elevateAccess/Action",
                    ])
            ),
            ("acdd72a7-3385-48ef-bd42-f606fba81ae7", RolePermissions(actions: ["*/read"])),  // Reader
            (
                "18d7d88d-d35e-4fb5-a5c3-7773c20a72d9",  // User Access Administrator
                RolePermissions(actions: ["*/read", "Microsoft.Authorization/*", "Microsoft.Support/*"])
            ),
            ("f6c7c914-8db3-469d-8ca1-694a8f32e121", workspaceWide),  // AzureML Data Scientist
            (
                "64702f94-c441-49e6-a78b-ef80e0188fee",  // Azure AI Developer
                RolePermissions(
                    actions: workspaceWide.actions,
                    notActions: ["\(ml)/delete", "\(ml)/write", "Microsoft.Authorization/*"])
            ),
            (
                "e503ece1-11d0-4e8e-8e2c-7a6c3bf38815",  // AzureML Compute Operator
                RolePermissions(actions: ["\(ml)/computes/*", "\(ml)/notebooks/vm/*", "\(ml)/read"])
            ),
        ]
        var byID: [GUID: RolePermissions] = [:]
        for (id, permissions) in table { if let guid = GUID(id) { byID[guid] = permissions } }
        return byID
    }()

    /// Roles that grant an endpoint's client action among much else: the policy suggests a custom
    /// role with just the action instead (Owner, Contributor, AzureML Data Scientist, Azure AI Developer).
    public static let broad: Set<String> = [
        "8e3af657-a8ff-443c-a75c-2fe8c4bcb635", "b24988ac-6180-42a0-ab88-20f7382dd24c",
        "f6c7c914-8db3-469d-8ca1-694a8f32e121", "64702f94-c441-49e6-a78b-ef80e0188fee",
    ]

    /// ARM's wildcard match: `*` is any run of characters (slashes included), without case.
    static func matches(_ pattern: String, _ action: String) -> Bool {
        let pattern = Array(pattern.lowercased().utf8)
        let text = Array(action.lowercased().utf8)
        var (p, t, star, mark) = (0, 0, -1, 0)
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
}
