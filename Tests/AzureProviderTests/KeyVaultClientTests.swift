import AMLAuthCore
import AzureProvider
import Foundation
import HTTPClient
import LocalCloud
import TestSupport
import Testing
import WireFormat

/// `KeyVaultClient` against the local cloud's Key Vault, over TLS through libcurl: Key Vault's
/// status codes and error bodies, RBAC by data role, and tokens for the vault's own audience.
@Suite(.serialized)
struct KeyVaultClientTests {
    @Test func setAndReadNeedTheDataRoleAndKeepTags() async throws {
        let connected = try await Connected.start()
        defer { Task { await connected.stop() } }
        let vault = KeyVaultClient(
            pipeline: connected.pipeline(connected.bootstrapCredential()), cloud: connected.cloud)

        // Owner of the subscription, but no Key Vault data role: Key Vault's 403.
        await #expect {
            try await vault.setSecret(vault: "ml-vault", name: "s1", value: "v1", contentType: nil, tags: [:])
        } throws: { error in
            let error = error as! AzureError
            return error.status == 403 && error.code == "Forbidden" && error.service == .keyVault
                && error.message.contains("Action: 'Microsoft.KeyVault/vaults/secrets/setSecret/action'")
        }

        try await connected.live.cloud.store.write { state in
            let owner = state.servicePrincipals.first { $0.appID == state.bootstrapClientID }!.id
            state.roleAssignments.append(
                RoleAssignmentRecord(
                    name: UUID().uuidString.lowercased(),
                    scope: "/subscriptions/\(state.subscriptionID)/resourceGroups/ml-rg",
                    roleDefinitionID: "b86a8fe4-44ce-4948-aee5-eccb2c155cd7", principalID: owner,
                    principalType: "ServicePrincipal", description: nil, createdOn: 0, createdBy: owner))
        }
        #expect(try await vault.currentSecretTags(vault: "ml-vault", name: "s1") == nil, "404 SecretNotFound: absent")
        let id = try await vault.setSecret(
            vault: "ml-vault", name: "s1", value: "v1", contentType: "text/plain", tags: ["amlauth-key-id": "k1"])
        #expect(id.hasPrefix(connected.cloud.keyVaultURL("ml-vault")! + "secrets/s1/"))
        try await vault.setSecret(
            vault: "ML-VAULT", name: "s1", value: "kv-value-two", contentType: nil, tags: ["amlauth-key-id": "k2"])
        #expect(try await vault.currentSecretTags(vault: "ml-vault", name: "s1") == ["amlauth-key-id": "k2"])
        #expect(!connected.log.all.joined().contains("kv-value-two"), "the value is never logged")
    }

    @Test func withoutATokenTheVaultChallengesForItsResource() async throws {
        let connected = try await Connected.start()
        defer { Task { await connected.stop() } }
        let url = connected.cloud.keyVaultURL("ml-vault")! + "secrets/s1?api-version=7.4"
        let response = try await connected.transport.send(HTTPRequest(method: "GET", url: url, headers: [], body: []))
        #expect(response.status == 401)
        #expect(response.header("WWW-Authenticate")?.contains("resource=\"https://vault.azure.net\"") == true)
        #expect(try JSONParser.parse(response.body)["error"]?["code"]?.stringValue == "Unauthorized")
    }
}
