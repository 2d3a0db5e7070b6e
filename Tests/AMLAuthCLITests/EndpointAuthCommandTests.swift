import Foundation
import TestSupport
import Testing

/// Issue 11: `token` and `keys` find online endpoints as well as web services, refuse the wrong
/// auth mode with the command that fits, and ask for `--kind` when a name is both.
struct EndpointAuthCommandTests {
    static func example(withWebservice: Bool) throws -> String {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent(
            "amlauth-endpoints-\(UUID().uuidString)"
        ).path
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        for file in ["amlauth.yaml", "endpoints.yaml", "score"] {
            try FileManager.default.copyItem(
                atPath: Paths.packageRoot + "/examples/online-endpoints/" + file, toPath: directory + "/" + file)
        }
        if withWebservice {
            let service = """
                apiVersion: amlauth/v1
                kind: Webservice
                metadata: {name: mnist-k8s}
                spec: {workspace: ml-example, compute_type: ACI, auth_enabled: true, models: [m:1], entry_script: \(Paths.packageRoot)/examples/quickstart/score.py, environment: sklearn-env:2}

                """
            try service.write(toFile: directory + "/webservice.yaml", atomically: true, encoding: .utf8)
        }
        return directory
    }

    @Test func aNameThatIsBothKindsNeedsKind() throws {
        let directory = try Self.example(withWebservice: true)
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let both = try CommandRunner.amlauth(["keys", "mnist-k8s", "--target", directory, "--show"])
        #expect(both.status == 1)
        #expect(both.stderr.contains("'mnist-k8s' is both a Webservice and an OnlineEndpoint"), "\(both.stderr)")
        #expect(both.stderr.contains("--kind online-endpoint"))
        // With the kind, the endpoint is chosen: asking it for a token says it uses keys.
        let token = try CommandRunner.amlauth(
            ["token", "mnist-k8s", "--target", directory, "--kind", "online-endpoint"])
        #expect(token.status == 1)
        #expect(token.stderr.contains("uses key auth: use 'amlauth keys mnist-k8s --show'"), "\(token.stderr)")
    }

    @Test func theWrongAuthModeNamesTheRightCommand() throws {
        let directory = try Self.example(withWebservice: false)
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let keys = try CommandRunner.amlauth(["keys", "mnist-managed", "--target", directory, "--show"])
        #expect(keys.status == 1)
        #expect(
            keys.stderr.contains("uses aml_token auth, not key: use 'amlauth token mnist-managed'"), "\(keys.stderr)")
        let missing = try CommandRunner.amlauth(["keys", "nothing", "--target", directory, "--show"])
        #expect(missing.stderr.contains("no Webservice or OnlineEndpoint named 'nothing'"), "\(missing.stderr)")
    }
}
