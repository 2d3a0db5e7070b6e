import AMLAuthCore
import Foundation
import TestSupport
import Testing
import WireFormat

/// `amlauth plan` through the binary against the quickstart's in-process local cloud.
@Suite(.serialized)
struct PlanCommandTests {
    @Test func freshCloudPlansEveryResourceInEveryFormat() throws {
        let directory = try WhoamiCommandTests.quickstart()
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let text = try CommandRunner.amlauth(["plan", directory])
        #expect(text.status == 0, "\(text.stderr)")
        for line in [
            "  + ServicePrincipal/ml-auth", "  + RoleAssignment/ml-auth-reads-workspace",
            "  + Webservice/aci-service-1", "  + Webservice/aks-service-1",
            "      password.ci: (sensitive) new, expires in 90d, delivered to file:.secrets/ml-auth.json",
        ] {
            #expect(text.stdout.contains(line + "\n"), "\(line)")
        }
        #expect(text.stdout.hasSuffix("Plan: 4 to add, 0 to change, 0 to replace, 0 to destroy, 0 to rotate.\n"))

        #expect(try CommandRunner.amlauth(["plan", directory, "--detailed-exitcode"]).status == 2)

        let json = try CommandRunner.amlauth(["plan", directory, "--json"])
        let document = try JSONParser.parse(json.stdout)
        #expect(document["summary"]?["add"]?.numberValue == 4)
        #expect(
            document["changes"]?.arrayValue?.map { $0["action"]?.stringValue } == [
                "create", "create", "create", "create",
            ])

        let summaryFile = directory + "/summary.md"
        _ = FileManager.default.createFile(atPath: summaryFile, contents: Data("# earlier step\n".utf8))
        let markdown = try CommandRunner.amlauth(
            ["plan", directory, "--markdown", "-o", directory + "/plan.json"],
            environment: ["GITHUB_STEP_SUMMARY": summaryFile])
        #expect(markdown.stdout.contains("| `+` | `ServicePrincipal/ml-auth` | create |"))
        let appended = try String(contentsOfFile: summaryFile, encoding: .utf8)
        #expect(appended.hasPrefix("# earlier step\n### amlauth plan: `quickstart`"))
        let saved = try JSONParser.parse(try String(contentsOfFile: directory + "/plan.json", encoding: .utf8))
        #expect(saved["manifest_digest"]?.stringValue?.hasPrefix("sha256:") == true)
        #expect(
            saved["fingerprints"]?.objectValue?.isEmpty == false,
            "the workspace's services and the owner's assignment were read")
        #expect(saved["options"]?["prune"]?.boolValue == false)
        #expect(saved["created_at"]?.stringValue != nil)
    }

    @Test func invalidManifestsStopBeforeAnyRequest() throws {
        let result = try CommandRunner.amlauth(["plan", "Tests/Fixtures/invalid/both-auth-modes"])
        #expect(result.status == 1)
        #expect(result.stdout.contains("error[AMLA401]"))
    }

    @Test func noSecretInAnyOutput() throws {
        let directory = try WhoamiCommandTests.quickstart()
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let result = try CommandRunner.amlauth(["plan", directory, "--verbose"])
        let state = try JSONParser.parse(
            try String(contentsOfFile: directory + "/.amlauth/local-cloud/state.json", encoding: .utf8))
        let secret = try #require(state["bootstrapClientSecret"]?.stringValue)
        #expect(!result.stdout.contains(secret) && !result.stderr.contains(secret))
        #expect(!result.stderr.contains("eyJ"), "no token in the verbose log")
        #expect(result.stderr.contains("→ 200"))
    }
}
