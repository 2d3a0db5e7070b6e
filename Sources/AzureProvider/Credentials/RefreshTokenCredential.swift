import AMLAuthCore
import WireFormat

/// The person signed in with `amlauth login`: the cached refresh token exchanged for an access
/// token per audience (`grant_type=refresh_token`, `scope={audience}/.default offline_access`), as
/// MSAL's `acquire_token_silent` does. When Entra returns a new refresh token, the cache is
/// rotated through `rotate`. The refresh token never leaves this type except to Entra and the
/// cache; errors say "run 'amlauth login'", never the token.
public struct RefreshTokenCredential: TokenCredential {
    /// Receives each new refresh token Entra returns (the cache writes it).
    public typealias Rotation = @Sendable (String) -> Void

    /// The current refresh token, replaced as Entra rotates it.
    actor Holder {
        var token: String
        init(_ token: String) { self.token = token }
        func replace(_ new: String) { token = new }
    }

    public let account: LoginAccount
    public var source: String { "device-code login as \(account.username)" }
    public var clientID: String? { account.clientID }
    public var tenantID: String? { account.tenantID }
    private let holder: Holder
    private let rotate: Rotation

    public init(account: LoginAccount, refreshToken: String, rotate: @escaping Rotation) {
        self.account = account
        holder = Holder(refreshToken)
        self.rotate = rotate
    }

    public func fetchToken(scope: String, client: TokenClient) async throws(AzureError) -> AccessToken {
        let url = client.cloud.tokenURL(tenant: account.tenantID)
        let current = await holder.token
        let (status, answer) = try await client.postForm(
            url,
            fields: [
                ("grant_type", "refresh_token"), ("client_id", account.clientID), ("refresh_token", current),
                ("scope", scope + " offline_access"), ("client_info", "1"),
            ])
        guard status == 200, let token = answer["access_token"]?.stringValue else {
            var failure = DeviceCodeLogin.failure(answer, status: status, target: "POST \(url)", what: "refresh failed")
            if answer["error"]?.stringValue == "invalid_grant" {
                failure.message =
                    "the login of \(account.username) is no longer valid (\(failure.message)): run 'amlauth login' again"
            }
            failure.message = "\(source): \(failure.message)"
            throw failure
        }
        if let next = answer["refresh_token"]?.stringValue, next != current {
            await holder.replace(next)
            rotate(next)
        }
        let expiresIn = DeviceCodeLogin.number(answer["expires_in"]) ?? 3_600
        return AccessToken(token: token, expiresOn: client.runtime.now() + expiresIn)
    }
}
