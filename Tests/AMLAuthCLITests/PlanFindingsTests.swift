import Foundation
import TestSupport
import Testing
import WireFormat

/// Issue 13 item 8: findings made while planning (here AMLA001, a privileged role granted by hand
/// to a managed principal) reach every form a reviewer reads, and stdout holds the plan alone.
@Suite(.serialized)
struct PlanFindingsTests {
    static let contributor = "b24988ac-6180-42a0-ab88-20f7382dd24c"

    @Test func planTimeFindingsReachJSONMarkdownSummaryAndAnnotations() async throws {
        let directory = try WhoamiCommandTests.quickstart()
        defer { try? FileManager.default.removeItem(atPath: directory) }
        #expect(try CommandRunner.amlauth(["apply", directory, "--auto-approve"]).status == 0)
        try await LocalCloudAdmin.with(directory) {
            try await $0.grantByHand(Self.contributor, toApplicationNamed: "ml-auth")
        }

        let text = try CommandRunner.amlauth(["plan", directory], environment: ["GITHUB_ACTIONS": "true"])
        #expect(text.status == 0, "\(text.stderr)")
        #expect(!text.stdout.contains("AMLA001"), "stdout is the plan alone: \(text.stdout)")
        #expect(text.stdout.hasPrefix("amlauth plan for target 'quickstart'"))
        #expect(
            text.stderr.contains(
                "amlauth.yaml:16:7: warning[AMLA001]: service principal 'ml-auth' holds 'Contributor'"),
            "\(text.stderr)")
        #expect(text.stderr.contains("/amlauth.yaml,line=16,col=7,title=AMLA001 privileged-role::"), "\(text.stderr)")

        let json = try CommandRunner.amlauth(["plan", directory, "--json"])
        let document = try JSONParser.parse(json.stdout)
        let finding = try #require(document["diagnostics"]?.arrayValue?.first)
        #expect(finding["code"]?.stringValue == "AMLA001")
        #expect(finding["severity"]?.stringValue == "warning")
        #expect(finding["location"]?["line"]?.numberValue == 16)

        let summary = directory + "/summary.md"
        _ = FileManager.default.createFile(atPath: summary, contents: Data())  // the runner creates it
        let markdown = try CommandRunner.amlauth(
            ["plan", directory, "--markdown"], environment: ["GITHUB_STEP_SUMMARY": summary])
        #expect(
            markdown.stdout.contains("/amlauth.yaml:16:7`: service principal 'ml-auth' holds 'Contributor'"),
            "\(markdown.stdout)")
        let appended = try String(contentsOfFile: summary, encoding: .utf8)
        #expect(appended.contains("`AMLA001`"))

        // At error severity the plan still reaches the reviewer, with the finding, and exits 1.
        let target = directory + "/amlauth.yaml"
        try String(contentsOfFile: target, encoding: .utf8).replacingOccurrences(
            of: "  cloud: local", with: "  cloud: local\n  policy: {AMLA001: error}"
        ).write(toFile: target, atomically: true, encoding: .utf8)
        let failed = try CommandRunner.amlauth(["plan", directory, "--json"])
        #expect(failed.status == 1)
        #expect(
            try JSONParser.parse(failed.stdout)["diagnostics"]?.arrayValue?.first?["severity"]?.stringValue == "error")
        #expect(failed.stderr.contains("a policy check failed"))
    }
}
