import Foundation
import TestSupport
import Testing

/// Issue 11 item 5 through the binary: `amlauth migrate` on the v1 quickstart writes v2 manifests
/// beside the Webservices that validate, plan the new endpoints beside the old services, apply,
/// and plan clean after; what needs a decision is printed.
@Suite(.serialized)
struct MigrateCommandTests {
    @Test func theQuickstartMigratesAppliesAndConverges() throws {
        let directory = try WhoamiCommandTests.quickstart()
        defer { try? FileManager.default.removeItem(atPath: directory) }
        #expect(try CommandRunner.amlauth(["apply", directory, "--auto-approve"]).status == 0)

        let migrate = try CommandRunner.amlauth(["migrate", directory])
        #expect(migrate.status == 0, "\(migrate.stderr)")
        #expect(migrate.stderr.contains("wrote 2 online endpoint(s)"), "\(migrate.stderr)")
        #expect(migrate.stderr.contains("aci-service-1: instance_type Standard_DS3_v2 was chosen"))
        #expect(migrate.stderr.contains("entry script score.py is not carried over"))
        let yaml = try String(contentsOfFile: directory + "/online-endpoints.yaml", encoding: .utf8)
        // ACI with key auth → managed key endpoint; AKS with token auth → Kubernetes aml_token.
        #expect(
            yaml.contains(
                "metadata: {name: \"aci-service-1\"}\nspec:\n  workspace: \"ml-example\"\n  compute: \"managed\"\n  auth_mode: key"
            ))
        #expect(yaml.contains("  compute: \"aks-cluster-1\"\n  auth_mode: aml_token"))
        // The token client gets a custom role with just the token action, not a broad built-in role.
        #expect(yaml.contains("kind: RoleDefinition\nmetadata: {name: \"aks-service-1-token-reader\"}"))
        #expect(
            yaml.contains(
                "actions: [\"Microsoft.MachineLearningServices/workspaces/onlineEndpoints/token/action\", \"Microsoft.MachineLearningServices/workspaces/onlineEndpoints/read\"]"
            ))
        #expect(yaml.contains("role: \"aks-service-1-token-reader\""))
        #expect(!yaml.contains("AzureML Data Scientist"))

        let again = try CommandRunner.amlauth(["migrate", directory])
        // Run again, the set has its endpoints: nothing is written twice.
        #expect(again.status == 0 && again.stderr.contains("an OnlineEndpoint of that name exists already"))
        // With --force the file is replaced: its own endpoints do not count, and it is written again.
        let forced = try CommandRunner.amlauth(["migrate", directory, "--force"])
        #expect(forced.status == 0 && forced.stderr.contains("wrote 2 online endpoint(s)"), "\(forced.stderr)")
        #expect(try String(contentsOfFile: directory + "/online-endpoints.yaml", encoding: .utf8) == yaml)

        #expect(try CommandRunner.amlauth(["validate", directory]).status == 0)
        let plan = try CommandRunner.amlauth(["plan", directory])
        #expect(plan.status == 0, "\(plan.stdout)\n\(plan.stderr)")
        for address in [
            "+ OnlineEndpoint/aci-service-1", "+ OnlineEndpoint/aks-service-1", "+ OnlineDeployment/aci-service-1-blue",
            "+ RoleAssignment/aks-service-1-ml-auth-v2-access", "+ RoleDefinition/aks-service-1-token-reader",
        ] {
            #expect(plan.stdout.contains(address), "\(address) in:\n\(plan.stdout)")
        }
        #expect(!plan.stdout.contains("Webservice/"), "the v1 services stay as they are")
        #expect(!plan.stdout.contains("AMLA008"), "the token client holds no broad role:\n\(plan.stdout)")

        let apply = try CommandRunner.amlauth(["apply", directory, "--auto-approve"])
        #expect(apply.status == 0, "\(apply.stdout)\n\(apply.stderr)")
        let clean = try CommandRunner.amlauth(["plan", directory, "--detailed-exitcode"])
        #expect(clean.status == 0, "\(clean.stdout)\n\(clean.stderr)")
    }
}
