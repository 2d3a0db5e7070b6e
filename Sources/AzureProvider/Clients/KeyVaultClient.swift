import AMLAuthCore
import HTTPClient
import WireFormat

/// Azure Key Vault secrets through the vault's data-plane REST API, with the caller's own
/// credential (RBAC vaults: "Key Vault Secrets Officer" on the vault, or a scope above it).
///
/// The wire contract, from Key Vault's REST reference ("Set Secret",
/// learn.microsoft.com/rest/api/keyvault/secrets/set-secret) and azure-keyvault-secrets
/// (`SecretClient.set_secret` → `PUT {vaultBaseUrl}/secrets/{secret-name}?api-version=7.4`):
/// body `{"value": …, "contentType": …, "tags": {…}}`, answered 200 with the new version's
/// `id` (`https://{vault}.vault.azure.net/secrets/{name}/{version}`); each PUT makes a new version.
/// Tokens are requested for `https://vault.azure.net/.default` (the scope the SDK's challenge
/// policy derives from the vault's `resource="https://vault.azure.net"`).
///
/// The client has its own `TokenHostPolicy`: its token (the vault audience) goes only to vault
/// hosts (`*.vault.azure.net`, or the local cloud's vault base), and the engine's other pipeline
/// never trusts a vault host, so no ARM or Graph token reaches one.
public struct KeyVaultClient: Sendable {
    public var pipeline: AzurePipeline
    public let cloud: AzureCloudEndpoints

    public static let apiVersion = "7.4"

    /// `pipeline`'s transport, credential and retry policy, with the vault's token hosts.
    public init(pipeline: AzurePipeline, cloud: AzureCloudEndpoints) {
        var pipeline = pipeline
        pipeline.tokenHosts = Self.tokenHosts(cloud)
        self.pipeline = pipeline
        self.cloud = cloud
    }

    /// Where a vault token may go: hosts under the cloud's vault suffix, or the vault base's origin.
    public static func tokenHosts(_ cloud: AzureCloudEndpoints) -> TokenHostPolicy {
        TokenHostPolicy(
            cloudName: "\(cloud.name) Key Vault",
            origins: Set([cloud.keyVaultBase].compactMap { $0.flatMap(RequestURL.init).map(\.origin) }),
            hostSuffixes: cloud.keyVaultDNSSuffix.map { [$0] } ?? [])
    }

    private func url(_ vault: String, _ secret: String) throws(AzureError) -> String {
        guard let base = cloud.keyVaultURL(vault) else {
            throw AzureError(
                service: .keyVault, status: nil, code: "NoKeyVaultEndpoint",
                message: "cloud '\(cloud.name)' has no Key Vault endpoint (cloud file: endpoints.keyVaultDnsSuffix)",
                target: "keyvault:\(vault)/\(secret)")
        }
        return base + "secrets/" + secret + "?api-version=" + Self.apiVersion
    }

    /// Sets a new version of secret `name` and returns its version id. `value` is sent in the body
    /// only; it is never logged (the pipeline logs no bodies).
    @discardableResult
    public func setSecret(vault: String, name: String, value: String, contentType: String?, tags: [String: String])
        async throws(AzureError) -> String
    {
        var fields: [(String, JSONValue)] = [("value", .string(value))]
        if let contentType { fields.append(("contentType", .string(contentType))) }
        fields.append(("tags", .object(tags.sorted { $0.key < $1.key }.map { ($0.key, .string($0.value)) })))
        let response = try await pipeline.json(
            AzurePipeline.Request(
                "PUT", try url(vault, name), service: .keyVault, audience: cloud.keyVaultAudience,
                json: .object(fields)))
        return response["id"]?.stringValue ?? ""
    }

    /// The tags of the secret's current version, or nil when the vault has no such secret. The
    /// answer holds the value too (Key Vault has no metadata-only read of the current version);
    /// it is dropped here.
    public func currentSecretTags(vault: String, name: String) async throws(AzureError) -> [String: String]? {
        let response = try await pipeline.send(
            AzurePipeline.Request(
                "GET", try url(vault, name), service: .keyVault, audience: cloud.keyVaultAudience, accept: [404]))
        guard response.status != 404, let json = try? JSONParser.parse(response.body) else { return nil }
        var tags: [String: String] = [:]
        for (key, value) in json["tags"]?.objectValue ?? [] { tags[key] = value.stringValue }
        return tags
    }
}
