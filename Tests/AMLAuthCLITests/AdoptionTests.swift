import AMLAuthCore
import AzureProvider
import Foundation
import HTTPClient
import LocalCloud
import LocalCloudServer
import Testing
import TestSupport

/// An unowned object that matches a manifest is shown, never taken silently; --adopt takes it.
@Suite(.serialized)
struct AdoptionTests {
    @Test func unownedApplicationIsAdoptedOnlyWhenAsked() async throws {
        let directory = try WhoamiCommandTests.quickstart()
        defer { try? FileManager.default.removeItem(atPath: directory) }
        _ = try CommandRunner.amlauth(["whoami", "--target", directory])
        // Someone made an application called ml-auth by hand.
        let running = try await RunningLocalCloud.start(try LocalCloudInstance.open(dataDirectory: directory + "/.amlauth/local-cloud"))
        let (cloud, extras) = try AzureCloudEndpoints.parse(cloudFile: Array(await running.cloudFile.compact().utf8), path: "cloud")
        let transport = try CurlTransport(configuration: .init(extraCABundle: cloud.caCertificate))
        let credential = ClientSecretCredential(tenantID: extras.tenantID!, clientID: extras.bootstrapClientID!, secret: extras.bootstrapClientSecret!, source: "test")
        let graph = GraphClient(pipeline: AzurePipeline(transport: transport, tokens: TokenCache(credential: credential, client: TokenClient(cloud: cloud, transport: transport))), cloud: cloud)
        let handmade = try await graph.createApplication(displayName: "ml-auth", tags: ["team:ml"])
        await running.stop()

        let plan = try CommandRunner.amlauth(["plan", directory])
        #expect(plan.stdout.contains("an application named 'ml-auth' (appId \(handmade["appId"]!.stringValue!)) exists but amlauth does not own it; rerun with --adopt"))
        #expect(!plan.stdout.contains("+ ServicePrincipal/ml-auth"), "no second application with the same name")

        let adopted = try CommandRunner.amlauth(["apply", directory, "--auto-approve", "--adopt"])
        #expect(adopted.status == 0, "\(adopted.stdout)\(adopted.stderr)")
        #expect(adopted.stdout.contains("  <= ServicePrincipal/ml-auth"))
        let state = try JSONParser.parse(try String(contentsOfFile: directory + "/.amlauth/local-cloud/state.json", encoding: .utf8))
        let applications = state["applications"]?.arrayValue?.filter { $0["displayName"]?.stringValue == "ml-auth" } ?? []
        #expect(applications.count == 1)
        #expect(applications.first?["tags"]?.arrayValue?.compactMap(\.stringValue) == ["amlauth:quickstart", "amlauth:quickstart/ml-auth", "team:ml"])
        #expect(try CommandRunner.amlauth(["plan", directory, "--detailed-exitcode"]).status == 0)
    }
}
