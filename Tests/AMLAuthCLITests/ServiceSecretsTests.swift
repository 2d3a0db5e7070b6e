import Foundation
import TestSupport
import Testing
import WireFormat

/// Issue 13 item 13: `keys` and `token` mask secrets under GitHub Actions before printing them, and
/// can write them to a sink instead; item 16: they read only the YAML that can be amlauth's.
@Suite(.serialized)
struct ServiceSecretsTests {
    static func serviceKeys(_ directory: String) throws -> (primary: String, secondary: String) {
        let state = try JSONParser.parse(
            try String(contentsOfFile: directory + "/.amlauth/local-cloud/state.json", encoding: .utf8))
        let service = try #require(
            state["services"]?.arrayValue?.first { $0["name"]?.stringValue == "aci-service-1" })
        return (try #require(service["primaryKey"]?.stringValue), try #require(service["secondaryKey"]?.stringValue))
    }

    @Test func keysAndTokensAreMaskedFirstAndGoToSinks() throws {
        let directory = try WhoamiCommandTests.quickstart()
        defer { try? FileManager.default.removeItem(atPath: directory) }
        #expect(try CommandRunner.amlauth(["apply", directory, "--auto-approve"]).status == 0)
        let (primary, secondary) = try Self.serviceKeys(directory)
        let actions = ["GITHUB_ACTIONS": "true"]

        // Text: the masks come first, on the same stream, so the runner reads them before the keys.
        let text = try CommandRunner.amlauth(
            ["keys", "aci-service-1", "--target", directory, "--show"], environment: actions)
        #expect(text.status == 0, "\(text.stderr)")
        #expect(
            text.stdout
                == "::add-mask::\(primary)\n::add-mask::\(secondary)\nprimary:   \(primary)\nsecondary: \(secondary)\n")

        // JSON: stdout stays one document; the masks go to stderr.
        let json = try CommandRunner.amlauth(
            ["keys", "aci-service-1", "--target", directory, "--show", "--json"], environment: actions)
        #expect(try JSONParser.parse(json.stdout)["primary_key"]?.stringValue == primary)
        #expect(json.stderr.contains("::add-mask::\(primary)\n::add-mask::\(secondary)\n"))

        let token = try CommandRunner.amlauth(
            ["token", "aks-service-1", "--target", directory, "--json"], environment: actions)
        let accessToken = try #require(try JSONParser.parse(token.stdout)["access_token"]?.stringValue)
        #expect(token.stderr.contains("::add-mask::\(accessToken)\n"))
        let tokenText = try CommandRunner.amlauth(
            ["token", "aks-service-1", "--target", directory], environment: actions)
        #expect(tokenText.stdout.hasPrefix("::add-mask::eyJ"), "\(tokenText.stdout)")

        // Sinks: nothing secret on either stream, the file is the owner's only.
        let keysFile = directory + "/out/keys.json"
        let toFile = try CommandRunner.amlauth(
            ["keys", "aci-service-1", "--target", directory, "--sink", "file:\(keysFile)"])
        #expect(toFile.status == 0, "\(toFile.stderr)")
        #expect(toFile.stdout == "the keys of Webservice/aci-service-1 written to file:\(keysFile)\n")
        #expect(!toFile.stderr.contains(primary))
        let written = try JSONParser.parse(try String(contentsOfFile: keysFile, encoding: .utf8))
        #expect(written["secondary_key"]?.stringValue == secondary)
        let mode = try FileManager.default.attributesOfItem(atPath: keysFile)[.posixPermissions] as? Int
        #expect(mode == 0o600)

        let envFile = directory + "/out/token.env"
        let toEnv = try CommandRunner.amlauth(
            ["token", "aks-service-1", "--target", directory, "--sink", "env-file:\(envFile)"])
        #expect(toEnv.status == 0, "\(toEnv.stderr)")
        #expect(!toEnv.stdout.contains("eyJ"))
        #expect(try String(contentsOfFile: envFile, encoding: .utf8).hasPrefix("AMLAUTH_ACCESS_TOKEN=eyJ"))

        let outputFile = directory + "/github-output"
        _ = FileManager.default.createFile(atPath: outputFile, contents: Data())
        let toOutput = try CommandRunner.amlauth(
            ["keys", "aci-service-1", "--target", directory, "--sink", "github-output"],
            environment: ["GITHUB_ACTIONS": "true", "GITHUB_OUTPUT": outputFile])
        #expect(toOutput.status == 0, "\(toOutput.stderr)")
        #expect(!toOutput.stdout.contains(primary))
        #expect(toOutput.stderr.contains("::add-mask::\(primary)\n"))
        #expect(
            try String(contentsOfFile: outputFile, encoding: .utf8)
                == "primary-key=\(primary)\nsecondary-key=\(secondary)\n")

        #expect(
            try CommandRunner.amlauth(["keys", "aci-service-1", "--target", directory, "--sink", "s3:x"]).status == 64)
    }

    /// Item 16: foreign YAML below the manifests (a broken docker-compose file, a Kubernetes
    /// object) neither stops `whoami`, `keys` and `token` nor costs them a parse.
    @Test func serviceCommandsReadOnlyAmlauthYAML() throws {
        let directory = try WhoamiCommandTests.quickstart()
        defer { try? FileManager.default.removeItem(atPath: directory) }
        #expect(try CommandRunner.amlauth(["apply", directory, "--auto-approve"]).status == 0)
        try FileManager.default.createDirectory(
            atPath: directory + "/deploy/compose", withIntermediateDirectories: true)
        try "services:\n  scorer: {image: [unclosed\n".write(
            toFile: directory + "/deploy/compose/docker-compose.yaml", atomically: true, encoding: .utf8)
        let whoami = try CommandRunner.amlauth(["whoami", "--target", directory])
        #expect(whoami.status == 0, "\(whoami.stdout)\(whoami.stderr)")
        let keys = try CommandRunner.amlauth(["keys", "aci-service-1", "--target", directory, "--show"])
        #expect(keys.status == 0, "\(keys.stdout)\(keys.stderr)")
        // The Target's own file is enough for whoami.
        let byFile = try CommandRunner.amlauth(["whoami", "--target", directory + "/amlauth.yaml"])
        #expect(byFile.status == 0, "\(byFile.stdout)\(byFile.stderr)")
        #expect(byFile.stdout.contains("credential:    local cloud bootstrap owner"))

        // plan reads every file: a well-formed foreign document is skipped with a located note.
        try "services:\n  scorer: {image: contoso/scorer:1.4}\n".write(
            toFile: directory + "/deploy/compose/docker-compose.yaml", atomically: true, encoding: .utf8)
        let plan = try CommandRunner.amlauth(["plan", directory, "--detailed-exitcode"])
        #expect(plan.status == 0, "\(plan.stdout)\(plan.stderr)")
        let validate = try CommandRunner.amlauth(["validate", directory])
        #expect(validate.status == 0)
        #expect(
            validate.stdout.contains(
                "docker-compose.yaml:1:1: info[AMLA217]: skipped a document that is not an amlauth manifest (no apiVersion, kind, metadata or spec)"
            ), "\(validate.stdout)")
    }
}
