import AMLAuthCore
import AuthCrypto
import AzureProvider
import Engine
import Foundation
import HTTPClient
import LocalCloud
import LocalCloudServer
import WireFormat

/// Plan-time cost at 100 / 1,000 / 10,000 role assignments: amlauth's reader (one paged list per
/// scope) against a baseline that reads one assignment per request, in the same run.
enum AssignmentsCase {
    static func run(_ sizes: [Int]) async throws {
        var rows: [String] = []
        for size in sizes.isEmpty ? [100, 1_000, 10_000] : sizes {
            rows.append(try await measure(size))
        }
        print("| assignments | amlauth plan (s) | requests | baseline: one GET each (s) | requests | time ratio |")
        print("|---:|---:|---:|---:|---:|---:|")
        for row in rows { print(row) }
    }

    static func measure(_ count: Int) async throws -> String {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent(
            "amlauth-bench-\(UUID().uuidString)"
        ).path
        defer { try? FileManager.default.removeItem(atPath: directory) }
        var options = LocalCloudOptions()
        options.armPageSize = 1_000
        let running = try await RunningLocalCloud.start(
            try LocalCloudInstance.open(dataDirectory: directory, options: options))
        let (cloud, extras) = try AzureCloudEndpoints.parse(
            cloudFile: Array(await running.cloudFile.compact().utf8), path: "cloud")
        let subscription = GUID(extras.subscriptionID!)!
        let workspace =
            "/subscriptions/\(subscription)/resourceGroups/ml-rg/providers/Microsoft.MachineLearningServices/workspaces/ml-example"
        let groups = (0..<count).map { _ in SecureRandom.uuid() }
        let names = (0..<count).map { _ in SecureRandom.uuid() }
        try await running.instance.cloud.store.write { state in
            for index in 0..<count {
                state.directoryObjects.append(
                    DirectoryObjectRecord(id: groups[index], type: "Group", displayName: "g\(index)"))
                state.roleAssignments.append(
                    RoleAssignmentRecord(
                        name: names[index], scope: workspace, roleDefinitionID: RoleReference.reader.guid.value,
                        principalID: groups[index],
                        principalType: "Group", description: "managed by amlauth: bench/ra-\(index)", createdOn: 0,
                        createdBy: "bench"))
            }
        }
        var manifests =
            "apiVersion: amlauth/v1\nkind: Target\nmetadata: {name: bench}\nspec: {cloud: local}\n---\napiVersion: amlauth/v1\nkind: Workspace\nmetadata: {name: ml-example}\nspec: {resource_group: ml-rg}\n"
        for index in 0..<count {
            manifests +=
                "---\napiVersion: amlauth/v1\nkind: RoleAssignment\nmetadata: {name: ra-\(index)}\nspec: {principal: {object_id: \(groups[index]), type: Group}, role: Reader, scope: {workspace: ml-example}}\n"
        }
        let manifestSet = ManifestValidation(environment: [:]).run([
            SourceFile(path: "bench.yaml", bytes: Array(manifests.utf8))
        ]).manifests
        let desired = DesiredState.resolve(manifestSet, target: "bench", subscriptionID: subscription)

        let transport = try CurlTransport(configuration: .init(extraCABundle: cloud.caCertificate))
        let credential = ClientSecretCredential(
            tenantID: extras.tenantID!, clientID: extras.bootstrapClientID!, secret: extras.bootstrapClientSecret!,
            source: "bench")
        let tokens = TokenCache(credential: credential, client: TokenClient(cloud: cloud, transport: transport))
        _ = try await tokens.token(audience: cloud.resourceManagerAudience)
        _ = try await tokens.token(audience: cloud.microsoftGraphAudience)
        let pipeline = AzurePipeline(transport: transport, tokens: tokens)
        let authorization = AuthorizationClient(pipeline: pipeline, cloud: cloud)
        let reader = LiveStateReader(provider: Provider(pipeline: pipeline, cloud: cloud))
        let counters = running.instance.cloud.counters

        counters.reset()
        let started = ContinuousClock.now
        let plan = try await Reconciliation.plan(
            manifestSet, desired: desired, reader: reader, delivery: nil,
            options: .init(now: Date().timeIntervalSince1970)
        ).plan
        let planTime = ContinuousClock.now - started
        let planRequests = counters.total()
        precondition(!plan.hasChanges, "the benchmark set must be in sync")

        counters.reset()
        let baselineStarted = ContinuousClock.now
        // The baseline: what a per-resource refresh does (Terraform reads each resource).
        for name in names { _ = try await authorization.getRoleAssignment(scope: workspace, name: name) }
        let baselineTime = ContinuousClock.now - baselineStarted
        let baselineRequests = counters.total()
        await running.stop()

        let ratio = seconds(baselineTime) / max(seconds(planTime), 1e-9)
        return
            "| \(count) | \(String(format: "%.2f", seconds(planTime))) | \(planRequests) | \(String(format: "%.2f", seconds(baselineTime))) | \(baselineRequests) | \(String(format: "%.1f", ratio))× faster |"
    }
}
