import Foundation
import HTTPClient
import TestSupport
import Testing
import WireFormat

/// Issue 11's "done when", through the binary against the local cloud: `examples/online-endpoints`
/// applies (a managed aml_token endpoint with a deployment taking all traffic, a Kubernetes key
/// endpoint, a token client and its custom token-reader role), a second plan is clean, and the
/// token client, logged in with the secret amlauth delivered to it, fetches a token and scores with
/// it, and may not fetch an endpoint's keys: the custom role is least privilege, enforced.
@Suite(.serialized)
struct OnlineEndpointsExampleTests {
    @Test func theExampleAppliesConvergesAndTheTokenClientScores() async throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent(
            "amlauth-endpoints-\(UUID().uuidString)"
        ).path
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: directory) }
        for file in ["amlauth.yaml", "endpoints.yaml", "score"] {
            try FileManager.default.copyItem(
                atPath: Paths.packageRoot + "/examples/online-endpoints/" + file, toPath: directory + "/" + file)
        }
        let apply = try CommandRunner.amlauth(["apply", directory, "--auto-approve"])
        #expect(apply.status == 0, "\(apply.stderr)")
        #expect(apply.stdout.contains("Apply complete: 6 added, 1 changed"), "\(apply.stdout)")
        let plan = try CommandRunner.amlauth(["plan", directory, "--detailed-exitcode"])
        #expect(plan.status == 0, "\(plan.stdout)\n\(plan.stderr)")
        #expect(!plan.stdout.contains("AMLA008") && !plan.stderr.contains("AMLA008"), "no broad role any more")
        try await expectDeploymentRunsTheUploadedCode(directory)

        // The token client logs in with its delivered secret (environment credentials come first).
        let sdkAuth = try JSONParser.parse(
            try String(contentsOfFile: directory + "/.secrets/scoring-client.json", encoding: .utf8))
        let client = [
            "AZURE_CLIENT_ID": try #require(sdkAuth["clientId"]?.stringValue),
            "AZURE_CLIENT_SECRET": try #require(sdkAuth["clientSecret"]?.stringValue),
            "AZURE_TENANT_ID": try #require(sdkAuth["tenantId"]?.stringValue),
        ]
        let token = try CommandRunner.amlauth(
            ["token", "mnist-managed", "--target", directory, "--json"], environment: client)
        #expect(token.status == 0, "\(token.stderr)")
        let accessToken = try #require(try JSONParser.parse(token.stdout)["access_token"]?.stringValue)

        // The custom role grants token/action and read only: the Kubernetes endpoint's keys are refused.
        let keys = try CommandRunner.amlauth(
            ["keys", "mnist-k8s", "--target", directory, "--show", "--json"], environment: client)
        #expect(keys.status != 0, "\(keys.stdout)")
        #expect(
            keys.stderr.contains("AuthorizationFailed") && keys.stderr.contains("listKeys/action"), "\(keys.stderr)")
        #expect(!keys.stdout.contains("primary_key"))

        let output = try CommandRunner.amlauth(["output", directory, "--json"])
        let endpoints = try JSONParser.parse(output.stdout)["onlineEndpoints"]?.arrayValue ?? []
        let scoring = try #require(
            endpoints.first { $0["name"]?.stringValue == "mnist-managed" }?["scoringUri"]?.stringValue)

        // The path the cloud reported, on this run's port (the cloud listens on a new port each start).
        let path = try #require(scoring.range(of: "/inference/")).lowerBound
        try await LocalCloudAdmin.with(directory) { admin in
            let scoring = admin.base + scoring[path...]
            let scored = try await admin.transport.send(
                HTTPRequest(
                    method: "POST", url: scoring,
                    headers: [("Authorization", "Bearer " + accessToken), ("Content-Type", "application/json")],
                    body: Array(#"{"data": [[0, 1]]}"#.utf8)))
            #expect(scored.status == 200, "\(String(decoding: scored.body, as: UTF8.self))")
            let refused = try await admin.transport.send(
                HTTPRequest(
                    method: "POST", url: scoring, headers: [("Authorization", "Bearer not-a-token")],
                    body: Array("{}".utf8)))
            #expect(refused.status == 401)
        }
    }

    /// The deployment names the code version its directory's digest names, that version's
    /// content holds score.py as it is on disk; then an edit plans an update (old → new digest),
    /// a plan saved before another edit is refused as stale, and the applied edit converges.
    private func expectDeploymentRunsTheUploadedCode(_ directory: String) async throws {
        let script = directory + "/score/score.py"
        let original = try #require(FileManager.default.contents(atPath: script))
        do {
            let state = try JSONParser.parse(
                try String(contentsOfFile: directory + "/.amlauth/local-cloud/state.json", encoding: .utf8))
            let deployment = try #require(state["onlineDeployments"]?.arrayValue?.first)
            let text = try #require(deployment["properties"]?.stringValue)
            let parsed = try JSONParser.parse(Array(text.utf8))
            let properties = try #require(parsed.objectValue)
            let code = try #require(properties.first { $0.0 == "codeConfiguration" }?.1)
            #expect(code["scoringScript"]?.stringValue == "score.py")
            let codeID = try #require(code["codeId"]?.stringValue)
            let version = try #require(state["codeVersions"]?.arrayValue?.first)
            #expect(codeID.hasSuffix("/codes/\(version["name"]?.stringValue ?? "?")/versions/1"))
            let blobs = state["blobContainers"]?.arrayValue?.flatMap { $0["blobs"]?.arrayValue ?? [] } ?? []
            let uploaded = try #require(blobs.first { $0["name"]?.stringValue == "score/score.py" })
            #expect(Base64.decode(uploaded["content"]?.stringValue ?? "") == [UInt8](original))
        }

        try (String(decoding: original, as: UTF8.self) + "\n# v2\n").write(
            toFile: script, atomically: true, encoding: .utf8)
        let saved = directory + "/plan.json"
        let plan = try CommandRunner.amlauth(["plan", directory, "-o", saved, "--detailed-exitcode"])
        #expect(plan.status == 2, "\(plan.stdout)\n\(plan.stderr)")
        #expect(plan.stdout.contains("~ OnlineDeployment/mnist-managed-blue"), "\(plan.stdout)")
        #expect(plan.stdout.contains("code: \"sha256:"), "\(plan.stdout)")

        // Edited again after the plan: the saved plan's upload is of content no longer there.
        try (String(decoding: original, as: UTF8.self) + "\n# v3\n").write(
            toFile: script, atomically: true, encoding: .utf8)
        let stale = try CommandRunner.amlauth(["apply", saved, "--auto-approve"])
        #expect(stale.status == 1)
        #expect(
            stale.stderr.contains("code directory 'score' of OnlineDeployment/mnist-managed-blue"), "\(stale.stderr)")

        let applied = try CommandRunner.amlauth(["apply", directory, "--auto-approve"])
        #expect(applied.status == 0, "\(applied.stdout)\n\(applied.stderr)")
        #expect(applied.stdout.contains("1 changed"), "\(applied.stdout)")
        let clean = try CommandRunner.amlauth(["plan", directory, "--detailed-exitcode"])
        #expect(clean.status == 0, "\(clean.stdout)\n\(clean.stderr)")
    }
}
