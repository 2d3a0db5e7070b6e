import Foundation
import TestSupport
import Testing

/// Issue 13 item 14: a secret inside free text (a display name, a description) is a located error,
/// and no output of plan or validate quotes it.
@Suite(.serialized)
struct FreeTextSecretTests {
    @Test func secretsInsideFreeTextAreLocatedErrorsAndNeverEchoed() throws {
        let directory = try WhoamiCommandTests.quickstart()
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let clientSecret = "Xy78Q~aBcDeFgHiJkLmNoPqRsTuVwXyZ012345"
        let envSecret = "hunter2-Correct-Horse"
        let main = directory + "/amlauth.yaml"
        try String(contentsOfFile: main, encoding: .utf8).replacingOccurrences(
            of: "  display_name: ml-auth", with: "  display_name: \"temp \(clientSecret) remove later\""
        ).replacingOccurrences(
            of: "  scope: {workspace: ml-example}",
            with: "  scope: {workspace: ml-example}\n  description: \"uses AZURE_CLIENT_SECRET=\(envSecret) locally\""
        ).write(toFile: main, atomically: true, encoding: .utf8)

        for arguments in [["plan", directory], ["plan", directory, "--json"], ["validate", directory]] {
            let result = try CommandRunner.amlauth(arguments, environment: ["GITHUB_ACTIONS": "true"])
            #expect(result.status == 1, "\(arguments)")
            let everything = result.stdout + result.stderr
            #expect(!everything.contains(clientSecret) && !everything.contains(envSecret), "\(everything)")
            #expect(!everything.contains("Q~aBcDeFg") && !everything.contains("hunter2"), "no piece either")
        }
        let validate = try CommandRunner.amlauth(["validate", directory])
        #expect(
            validate.stdout.contains(
                "amlauth.yaml:19:17: error[AMLA305]: this value looks like text holding an Entra client secret"),
            "\(validate.stdout)")
        #expect(
            validate.stdout.contains(
                "amlauth.yaml:34:16: error[AMLA305]: this value looks like text holding a secret ('AZURE_CLIENT_SECRET=…')"
            ), "\(validate.stdout)")
    }
}
