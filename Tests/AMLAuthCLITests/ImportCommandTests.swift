import AMLAuthCore
import AzureProvider
import Foundation
import HTTPClient
import LocalCloud
import LocalCloudServer
import TestSupport
import Testing
import WireFormat

/// `amlauth import` through the binary: objects made by hand in the local cloud become manifests
/// that validate and that `plan --adopt` only adopts.
@Suite(.serialized)
struct ImportCommandTests {
    /// A directory with a Target and nothing else.
    static func targetOnly() throws -> String {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent(
            "amlauth-import-\(UUID().uuidString)"
        ).path
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        try """
        apiVersion: amlauth/v1
        kind: Target
        metadata: {name: takeover}
        spec: {cloud: local}

        """.write(toFile: directory + "/target.yaml", atomically: true, encoding: .utf8)
        return directory
    }

    struct Handmade {
        var workspaceID: String
        var principalID: String
        var appID: String
        var secret: String
    }

    /// What a team made by hand before amlauth: an application (with a password, a certificate and
    /// a federated credential) and its service principal, Reader for it on the workspace, and two
    /// web services.
    static func makeByHand(in directory: String, displayName: String) async throws -> Handmade {
        try await LocalCloudAdmin.with(directory) { admin in
            let graph = admin.graph
            let application = try await graph.createApplication(displayName: displayName, tags: ["team:ml"])
            let password = try await graph.addPassword(
                applicationID: application.id, displayName: "handmade", endDateTime: nil)
            try await graph.createFederatedCredential(
                applicationID: application.id,
                DesiredFederatedCredential(
                    name: "gh-main", issuer: "https://token.actions.githubusercontent.com",
                    subject: "repo:contoso/ml:ref:refs/heads/main", audiences: ["api://AzureADTokenExchange"]))
            let principal = try await graph.createServicePrincipal(appID: application.appID, tags: [])
            let workspace = PlannerWorkspace.id(admin.subscriptionID)
            _ = try await admin.authorization.createRoleAssignment(
                scope: workspace, name: UUID().uuidString.lowercased(),
                roleDefinitionGUID: RoleReference.reader.guid.value, principalID: principal.id,
                principalType: "ServicePrincipal", description: "granted by hand")
            let base = try await admin.machineLearning.modelManagementBase(workspaceID: AzureResourceID(workspace)!)
            // The scoring script the services were deployed with, left where the imported
            // manifests name it (`entry_script: score.py`, next to them).
            let script = "def init():\n    pass\n\n\ndef run(raw_data):\n    return raw_data\n"
            try script.write(toFile: directory + "/score.py", atomically: true, encoding: .utf8)
            let services: [(String, ComputeType, String?, Bool, Bool, Double)] = [
                ("legacy-aci", .aci, nil, true, false, 0.5), ("legacy-aks", .aks, "aks-cluster-1", false, true, 1),
            ]
            for (name, type, target, key, token, cpu) in services {
                try await admin.machineLearning.createService(
                    base: base,
                    ServiceDefinition(
                        workspace: AzureResourceID(workspace)!, name: name, computeType: type, computeTarget: target,
                        authEnabled: key, tokenAuthEnabled: token, cpuCores: cpu, memoryGB: 1, kvTags: [:],
                        models: [VersionedName(parsing: "sklearn-mnist:3")!], entryScript: "score.py",
                        environment: VersionedName(parsing: "sklearn-env:2")!, description: nil,
                        entryScriptFile: EntryScriptFile.of(Array(script.utf8))))
            }
            return Handmade(
                workspaceID: workspace, principalID: principal.id, appID: application.appID,
                secret: password.secretText)
        }
    }

