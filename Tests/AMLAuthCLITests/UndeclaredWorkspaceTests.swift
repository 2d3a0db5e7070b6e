import Foundation
import TestSupport
import Testing
import WireFormat

/// Issue 13 item 1: services the Target owns are found in every workspace of the subscription,
/// not only in the workspaces the manifests still declare. Deleting the last service's manifest
/// together with its Workspace manifest must not leave the services serving, unreported.
struct UndeclaredWorkspaceTests {
    @Test func servicesInAWorkspaceNoManifestDeclaresAreReportedAndPruned() throws {
        let directory = try WhoamiCommandTests.quickstart()
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let applied = try CommandRunner.amlauth(["apply", directory, "--auto-approve"])
        #expect(applied.status == 0, "\(applied.stdout)\(applied.stderr)")

        // The services and the workspace leave the manifests; the role assignment moves to the
        // resource group, so nothing names ml-example any more.
        try FileManager.default.removeItem(atPath: directory + "/webservices.yaml")
        let manifest = directory + "/amlauth.yaml"
        let text = try String(contentsOfFile: manifest, encoding: .utf8)
        let workspace =
            "---\napiVersion: amlauth/v1\nkind: Workspace\nmetadata: {name: ml-example}\nspec:\n  resource_group: ml-rg\n"
        #expect(text.contains(workspace))
        try text.replacingOccurrences(of: workspace, with: "")
            .replacingOccurrences(of: "scope: {workspace: ml-example}", with: "scope: {resource_group: ml-rg}")
            .write(toFile: manifest, atomically: true, encoding: .utf8)

        let kept = try CommandRunner.amlauth(["plan", directory, "--detailed-exitcode"])
        #expect(kept.stdout.contains("web service 'aci-service-1' is owned by amlauth but no longer in the manifests"))
        #expect(kept.stdout.contains("web service 'aks-service-1' is owned by amlauth but no longer in the manifests"))

        let pruned = try CommandRunner.amlauth(["apply", directory, "--auto-approve", "--prune"])
        #expect(pruned.status == 0, "\(pruned.stdout)\(pruned.stderr)")
        let state = try JSONParser.parse(
            try String(contentsOfFile: directory + "/.amlauth/local-cloud/state.json", encoding: .utf8))
        #expect(state["services"]?.arrayValue?.isEmpty == true, "both services were deleted")
        #expect(try CommandRunner.amlauth(["plan", directory, "--detailed-exitcode"]).status == 0)
    }
}
