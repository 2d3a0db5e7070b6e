import AzureProvider
import Foundation
import HTTPClient
import LocalCloud
import LocalCloudServer
import Testing
import WireFormat

/// Someone working on a `cloud: local` Target's cloud by hand, as its bootstrap owner, between two
/// amlauth runs: the cloud is started in this process on the directory's data and stopped after.
struct LocalCloudAdmin {
    var graph: GraphClient
    var authorization: AuthorizationClient
    /// Polls operations every 50 ms.
    var machineLearning: MachineLearningClient
    var subscriptionID: String
    /// The test's own libcurl transport, trusting the cloud's CA (for scoring calls).
    var transport: CurlTransport
    /// Where this run of the cloud listens (`https://127.0.0.1:PORT`): a new port each start.
    var base: String

    /// Opens the cloud of the manifests in `directory` (seeding it when new) and runs `body`.
    static func with<T>(
        _ directory: String, seed: Seed = Seed(), _ body: (LocalCloudAdmin) async throws -> T
    ) async throws -> T {
        let running = try await RunningLocalCloud.start(
            try LocalCloudInstance.open(dataDirectory: directory + "/.amlauth/local-cloud", seed: seed))
        do {
            let (cloud, extras) = try AzureCloudEndpoints.parse(
                cloudFile: Array(await running.cloudFile.compact().utf8), path: "cloud")
            let transport = try CurlTransport(configuration: .init(extraCABundle: cloud.caCertificate))
            let owner = ClientSecretCredential(
                tenantID: extras.tenantID!, clientID: extras.bootstrapClientID!,
                secret: extras.bootstrapClientSecret!, source: "test")
            let pipeline = AzurePipeline(
                transport: transport,
                tokens: TokenCache(credential: owner, client: TokenClient(cloud: cloud, transport: transport)))
            var machineLearning = MachineLearningClient(pipeline: pipeline, cloud: cloud)
            machineLearning.pollInterval = 0.05
            let admin = LocalCloudAdmin(
                graph: GraphClient(pipeline: pipeline, cloud: cloud),
                authorization: AuthorizationClient(pipeline: pipeline, cloud: cloud),
                machineLearning: machineLearning, subscriptionID: extras.subscriptionID!, transport: transport,
                base: running.base)
            let result = try await body(admin)
            await running.stop()
            return result
        } catch {
            await running.stop()
            throw error
        }
    }

    /// Grants `roleGUID` on the subscription to the service principal of the application named
    /// `application`, outside amlauth.
    func grantByHand(_ roleGUID: String, toApplicationNamed application: String) async throws {
        let app = try #require(try await graph.applications(namedAnyOf: [application]).first)
        let principal = try #require(try await graph.servicePrincipal(appID: app.appID))
        _ = try await authorization.createRoleAssignment(
            scope: "/subscriptions/\(subscriptionID)", name: UUID().uuidString.lowercased(),
            roleDefinitionGUID: roleGUID, principalID: principal.id, principalType: "ServicePrincipal",
            description: nil)
    }
}