    @Test func importedManifestsValidateAndPlanOnlyAdoptions() async throws {
        let directory = try Self.targetOnly()
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let displayName = "legacy \"app\": x # team"
        let made = try await Self.makeByHand(in: directory, displayName: displayName)
        let arguments = [
            "import", "--target", directory, "--workspace", made.workspaceID, "--application", made.appID,
            "--role-assignments-at", made.workspaceID, "--principal", made.principalID, "-o", directory,
        ]
        let imported = try CommandRunner.amlauth(arguments)
        #expect(imported.status == 0, "\(imported.stderr)")
        let file = directory + "/imported.yaml"
        let text = try String(contentsOfFile: file, encoding: .utf8)
        #expect(text.hasPrefix("# Written by 'amlauth import' from:\n#   target 'takeover' (cloud local)\n"), "\(text)")
        #expect(text.contains("  display_name: \"legacy \\\"app\\\": x # team\"\n"), "\(text)")
        #expect(text.contains("keyId "), "the password is described")
        #expect(!text.contains(made.secret) && !imported.stderr.contains(made.secret))
        #expect(text.contains("kind: Workspace\nmetadata:\n  name: \"ml-example\""))

        let validated = try CommandRunner.amlauth(["validate", directory])
        #expect(validated.status == 0, "\(validated.stdout)\(validated.stderr)")

        // Exactly this: with --adopt, every change is an adoption, and there is nothing else.
        let plan = try CommandRunner.amlauth(["plan", directory, "--adopt", "--json"])
        #expect(plan.status == 0, "\(plan.stdout)\(plan.stderr)")
        let json = try JSONParser.parse(plan.stdout)
        let changes = json["changes"]?.arrayValue ?? []
        #expect(
            changes.compactMap { $0["address"]?.stringValue } == [
                "ServicePrincipal/legacy-app-x-team", "RoleAssignment/legacy-app-x-team-Reader-ml-example",
                "Webservice/legacy-aci", "Webservice/legacy-aks",
            ])
        #expect(changes.allSatisfy { $0["action"]?.stringValue == "adopt" }, "\(plan.stdout)")
        #expect(json["notes"]?.arrayValue?.contains { $0["blocking"]?.boolValue == true } == false)
        // The adoptions change nothing but amlauth's markers.
        for change in changes {
            let paths = (change["fields"]?.arrayValue ?? []).compactMap { $0["path"]?.stringValue }
            #expect(Set(paths).isSubset(of: ["tags", "description", "kv_tags"]), "\(paths)")
        }

        // By display name too; what the manifests now declare is not written twice.
        let byName = try CommandRunner.amlauth(["import", "--target", directory, "--application", displayName])
        #expect(byName.status == 0, "\(byName.stderr)")
        #expect(byName.stdout.contains("already declared as ServicePrincipal/legacy-app-x-team"), "\(byName.stdout)")
        #expect(!byName.stdout.contains("kind: ServicePrincipal"))

        // Never overwritten without --force; with it, the same bytes (no clock in the file).
        let again = try CommandRunner.amlauth(arguments)
        #expect(again.status == 1)
        #expect(again.stderr.contains("exists; add --force to replace it"), "\(again.stderr)")
        let forced = try CommandRunner.amlauth(arguments + ["--force"])
        #expect(forced.status == 0, "\(forced.stderr)")
        #expect(try String(contentsOfFile: file, encoding: .utf8) == text)

        // Adopted, they are the Target's: the next plan is clean.
        let applied = try CommandRunner.amlauth(["apply", directory, "--adopt", "--auto-approve"])
        #expect(applied.status == 0, "\(applied.stdout)\(applied.stderr)")
        let clean = try CommandRunner.amlauth(["plan", directory, "--detailed-exitcode"])
        #expect(clean.status == 0, "\(clean.stdout)\(clean.stderr)")

        // Owned now, so a second import skips them and says why.
        let owned = try CommandRunner.amlauth(["import", "--target", directory, "--application", made.appID])
        #expect(owned.status == 0, "\(owned.stderr)")
        #expect(owned.stdout.contains("already managed by amlauth"), "\(owned.stdout)")
        #expect(!owned.stdout.contains("kind: ServicePrincipal"))
    }

    @Test func unknownObjectsAndBadArgumentsAreClearErrors() throws {
        let directory = try Self.targetOnly()
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let missing = try CommandRunner.amlauth(["import", "--target", directory, "--application", "no-such-app"])
        #expect(missing.status == 1)
        #expect(missing.stderr.contains("amlauth import: no application with display name 'no-such-app'"))
        let nothing = try CommandRunner.amlauth(["import", "--target", directory])
        #expect(nothing.status != 0 && nothing.stderr.contains("nothing to import"))
        let lonely = try CommandRunner.amlauth([
            "import", "--target", directory, "--role-assignments-at", "/subscriptions/x",
        ])
        #expect(lonely.status != 0 && lonely.stderr.contains("--role-assignments-at and --principal go together"))
    }
}

/// The seeded workspace's ARM ID.
enum PlannerWorkspace {
    static func id(_ subscription: String) -> String {
        "/subscriptions/\(subscription)/resourceGroups/ml-rg/providers/Microsoft.MachineLearningServices/workspaces/ml-example"
    }
}
