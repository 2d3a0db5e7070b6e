import AMLAuthCore
import Foundation
import LocalCloud
import LocalCloudServer
import TestSupport
import Testing
import WireFormat

/// Issue 13 item 12: sinks that outlive a CI job. `keyvault:` writes a Key Vault secret through
/// the vault's REST API with amlauth's own credential (RBAC enforced by the local cloud);
/// `ado-variable:` sets a secret Azure Pipelines variable, and only inside Azure Pipelines.
@Suite(.serialized)
struct LongLivedSinkTests {
    static let secretsOfficer = "b86a8fe4-44ce-4948-aee5-eccb2c155cd7"

    /// Grants the local cloud's bootstrap owner "Key Vault Secrets Officer" on `ml-vault`.
    static func grantSecretsOfficer(_ directory: String) async throws {
        let instance = try LocalCloudInstance.open(dataDirectory: directory + "/.amlauth/local-cloud")
        try await instance.cloud.store.write { state in
            let owner = state.servicePrincipals.first { $0.appID == state.bootstrapClientID }!.id
            let vault = state.vaults!.first!
            state.roleAssignments.append(
                RoleAssignmentRecord(
                    name: UUID().uuidString.lowercased(),
                    scope:
                        "/subscriptions/\(state.subscriptionID)/resourceGroups/\(vault.resourceGroup)/providers/Microsoft.KeyVault/vaults/\(vault.name)",
                    roleDefinitionID: secretsOfficer, principalID: owner, principalType: "ServicePrincipal",
                    description: nil, createdOn: 0, createdBy: owner))
        }
    }

    /// The managed application's passwords as (keyId, hint).
    static func passwords(_ directory: String) throws -> [(keyID: String, hint: String)] {
        let application = try DeliveryRecordTests.state(directory)["applications"]?.arrayValue?.first {
            $0["tags"]?.arrayValue?.contains(.string("amlauth:ci/ml-auth")) == true
        }
        return (application?["passwordCredentials"]?.arrayValue ?? []).compactMap {
            guard let keyID = $0["keyID"]?.stringValue, let hint = $0["hint"]?.stringValue else { return nil }
            return (keyID, hint)
        }
    }

    @Test func keyVaultSinkNeedsTheVaultRoleThenHoldsThePassword() async throws {
        let directory = try DeliveryRecordTests.directory(sink: "keyvault:ml-vault/ml-auth-ci")
        defer { try? FileManager.default.removeItem(atPath: directory) }

        // Owner of the subscription is not enough to set a secret in an RBAC vault.
        let refused = try CommandRunner.amlauth(["apply", directory, "--auto-approve"])
        #expect(refused.status == 1)
        let output = refused.stdout + refused.stderr
        #expect(output.contains("Key Vault refused keyvault:ml-vault/ml-auth-ci: Forbidden (HTTP 403)"), "\(output)")
        #expect(output.contains("Microsoft.KeyVault/vaults/secrets/setSecret/action"))
        #expect(try Self.passwords(directory).isEmpty, "the undeliverable password was removed again")

        try await Self.grantSecretsOfficer(directory)
        let applied = try CommandRunner.amlauth(["apply", directory, "--auto-approve"])
        #expect(applied.status == 0, "\(applied.stdout)\(applied.stderr)")
        let passwords = try Self.passwords(directory)
        #expect(passwords.count == 1)
        let secret = try DeliveryRecordTests.state(directory)["vaults"]?.arrayValue?.first?["secrets"]?.arrayValue?
            .last
        #expect(secret?["name"]?.stringValue == "ml-auth-ci")
        #expect(secret?["tags"]?["amlauth-key-id"]?.stringValue == passwords.first?.keyID)
        #expect(secret?["value"]?.stringValue?.hasPrefix(passwords.first?.hint ?? "-") == true, "the secret itself")
        #expect(!applied.stdout.contains(secret?["value"]?.stringValue ?? "-"), "never printed")
        #expect(!FileManager.default.fileExists(atPath: directory + "/.secrets"))

        // Another job, another machine: the vault holds it and the cloud says so; no rotation.
        let plan = try CommandRunner.amlauth(["plan", directory, "--detailed-exitcode"])
        #expect(plan.status == 0, "\(plan.stdout)\(plan.stderr)")

        // The vault is asked, not only the record: a secret deleted by hand is delivered again.
        let instance = try LocalCloudInstance.open(dataDirectory: directory + "/.amlauth/local-cloud")
        try await instance.cloud.store.write { state in state.vaults![0].secrets.removeAll() }
        let replan = try CommandRunner.amlauth(["plan", directory, "--detailed-exitcode"])
        #expect(replan.status == 2)
        #expect(replan.stdout.contains("⟳"), "\(replan.stdout)")
    }

    @Test func azurePipelinesVariableOnlyInsideAzurePipelines() throws {
        let directory = try DeliveryRecordTests.directory(sink: "ado-variable:ML_AUTH_SECRET")
        defer { try? FileManager.default.removeItem(atPath: directory) }

        let outside = try CommandRunner.amlauth(["apply", directory, "--auto-approve"])
        #expect(outside.status == 1)
        #expect((outside.stdout + outside.stderr).contains("works only inside Azure Pipelines (TF_BUILD=True)"))
        #expect(!outside.stdout.contains("##vso"))
        #expect(try Self.passwords(directory).isEmpty, "the undeliverable password was removed again")

        let inside = try CommandRunner.amlauth(
            ["apply", directory, "--auto-approve"], environment: ["TF_BUILD": "True"])
        #expect(inside.status == 0, "\(inside.stdout)\(inside.stderr)")
        let prefix = "##vso[task.setvariable variable=ML_AUTH_SECRET;issecret=true]"
        let lines = inside.stdout.split(separator: "\n").filter { $0.hasPrefix(prefix) }
        #expect(lines.count == 1)
        let hint = try Self.passwords(directory).first?.hint ?? "-"
        #expect(lines.first?.dropFirst(prefix.count).hasPrefix(hint) == true)
        #expect(!inside.stderr.contains(prefix))

        let plan = try CommandRunner.amlauth(
            ["plan", directory, "--detailed-exitcode"], environment: ["TF_BUILD": "True"])
        #expect(plan.status == 0, "recorded: the next run does not rotate")
    }
}
