public import AMLAuthCore
import AzureProvider

extension SecretDelivery {
    /// The tag on a Key Vault secret version naming the password it holds (its keyId).
    public static let keyVaultKeyIDTag = "amlauth-key-id"

    /// Delivers to any sink: a Key Vault secret through the vault's API, everything else as
    /// `deliver` does.
    ///
    /// A `keyvault:VAULT/SECRET` sink gets a new version of SECRET whose value is the client
    /// secret alone (what a Key Vault reference, an Azure Pipelines variable group linked to the
    /// vault or `az keyvault secret show` hand to a consumer), with the non-secret rest as tags:
    /// `client-id`, `tenant-id` and `amlauth-key-id` (the password's keyId, so anyone can tell
    /// which password a version holds). Earlier versions stay, as Key Vault keeps them; the
    /// removed password's version simply stops working.
    public func send(_ secret: Secret, to sink: SecretSink) async throws(Failure) {
        guard case .keyVault(let vault, let name) = sink else {
            try deliver(secret, to: sink)
            return
        }
        guard let keyVault else { throw .noKeyVault(sink.description) }
        do {
            try await keyVault.setSecret(
                vault: vault, name: name, value: secret.clientSecret, contentType: "Entra client secret",
                tags: [
                    Self.keyVaultKeyIDTag: secret.keyID, "client-id": secret.clientID, "tenant-id": secret.tenantID,
                ])
        } catch {
            throw .keyVault(sink.description, error)
        }
    }

    /// What a `keyvault:` sink holds now: the keyId its current version is tagged with, "" when
    /// the secret is gone or holds something else, nil when the vault could not be asked (no
    /// client, or a role that may set but not read): then the cloud's delivery record decides.
    public func keyVaultKeyID(_ sink: SecretSink) async -> String? {
        guard case .keyVault(let vault, let name) = sink, let keyVault else { return nil }
        do {
            return try await keyVault.currentSecretTags(vault: vault, name: name).map {
                $0[Self.keyVaultKeyIDTag] ?? ""
            } ?? ""
        } catch {
            return nil
        }
    }
}
