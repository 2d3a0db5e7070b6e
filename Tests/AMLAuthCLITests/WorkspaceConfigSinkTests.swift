import Foundation
import TestSupport
import Testing
import WireFormat

/// `workspace-config:PATH` on a Workspace: validated with located errors, written by apply (not
/// plan) as the `config.json` azureml-core's `Workspace.from_config()` reads, and no secret.
@Suite(.serialized)
struct WorkspaceConfigSinkTests {
    static let workspace = """
        apiVersion: amlauth/v1
        kind: Workspace
        metadata: {name: ml-example}
        spec:
          resource_group: ml-rg
          deliver_to: workspace-config:.azureml/config.json

        """

    /// The quickstart with its Workspace manifest replaced by `workspace`.
    static func quickstart(workspace: String = workspace) throws -> String {
        let directory = try WhoamiCommandTests.quickstart()
        let path = directory + "/amlauth.yaml"
        let original = String(decoding: try #require(FileManager.default.contents(atPath: path)), as: UTF8.self)
        let replaced = original.replacingOccurrences(
            of: "kind: Workspace\nmetadata: {name: ml-example}\nspec:\n  resource_group: ml-rg\n",
            with: String(workspace.dropFirst("apiVersion: amlauth/v1\n".count)))
        #expect(replaced != original)
        try replaced.write(toFile: path, atomically: true, encoding: .utf8)
        return directory
    }

    @Test func applyWritesTheConfigFromConfigReadsAndPlanSaysSo() throws {
        let directory = try Self.quickstart()
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let config = directory + "/.azureml/config.json"
        let plan = try CommandRunner.amlauth(["plan", directory])
        #expect(plan.status == 0, "\(plan.stderr)")
        #expect(
            plan.stderr.contains(
                "Workspace/ml-example: apply writes its workspace config to .azureml/config.json (no secret)"))
        #expect(!FileManager.default.fileExists(atPath: config), "plan writes nothing")

        let apply = try CommandRunner.amlauth(["apply", directory, "--auto-approve"])
        #expect(apply.status == 0, "\(apply.stderr)")
        #expect(apply.stdout.contains("Workspace/ml-example: wrote its workspace config to .azureml/config.json"))
        let state = try JSONParser.parse(
            Array(try #require(FileManager.default.contents(atPath: directory + "/.amlauth/local-cloud/state.json"))))
        let subscription = try #require(state["subscriptionID"]?.stringValue)
        let written = try JSONParser.parse(Array(try #require(FileManager.default.contents(atPath: config))))
        // Exactly the three keys Workspace.from_config() reads, and nothing else (no secret).
        #expect(written["subscription_id"]?.stringValue == subscription)
        #expect(written["resource_group"]?.stringValue == "ml-rg")
        #expect(written["workspace_name"]?.stringValue == "ml-example")
        #expect(written.objectValue?.map(\.0) == ["subscription_id", "resource_group", "workspace_name"])
        let mode = try FileManager.default.attributesOfItem(atPath: config)[.posixPermissions] as? Int
        #expect(mode == 0o644)

        // Converged: neither plan nor apply mention it again.
        let again = try CommandRunner.amlauth(["apply", directory, "--auto-approve"])
        #expect(again.status == 0, "\(again.stderr)")
        #expect(!again.stdout.contains("workspace config"))
        let clean = try CommandRunner.amlauth(["plan", directory, "--detailed-exitcode"])
        #expect(clean.status == 0, "\(clean.stdout)\(clean.stderr)")
        #expect(!clean.stderr.contains("workspace config"))
    }

    @Test func aSecretSinkOnAWorkspaceAndAWorkspaceConfigForAPasswordAreLocatedErrors() throws {
        let directory = try Self.quickstart(
            workspace: Self.workspace.replacingOccurrences(
                of: "workspace-config:.azureml/config.json", with: "file:.secrets/ws.json"))
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let path = directory + "/amlauth.yaml"
        let text = String(decoding: try #require(FileManager.default.contents(atPath: path)), as: UTF8.self)
        try text.replacingOccurrences(
            of: "deliver_to: file:.secrets/ml-auth.json", with: "deliver_to: workspace-config:config.json"
        ).write(toFile: path, atomically: true, encoding: .utf8)
        let lines = try String(contentsOfFile: path, encoding: .utf8).split(
            separator: "\n", omittingEmptySubsequences: false)
        let workspaceLine = try #require(lines.firstIndex { $0.contains("deliver_to: file:.secrets/ws.json") }) + 1
        let credentialLine = try #require(lines.firstIndex { $0.contains("deliver_to: workspace-config:") }) + 1

        let result = try CommandRunner.amlauth(["validate", directory])
        #expect(result.status == 1)
        #expect(
            result.stdout.contains(
                "amlauth.yaml:\(workspaceLine):"),
            "\(result.stdout)")
        #expect(
            result.stdout.contains(
                "'file:.secrets/ws.json' is not a valid sink: a Workspace delivers only its config, to workspace-config:PATH"
            ), "\(result.stdout)")
        #expect(
            result.stdout.contains("amlauth.yaml:\(credentialLine):"), "\(result.stdout)")
        #expect(
            result.stdout.contains(
                "is not a valid sink: workspace-config: writes a Workspace's config.json and no secret"),
            "\(result.stdout)")
    }
}
