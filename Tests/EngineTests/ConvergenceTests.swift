import AMLAuthCore
import AuthCrypto
import AzureProvider
import Engine
import Foundation
import HTTPClient
import LocalCloud
import Synchronization
import Testing
import TestSupport

/// Apply converges under injected faults and replication delay, and never duplicates objects.
@Suite(.serialized)
struct ConvergenceTests {
    final class Recorder: ApplyObserver {
        let lines = Mutex<[String]>([])
        func started(_ change: Change) {}
        func finished(_ change: Change, _ outcome: ChangeOutcome, seconds: Double) { lines.withLock { $0.append("\(change.address) \(outcome)") } }
    }

    @Test func quickstartConvergesUnderFaults() async throws {
        var options = LocalCloudOptions()
        options.faults = try FaultPlan(parsing: "429=0.2,500=0.05,reset=0.02,seed=5")
        options.replicationDelay = 20
        let live = try await LiveCloud.start(options: options)
        defer { Task { await live.stopAndRemove() } }
        let (cloud, extras) = try AzureCloudEndpoints.parse(cloudFile: Array(await live.cloudFile.compact().utf8), path: "cloud")
        let subscription = try #require(extras.subscriptionID.flatMap(GUID.init))
        let files = try ["amlauth.yaml", "webservices.yaml"].map { SourceFile(path: $0, bytes: Array(try Paths.read("examples/quickstart/\($0)").utf8)) }
        let manifests = ManifestValidation(environment: [:]).run(files).manifests
        let desired = DesiredState.resolve(manifests, target: "quickstart", subscriptionID: subscription)

        // Retries wait on a virtual clock: the test does not sleep through Retry-After.
        let virtual = Mutex<Double>(Date().timeIntervalSince1970)
        let runtime = Runtime(now: { virtual.withLock { $0 } }, sleep: { seconds in virtual.withLock { $0 += seconds } }, random: { $0 / 2 })
        var retry = RetryPolicy()
        retry.maxAttempts = 8
        let transport = try CurlTransport(configuration: .init(extraCABundle: cloud.caCertificate))
        let credential = ClientSecretCredential(tenantID: extras.tenantID!, clientID: extras.bootstrapClientID!, secret: extras.bootstrapClientSecret!, source: "test")
        let pipeline = AzurePipeline(transport: transport, tokens: TokenCache(credential: credential, client: TokenClient(cloud: cloud, transport: transport, runtime: runtime, retry: retry)), runtime: runtime, retry: retry)
        let graph = GraphClient(pipeline: pipeline, cloud: cloud)
        let authorization = AuthorizationClient(pipeline: pipeline, cloud: cloud)
        var machineLearning = MachineLearningClient(pipeline: pipeline, cloud: cloud)
        machineLearning.pollInterval = 0
        let sinks = FileManager.default.temporaryDirectory.appendingPathComponent("amlauth-sinks-\(UUID().uuidString)").path
        defer { try? FileManager.default.removeItem(atPath: sinks) }
        let delivery = SecretDelivery(baseDirectory: sinks, cloud: cloud, environment: [:], workflowCommands: { _ in })
        let reader = LiveStateReader(graph: graph, authorization: authorization, machineLearning: machineLearning)
        let operations = Operations(graph: graph, authorization: authorization, machineLearning: machineLearning, delivery: delivery, tenantID: extras.tenantID!, runtime: runtime)

        var runs = 0
        var converged = false
        while runs < 8, !converged {
            runs += 1
            guard let state = try? await reader.read(desired, delivery: delivery) else { continue }  // a read may fail under faults; try again
            let plan = Planner(options: .init(now: runtime.now())).plan(desired, state)
            if !plan.hasChanges {
                converged = true
                break
            }
            _ = await Executor(operations: operations, parallelism: 4).apply(plan, desired: desired, live: state, observer: Recorder())
        }
        #expect(converged, "converged after \(runs) runs")
        #expect(live.cloud.counters.total() > 0)
        let stored = await live.cloud.store.state
        #expect(stored.applications.filter { $0.tags.contains("amlauth:quickstart/ml-auth") }.count == 1, "no duplicate application")
        #expect(stored.applications.first { $0.tags.contains("amlauth:quickstart/ml-auth") }?.passwordCredentials.count == 1, "no orphaned undelivered password")
        #expect(stored.roleAssignments.filter { $0.description?.hasPrefix("managed by amlauth: quickstart/") == true }.count == 1)
        #expect(stored.services.count == 2)
    }
}

