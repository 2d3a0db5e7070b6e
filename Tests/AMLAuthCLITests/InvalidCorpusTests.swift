import AMLAuthCLI
import AMLAuthCore
import Foundation
import TestSupport
import Testing

/// Every directory under `Tests/Fixtures/invalid/` is a flawed manifest set a user could write, with the
/// exact output `amlauth validate` must print for it in `expected.txt`.
/// `UPDATE_GOLDENS=1 swift test --filter InvalidCorpusTests` rewrites the goldens.
struct InvalidCorpusTests {
    static let root = Paths.fixtures + "/invalid"
    static let environment = [
        "AZURE_TENANT_ID": "72f988bf-86f1-41af-91ab-2d7cd011db47",
        "AZURE_SUBSCRIPTION_ID": "a925f2f7-5c63-4b7b-8799-25a5f97bc3b2",
    ]

    static let cases: [String] = {
        (try? FileManager.default.contentsOfDirectory(atPath: root).sorted()) ?? []
    }()

    static func run(_ name: String, format: ValidateRun.Format = .text) -> ValidateRun.Outcome {
        ValidateRun(paths: ["."], format: format, environment: environment, workingDirectory: root + "/" + name).run()
    }

    @Test func corpusIsLargeEnough() {
        #expect(Self.cases.count >= 40)
    }

    @Test(arguments: cases)
    func matchesGolden(_ name: String) {
        let outcome = Self.run(name)
        if let failure = Golden.check(outcome.output, against: Self.root + "/\(name)/expected.txt") {
            Issue.record(Comment(rawValue: failure))
        }
        #expect(!outcome.diagnostics.isEmpty, "every corpus case has something to report")
        let hasError = outcome.diagnostics.contains { $0.severity == .error }
        #expect(outcome.exitCode == (hasError ? 1 : 0), "exit 1 exactly when there is an error")
    }

    @Test(arguments: cases)
    func everyErrorIsLocatedWhenItComesFromAFile(_ name: String) {
        for diagnostic in Self.run(name).diagnostics where diagnostic.code != .unreadableInput {
            #expect(diagnostic.location != nil, "\(diagnostic.code.rawValue) \(diagnostic.message)")
        }
    }

    /// Cases that plant secrets list them in `planted-secrets.txt` (not a manifest, so not read by
    /// validate); none may appear in any output form, GitHub annotations included.
    static let casesWithPlantedSecrets: [String] = cases.filter {
        FileManager.default.fileExists(atPath: root + "/\($0)/planted-secrets.txt")
    }

    @Test(arguments: casesWithPlantedSecrets)
    func plantedSecretsNeverAppearInAnyOutputForm(_ name: String) throws {
        let secrets = try String(contentsOfFile: Self.root + "/\(name)/planted-secrets.txt", encoding: .utf8).split(
            separator: "\n"
        ).map(String.init)
        var github = Self.environment
        github["GITHUB_ACTIONS"] = "true"
        for format in ValidateRun.Format.allCases {
            let outcome = ValidateRun(
                paths: ["."], format: format, environment: github, workingDirectory: Self.root + "/" + name
            ).run()
            let everything =
                outcome.output
                + outcome.diagnostics.map { "\($0.message) \($0.hint ?? "") \($0.notes.map(\.message))" }.joined()
            for secret in secrets {
                #expect(!everything.contains(secret), "\(format): '\(secret)' in\n\(outcome.output)")
            }
        }
    }

    @Test func coversEveryValidateTimeCode() throws {
        var seen: Set<DiagnosticCode> = []
        for name in Self.cases {
            for diagnostic in Self.run(name).diagnostics { seen.insert(diagnostic.code) }
        }
        let missing = DiagnosticCode.allCases.filter { !$0.needsLiveState && !seen.contains($0) }
        #expect(missing.isEmpty, "codes with no corpus case: \(missing.map(\.rawValue))")
    }
}
