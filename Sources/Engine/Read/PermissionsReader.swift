public import AMLAuthCore
public import AzureProvider

/// Reads what preflight checks against: ARM's permissions API once per distinct scope (the
/// requests in flight together) and what the caller's Microsoft Graph token grants. A scope whose
/// permissions cannot be read (a 403 on the API itself, a failed read) is recorded as unreadable,
/// which the report turns into a note; only a cancellation is thrown.
public struct PermissionsReader: Sendable {
    public let authorization: AuthorizationClient
    /// The Graph grant of the caller (from its token's `roles`/`scp` claims).
    public let graph: @Sendable () async -> GraphGrant

    public init(authorization: AuthorizationClient, graph: @escaping @Sendable () async -> GraphGrant) {
        self.authorization = authorization
        self.graph = graph
    }

    /// The caller's permissions at each of `scopes`.
    public func read(_ scopes: [AzureResourceID]) async throws(AzureError) -> [AzureResourceID: ScopePermissions] {
        let authorization = authorization
        let answers = try await Concurrently.map(scopes) { scope throws(AzureError) -> ScopePermissions in
            do throws(AzureError) {
                return .granted(try await authorization.permissions(scope: scope.description))
            } catch {
                if error.code == "Cancelled" { throw error }
                return .unreadable(
                    "the permissions API answered \(error.status.map(String.init) ?? "no response") \(error.code)")
            }
        }
        return Dictionary(zip(scopes, answers), uniquingKeysWith: { first, _ in first })
    }

    /// Checks `needs`: reads the scopes not in `known` (already read alongside the live state),
    /// and the Graph grant when Graph writes are needed.
    public func report(_ needs: PermissionNeeds, known: [AzureResourceID: ScopePermissions]) async throws(AzureError)
        -> PreflightReport
    {
        var answers = known
        let missing = needs.scopes.filter { answers[$0] == nil }
        if !missing.isEmpty {
            for (scope, answer) in try await read(missing) { answers[scope] = answer }
        }
        var grant = GraphGrant.claims(roles: [], scopes: [])
        if !needs.graphWriters.isEmpty { grant = await graph() }
        // Key Vault sinks name the vault only; its scope is not looked up yet, so their
        // setSecret is reported as not checked (see PreflightReport).
        return PreflightReport(needs, arm: answers, vaults: [:], graph: grant)
    }
}

extension GraphGrant {
    /// What an access token for Microsoft Graph says (its `roles` and `scp` claims); unreadable
    /// when it is not a JWT.
    public init(graphToken: AccessToken) {
        guard let claims = graphToken.permissionClaims else {
            self = .unreadable("the Microsoft Graph token could not be read")
            return
        }
        self = .claims(roles: claims.roles, scopes: claims.scopes)
    }
}
