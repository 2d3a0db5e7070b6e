import AzureProvider
import HTTPClient
import Testing

/// A Key Vault token goes to vault hosts only, and no other token goes to a vault host.
struct KeyVaultHostTests {
    @Test(arguments: [AzureCloudEndpoints.azureCloud, .azureChinaCloud, .azureUSGovernment])
    func vaultTokensStayOnVaultHosts(cloud: AzureCloudEndpoints) throws {
        let vault = try #require(cloud.keyVaultURL("ml-vault"))
        let suffix = try #require(cloud.keyVaultDNSSuffix)
        #expect(vault == "https://ml-vault.\(suffix)/")
        #expect(cloud.keyVaultAudience == "https://\(suffix)")
        let vaultHosts = KeyVaultClient.tokenHosts(cloud)
        #expect(vaultHosts.refusal(for: vault + "secrets/ml-auth?api-version=7.4") == nil)
        #expect(vaultHosts.refusal(for: cloud.resourceManager) != nil, "a vault token never goes to ARM")
        #expect(vaultHosts.refusal(for: cloud.microsoftGraph) != nil)
        #expect(vaultHosts.refusal(for: "https://ml-vault.\(suffix).invalid.example/") != nil)
        #expect(TokenHostPolicy(cloud: cloud).refusal(for: vault) != nil, "an ARM or Graph token never goes to a vault")
    }

    @Test func aCloudFileNamesItsVaults() throws {
        let file = #"""
            {"name": "custom", "endpoints": {"activeDirectory": "https://login.example", "resourceManager": "https://arm.example/",
             "microsoftGraph": "https://graph.example/", "keyVaultDnsSuffix": "vault.example", "keyVaultAudience": "https://vault.example"}}
            """#
        let (cloud, _) = try AzureCloudEndpoints.parse(cloudFile: Array(file.utf8), path: "cloud.json")
        #expect(cloud.keyVaultURL("Team-Vault") == "https://team-vault.vault.example/")
        #expect(cloud.keyVaultAudience == "https://vault.example")
        let local = #"""
            {"name": "local", "endpoints": {"activeDirectory": "https://127.0.0.1:8443", "resourceManager": "https://127.0.0.1:8443/",
             "microsoftGraph": "https://127.0.0.1:8443/graph/", "keyVault": "https://127.0.0.1:8443/keyvault"}}
            """#
        let (localCloud, _) = try AzureCloudEndpoints.parse(cloudFile: Array(local.utf8), path: "cloud.json")
        #expect(localCloud.keyVaultURL("ml-vault") == "https://127.0.0.1:8443/keyvault/ml-vault/")
        #expect(KeyVaultClient.tokenHosts(localCloud).refusal(for: "https://127.0.0.1:8443/keyvault/ml-vault/") == nil)
    }
}
