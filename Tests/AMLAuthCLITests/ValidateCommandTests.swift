import AMLAuthCLI
import Foundation
import TestSupport
import Testing

/// `amlauth validate` and `amlauth schema` through the real binary: exit codes, formats, paths.
struct ValidateCommandTests {
    static let environment = InvalidCorpusTests.environment

    @Test func quickstartIsValid() throws {
        let result = try CommandRunner.amlauth(["validate", "examples/quickstart"])
        #expect(result.status == 0, "\(result.stdout)")
        #expect(result.stdout.hasSuffix("0 errors, 0 warnings, 2 notes in 2 files (6 resources)\n"))
        #expect(!result.stdout.contains("\u{1B}["), "no colour when stdout is not a terminal")
    }

    @Test(arguments: ["examples/quickstart", "examples/multi-workspace", "examples/online-endpoints", "manifests"])
    func shippedManifestsValidateClean(_ path: String) throws {
        let result = try CommandRunner.amlauth(["validate", path, "--format", "json"], environment: Self.environment)
        #expect(result.status == 0)
        let report = try #require(try JSONSerialization.jsonObject(with: Data(result.stdout.utf8)) as? [String: Any])
        let summary = try #require(report["summary"] as? [String: Any])
        #expect(summary["errors"] as? Int == 0)
        #expect(summary["warnings"] as? Int == 0)
        #expect(report["valid"] as? Bool == true)
    }

    @Test func defaultsToTheCurrentDirectory() throws {
        let result = try CommandRunner.amlauth(["validate"], in: Paths.packageRoot + "/examples/quickstart")
        #expect(result.status == 0)
        #expect(result.stdout.contains("webservices.yaml:4:7: info[AMLA006]"))
    }

    @Test func errorsExitOneWithRelativePaths() throws {
        let absolute = Paths.fixtures + "/invalid/unknown-field-typo"
        let result = try CommandRunner.amlauth(["validate", absolute])
        #expect(result.status == 1)
        #expect(
            result.stdout.contains(
                "Tests/Fixtures/invalid/unknown-field-typo/svc.yaml:11:3: error[AMLA203]: unknown field 'token_auth_enable'"
            ))
        #expect(!result.stdout.contains(Paths.packageRoot))
    }

    @Test func jsonFormat() throws {
        let result = try CommandRunner.amlauth([
            "validate", "Tests/Fixtures/invalid/both-auth-modes", "--format", "json",
        ])
        #expect(result.status == 1)
        let report = try #require(try JSONSerialization.jsonObject(with: Data(result.stdout.utf8)) as? [String: Any])
        let diagnostics = try #require(report["diagnostics"] as? [[String: Any]])
        let error = try #require(diagnostics.first { $0["code"] as? String == "AMLA401" })
        let location = try #require(error["location"] as? [String: Any])
        #expect(location["file"] as? String == "Tests/Fixtures/invalid/both-auth-modes/svc.yaml")
        #expect(location["line"] as? Int == 11)
        #expect(location["column"] as? Int == 17)
    }

    @Test func githubActionsAnnotations() throws {
        let result = try CommandRunner.amlauth(
            ["validate", "Tests/Fixtures/invalid/both-auth-modes"], environment: ["GITHUB_ACTIONS": "true"])
        #expect(result.status == 1)
        #expect(
            result.stderr.contains(
                "::error file=Tests/Fixtures/invalid/both-auth-modes/svc.yaml,line=11,col=17,title=AMLA401 both-auth-modes::key auth and token auth cannot both be on"
            ))
        #expect(!result.stdout.contains("::error"), "annotations go to stderr, never into the report")
        #expect(result.stdout.contains("svc.yaml:11:17: error[AMLA401]"))
    }

    @Test func missingPathIsAClearError() throws {
        let result = try CommandRunner.amlauth(["validate", "no/such/dir"])
        #expect(result.status == 1)
        #expect(result.stdout.hasPrefix("error[AMLA104]: 'no/such/dir' does not exist\n"))
    }

    @Test func badOptionIsAUsageError() throws {
        let result = try CommandRunner.amlauth(["validate", "--format", "xml"])
        #expect(result.status == 64)
        #expect(result.stderr.contains("--format"))
    }

    @Test func secretsNeverReachTheOutput() throws {
        let result = try CommandRunner.amlauth(
            ["validate", "Tests/Fixtures/invalid/literal-secrets", "--format", "json"],
            environment: ["GITHUB_ACTIONS": "true"])
        #expect(result.status == 1)
        for secret in ["abc8Q~aBcDeFgHiJkLmNoPqRsTuVwXyZ0123456_-x", "correct horse", "MIIEowIBAAKCAQEA"] {
            #expect(!result.stdout.contains(secret) && !result.stderr.contains(secret))
        }
    }

    @Test func schemaCommandPrintsTheCommittedSchema() throws {
        let result = try CommandRunner.amlauth(["schema"])
        #expect(result.status == 0)
        #expect(result.stdout == (try Paths.read("manifests/amlauth.schema.json")))
    }

    @Test func helpListsTheCommands() throws {
        let result = try CommandRunner.amlauth(["--help"])
        #expect(result.status == 0)
        #expect(result.stdout.contains("validate"))
        #expect(result.stdout.contains("schema"))
    }
}
