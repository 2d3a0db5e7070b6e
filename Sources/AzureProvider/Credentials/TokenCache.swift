import AMLAuthCore
import AuthCrypto

/// An access token and when it stops being good.
public struct AccessToken: Sendable {
    public var token: String
    public var expiresOn: Double

    public init(token: String, expiresOn: Double) {
        self.token = token
        self.expiresOn = expiresOn
    }

    /// The `oid` claim: the object id of the principal the token is for (read, not verified).
    public var objectID: String? { JWT(parsing: token)?.string("oid") }
}

/// Tokens per (tenant, scope) for one credential: reused until five minutes before expiry, and
/// concurrent callers share one in-flight request.
public actor TokenCache {
    public let credential: any TokenCredential
    public nonisolated let client: TokenClient
    private var cached: [String: AccessToken] = [:]
    private var inFlight: [String: Task<Result<AccessToken, AzureError>, Never>] = [:]
    /// Token requests actually sent (for tests and `whoami`).
    public private(set) var requestsMade = 0

    public static let refreshMargin = 300.0

    public init(credential: any TokenCredential, client: TokenClient) {
        self.credential = credential
        self.client = client
    }

    /// The key the client-side rate limiter uses for this principal.
    public var principalKey: String { credential.clientID ?? credential.source }

    /// `https://management.azure.com/` → `https://management.azure.com/.default`.
    public static func scope(for audience: String) -> String {
        audience.hasSuffix("/") ? audience + ".default" : audience + "/.default"
    }

    public func token(audience: String) async throws(AzureError) -> String {
        try await accessToken(audience: audience).token
    }

    public func accessToken(audience: String) async throws(AzureError) -> AccessToken {
        let scope = Self.scope(for: audience)
        if let token = cached[scope], token.expiresOn - Self.refreshMargin > client.runtime.now() { return token }
        if let task = inFlight[scope] { return try await task.value.get() }
        let credential = credential
        let client = client
        let task = Task { () async -> Result<AccessToken, AzureError> in
            do throws(AzureError) {
                return .success(try await credential.fetchToken(scope: scope, client: client))
            } catch {
                return .failure(error)
            }
        }
        inFlight[scope] = task
        requestsMade += 1
        let result = await task.value
        inFlight[scope] = nil
        let token = try result.get()
        cached[scope] = token
        return token
    }

    public func invalidate(audience: String) {
        cached[Self.scope(for: audience)] = nil
    }
}