/// A rotation that finds several passwords of one credential (an earlier rotation was cut short)
/// leaves exactly the new one.
@Suite(.serialized)
struct RotationCleanupTests {
    @Test func rotatingOverLeftoverPasswordsLeavesOne() async throws {
        let live = try await LiveCloud.start()
        defer { Task { await live.stopAndRemove() } }
        let (cloud, extras) = try AzureCloudEndpoints.parse(cloudFile: Array(await live.cloudFile.compact().utf8), path: "cloud")
        let subscription = try #require(extras.subscriptionID.flatMap(GUID.init))
        let sinks = FileManager.default.temporaryDirectory.appendingPathComponent("amlauth-rot-\(UUID().uuidString)").path
        defer { try? FileManager.default.removeItem(atPath: sinks) }
        let manifest = """
            apiVersion: amlauth/v1
            kind: Target
            metadata: {name: t}
            spec: {cloud: local}
            ---
            apiVersion: amlauth/v1
            kind: ServicePrincipal
            metadata: {name: sp}
            spec:
              credentials:
                - {name: ci, type: password, lifetime: 30d, renew_before: 10d, deliver_to: "file:sp.json"}
            """
        let desired = DesiredState.resolve(ManifestValidation(environment: [:]).run([SourceFile(path: "m.yaml", bytes: Array(manifest.utf8))]).manifests, target: "t", subscriptionID: subscription)
        let transport = try CurlTransport(configuration: .init(extraCABundle: cloud.caCertificate))
        let credential = ClientSecretCredential(tenantID: extras.tenantID!, clientID: extras.bootstrapClientID!, secret: extras.bootstrapClientSecret!, source: "test")
        let pipeline = AzurePipeline(transport: transport, tokens: TokenCache(credential: credential, client: TokenClient(cloud: cloud, transport: transport)))
        let graph = GraphClient(pipeline: pipeline, cloud: cloud)
        let delivery = SecretDelivery(baseDirectory: sinks, cloud: cloud, environment: [:], workflowCommands: { _ in })
        let reader = LiveStateReader(graph: graph, authorization: AuthorizationClient(pipeline: pipeline, cloud: cloud), machineLearning: MachineLearningClient(pipeline: pipeline, cloud: cloud))
        let operations = Operations(graph: graph, authorization: AuthorizationClient(pipeline: pipeline, cloud: cloud), machineLearning: MachineLearningClient(pipeline: pipeline, cloud: cloud), delivery: delivery, tenantID: extras.tenantID!)
        func apply() async throws -> ApplyResult {
            let state = try await reader.read(desired, delivery: delivery)
            let plan = Planner(options: .init(now: Date().timeIntervalSince1970)).plan(desired, state)
            return await Executor(operations: operations).apply(plan, desired: desired, live: state, observer: ConvergenceTests.Recorder())
        }
        #expect(try await apply().failed == false)
        // Two more passwords of the same credential that no sink received (a cut-short rotation):
        // the newest is undelivered, so apply rotates and must remove all three older ones once.
        let application = try #require(try await graph.applications(taggedWith: "amlauth:t/sp").first?["id"]?.stringValue)
        let later = Date(timeIntervalSinceNow: 40 * 86_400).ISO8601Format()
        _ = try await graph.addPassword(applicationID: application, displayName: "amlauth:ci:2", endDateTime: later)
        _ = try await graph.addPassword(applicationID: application, displayName: "amlauth:ci:3", endDateTime: later)
        let result = try await apply()
        #expect(!result.failed, "\(result.outcomes)")
        let passwords = try #require(try await graph.applications(taggedWith: "amlauth:t/sp").first?["passwordCredentials"]?.arrayValue)
        #expect(passwords.map { $0["displayName"]?.stringValue } == ["amlauth:ci:4"])
        #expect(delivery.deliveredKeyID(.file("sp.json")) == passwords.first?["keyId"]?.stringValue)
    }
}
