public import AzureProvider

/// Key Vault as `keyvault:` sinks need it. `KeyVaultClient` is the real one.
public protocol SecretStore: Sendable {
    /// Sets a new version of the secret; returns its version id.
    @discardableResult
    func setSecret(vault: String, name: String, value: String, contentType: String?, tags: [String: String])
        async throws(AzureError) -> String
    /// The tags of the secret's current version; nil when there is no such secret.
    func currentSecretTags(vault: String, name: String) async throws(AzureError) -> [String: String]?
}

extension KeyVaultClient: SecretStore {}
