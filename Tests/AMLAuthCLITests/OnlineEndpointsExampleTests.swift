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
        for file in ["amlauth.yaml", "endpoints.yaml"] {
            try FileManager.default.copyItem(
                atPath: Paths.packageRoot + "/examples/online-endpoints/" + file, toPath: directory + "/" + file)
        }
        let apply = try CommandRunner.amlauth(["apply", directory, "--auto-approve"])
        #expect(apply.status == 0, "\(apply.stderr)")
        #expect(apply.stdout.contains("Apply complete: 6 added, 1 changed"), "\(apply.stdout)")
        let plan = try CommandRunner.amlauth(["plan", directory, "--detailed-exitcode"])
        #expect(plan.status == 0, "\(plan.stdout)\n\(plan.stderr)")
        #expect(!plan.stdout.contains("AMLA008") && !plan.stderr.contains("AMLA008"), "no broad role any more")

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
}
