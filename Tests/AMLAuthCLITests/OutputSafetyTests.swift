import AMLAuthCore
import Foundation
import TestSupport
import Testing
import WireFormat

/// What amlauth prints is safe to keep: reports stay parseable, workflow commands never land in a
/// report, no planted secret is echoed, and file names cannot forge lines or locations.
struct OutputSafetyTests {
    static let secretCases = InvalidCorpusTests.casesWithPlantedSecrets

    /// Lines the GitHub runner would run as workflow commands: `::cmd::` after leading blanks, or
    /// the legacy `##[cmd]` anywhere in a line.
    static func workflowCommandLines(_ text: String) -> [String] {
        text.split(omittingEmptySubsequences: true) { $0 == "\n" || $0 == "\r" }.map(String.init).filter {
            $0.drop { $0 == " " || $0 == "\t" }.hasPrefix("::") || $0.contains("##[")
        }
    }

    @Test func validateJSONUnderGitHubActionsIsValidJSON() throws {
        let result = try CommandRunner.amlauth(
            ["validate", "Tests/Fixtures/invalid/both-auth-modes", "--format", "json"],
            environment: ["GITHUB_ACTIONS": "true"])
        #expect(result.status == 1)
        let report = try JSONSerialization.jsonObject(with: Data(result.stdout.utf8)) as? [String: Any]
        #expect(report?["valid"] as? Bool == false, "stdout is exactly the JSON report:\n\(result.stdout)")
        #expect(
            result.stderr.contains("::error file=Tests/Fixtures/invalid/both-auth-modes/svc.yaml,line=11,col=17,"),
            "annotations go to stderr")
    }

    @Test(arguments: secretCases)
    func plantedSecretsReachNoStream(_ name: String) throws {
        let directory = "Tests/Fixtures/invalid/" + name
        let secrets = try String(
            contentsOfFile: Paths.packageRoot + "/" + directory + "/planted-secrets.txt", encoding: .utf8
        ).split(separator: "\n")
        for format in ["text", "json"] {
            let result = try CommandRunner.amlauth(
                ["validate", directory, "--format", format], environment: ["GITHUB_ACTIONS": "true"])
            #expect(result.status == 1)
            for secret in secrets {
                #expect(
                    !result.stdout.contains(secret) && !result.stderr.contains(secret),
                    "\(format): \(secret)\n\(result.stdout)\(result.stderr)")
            }
        }
    }

    @Test func applyJSONWithAGitHubOutputSinkKeepsThePasswordOutOfTheReport() throws {
        let directory = try WhoamiCommandTests.quickstart()
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let manifest = directory + "/amlauth.yaml"
        let text = try String(contentsOfFile: manifest, encoding: .utf8)
        #expect(text.contains("deliver_to: file:.secrets/ml-auth.json"))
        try text.replacingOccurrences(of: "deliver_to: file:.secrets/ml-auth.json", with: "deliver_to: github-output")
            .write(toFile: manifest, atomically: true, encoding: .utf8)
        let outputFile = directory + "/github-output.txt"
        try Data().write(to: URL(fileURLWithPath: outputFile))

        let result = try CommandRunner.amlauth(
            ["apply", directory, "--auto-approve", "--json"], environment: ["GITHUB_OUTPUT": outputFile])
        #expect(result.status == 0, "\(result.stdout)\(result.stderr)")
        let delivered = try String(contentsOfFile: outputFile, encoding: .utf8)
        let password = try #require(
            delivered.split(separator: "\n").first { $0.hasPrefix("client-secret=") }?.dropFirst("client-secret=".count)
        )
        #expect(
            !result.stdout.contains(password), "apply --json > report.json must not write the password into the file")
        #expect(!result.stdout.contains("::add-mask::"))
        let report = try JSONParser.parse(result.stdout)
        #expect(report["succeeded"]?.boolValue == true)
        #expect(result.stderr.contains("::add-mask::\(password)\n"), "the mask still reaches the runner, on stderr")
    }

    /// A file name with a newline, workflow-command syntax and `path:line:col` look-alikes.
    static let hostileNames = [
        "x\n::warning::injected.yaml", "spoof.yaml:1:1: note: fine.yaml", "##[error]legacy.yaml",
    ]

    @Test func fileNamesCannotInjectWorkflowCommandsOrSpoofLocations() throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent(
            "amlauth-names-\(UUID().uuidString)"
        ).path
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: directory) }
        for name in Self.hostileNames {
            try "apiVersion: amlauth/v1\nkind: Nope\nmetadata: {name: x}\nspec: {}\n".write(
                toFile: directory + "/" + name, atomically: true, encoding: .utf8)
        }

        let text = try CommandRunner.amlauth(["validate", "."], environment: ["GITHUB_ACTIONS": "true"], in: directory)
        #expect(text.status == 1)
        #expect(Self.workflowCommandLines(text.stdout).isEmpty, "\(text.stdout)")
        #expect(text.stdout.contains("x%0A%3A%3Awarning%3A%3Ainjected.yaml:2:7: error[AMLA202]"), "\(text.stdout)")
        #expect(text.stdout.contains("spoof.yaml%3A1%3A1%3A note%3A fine.yaml:2:7: error[AMLA202]"), "\(text.stdout)")
        #expect(!text.stdout.contains("spoof.yaml:1:1"))
        for line in Self.workflowCommandLines(text.stderr) {
            #expect(line.hasPrefix("::error file="), "only amlauth's own annotations: \(line)")
            #expect(!line.contains("::warning::"))
        }

        let json = try CommandRunner.amlauth(["validate", ".", "--format", "json"], in: directory)
        #expect(Self.workflowCommandLines(json.stdout).isEmpty, "\(json.stdout)")
        let report = try #require(try JSONSerialization.jsonObject(with: Data(json.stdout.utf8)) as? [String: Any])
        let files = Set(
            ((report["diagnostics"] as? [[String: Any]]) ?? []).compactMap {
                ($0["location"] as? [String: Any])?["file"] as? String
            })
        #expect(files == Set(Self.hostileNames), "JSON keeps the exact names, escaped as JSON")
    }
}
