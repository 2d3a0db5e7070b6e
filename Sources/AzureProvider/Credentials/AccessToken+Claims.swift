import AuthCrypto
import WireFormat

extension AccessToken {
    /// The permissions the token carries (read, not verified): app-only tokens list the granted
    /// application permissions in `roles`, delegated ones the consented scopes in the
    /// space-separated `scp` (learn.microsoft.com, "Access token claims reference"). nil when the
    /// token is not a readable JWT.
    public var permissionClaims: (roles: [String], scopes: [String])? {
        guard let jwt = JWT(parsing: token) else { return nil }
        let roles = (jwt.claims["roles"]?.arrayValue ?? []).compactMap(\.stringValue)
        let scopes = (jwt.string("scp") ?? "").split(separator: " ").map(String.init)
        return (roles, scopes)
    }
}
