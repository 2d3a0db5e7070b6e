import AMLAuthCore
import AzureProvider
import Foundation
import LocalCloud
import TestSupport
import Testing
import WireFormat

/// Issue 13 item 21: what a reviewer reads: a Markdown diff GitHub colours, a new web service with
/// its workspace, models and token clients, an object id with its type and name; and apply's own
/// step summary and JSON summary.
@Suite(.serialized)
struct PlanPresentationTests {
    static let group = "0f3c2a4e-7d1b-4c55-9a8e-2b6d1e9f4a10"

    /// The short SHA-256 of the quickstart's score.py, as the plan shows it.
    static func scriptDigest() throws -> String {
        let bytes = Array(try Paths.read("examples/quickstart/score.py").utf8)
        return EntryScriptFile.of(bytes).shortDigest
    }

    @Test func reviewersSeeWhatChangesAndWho() async throws {
        let directory = try WhoamiCommandTests.quickstart()
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let seed = try Seed(
            yaml: Array("principals: [{type: Group, display_name: data-scientists, object_id: \(Self.group)}]".utf8),
            file: "seed.yaml")
        try await LocalCloudAdmin.with(directory, seed: seed) { _ in }
        try """
        apiVersion: amlauth/v1
        kind: RoleAssignment
        metadata: {name: scientists-read-workspace}
        spec:
          principal: {object_id: \(Self.group), type: Group}
          role: Reader
          scope: {workspace: ml-example}

        """.write(toFile: directory + "/people.yaml", atomically: true, encoding: .utf8)

        let text = try CommandRunner.amlauth(["plan", directory])
        #expect(text.status == 0, "\(text.stderr)")
        #expect(
            text.stdout.contains("      principal: \"\(Self.group) (Group 'data-scientists')\"\n"), "\(text.stdout)")
        for field in [
            "workspace: \"ml-example\"", "models: \"sklearn-mnist:3\"",
            // The entry script by name and by the content the plan carries (fidelity audit D1).
            "entry_script: \"score.py (sha256:\(try Self.scriptDigest()))\"",
            "environment: \"sklearn-env:2\"", "token_clients: \"ServicePrincipal/ml-auth\"",
        ] {
            #expect(text.stdout.contains("\n      \(field)\n"), "\(field)")
        }

        let markdown = try CommandRunner.amlauth(["plan", directory, "--markdown"]).stdout
        let block = try #require(
            markdown.components(separatedBy: "```diff\n").dropFirst().first?.components(
                separatedBy: "\n```"
            ).first)
        #expect(markdown.contains("\n```diff\n+ ServicePrincipal/ml-auth\n"), "\(markdown)")
        #expect(block.contains("+     models: \"sklearn-mnist:3\""))
        for line in block.split(separator: "\n") {
            #expect(["+", "-", "~"].contains(line.first.map(String.init) ?? ""), "column 0 marker: \(line)")
        }

        let summary = directory + "/summary.md"
        _ = FileManager.default.createFile(atPath: summary, contents: Data())  // the runner creates it
        let applied = try CommandRunner.amlauth(
            ["apply", directory, "--auto-approve", "--json"], environment: ["GITHUB_STEP_SUMMARY": summary])
        #expect(applied.status == 0, "\(applied.stderr)")
        let report = try JSONParser.parse(applied.stdout)
        #expect(report["format_version"]?.numberValue == 2)
        #expect(report["summary"]?["add"]?.numberValue == 5)
        #expect(report["summary"]?["failed"]?.numberValue == 0)
        #expect(report["message"]?.stringValue?.hasPrefix("Apply complete: 5 added") == true)
        let page = try String(contentsOfFile: summary, encoding: .utf8)
        #expect(page.hasPrefix("### amlauth apply: `quickstart`\n\n**Apply complete: 5 added"), "\(page)")
        #expect(page.contains("| `+` | `RoleAssignment/scientists-read-workspace` | created |"))
    }
}
