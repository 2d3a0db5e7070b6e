/// Proves that a new client secret works before an old one is removed (fidelity audit D7). Entra
/// accepts a new password only after it has propagated: microsoft-graph-docs#17966 (the
/// addPassword page) reports 4–18 s of AADSTS7000215 for a credential Graph already lists, and
/// terraform-provider-azuread waits for a new credential to show five times in a row
/// (application_password_resource.go). Rotation asks for a token with the new secret, waiting that
/// out, so the pipeline that got the new secret is never left holding one that does not work yet
/// while the old one is gone.
public struct SecretProof: Sendable {
    public var client: TokenClient
    /// Seconds to wait in all for Entra to accept the secret.
    public var budget = 120.0

    public init(client: TokenClient) {
        self.client = client
    }

    /// Entra's answers while a new secret (or a new application) is still propagating: the
    /// secret is not known yet (AADSTS7000215), the application is not (AADSTS700016), or its
    /// service principal, made moments before in the same change, is not (AADSTS7000229; assumed
    /// to be replication as for the application, UNVERIFIED: no SDK or provider retries it, so the
    /// wait stays within the same budget).
    static let propagating: Set<String> = ["AADSTS7000215", "AADSTS700016", "AADSTS7000229"]

    /// Asks for an ARM token with `secret`; returns once Entra issues one. Throws Entra's last
    /// answer when the budget runs out, or at once for any other failure.
    public func prove(tenantID: String, clientID: String, secret: String) async throws(AzureError) {
        let credential = ClientSecretCredential(
            tenantID: tenantID, clientID: clientID, secret: secret, source: "the new client secret")
        let scope = TokenCache.scope(for: client.cloud.resourceManagerAudience)
        var waited = 0.0
        var delay = 0.25
        while true {
            do {
                _ = try await credential.fetchToken(scope: scope, client: client)
                return
            } catch {
                guard Self.propagating.contains(error.code), waited + delay <= budget else { throw error }
                do { try await client.runtime.sleep(delay) } catch {
                    throw AzureError(
                        service: .entra, status: nil, code: "Cancelled", message: "cancelled while proving a secret",
                        target: "POST token")
                }
                waited += delay
                delay = min(delay * 2, 8)
            }
        }
    }
}
