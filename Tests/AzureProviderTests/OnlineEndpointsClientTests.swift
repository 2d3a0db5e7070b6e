import AMLAuthCore
import AzureProvider
import Foundation
import HTTPClient
import LocalCloud
import TestSupport
import Testing
import WireFormat

/// `OnlineEndpointsClient` against the local cloud over TLS: endpoints and deployments through
/// ARM long-running operations, keys, regeneration, tokens, scoring with what the client fetched.
@Suite(.serialized)
struct OnlineEndpointsClientTests {
    func workspaceID(_ connected: Connected) -> AzureResourceID {
        AzureResourceID(
            subscription: GUID(connected.subscription), resourceGroup: "ml-rg",
            providerNamespace: "Microsoft.MachineLearningServices",
            segments: [.init(type: "workspaces", name: "ml-example")])
    }

    /// POSTs to a scoring URI with a bearer credential; returns the status and body.
    func score(_ connected: Connected, _ uri: String, bearer: String) async throws -> HTTPResponse {
        try await connected.transport.send(
            HTTPRequest(
                method: "POST", url: uri,
                headers: [("Authorization", "Bearer \(bearer)"), ("Content-Type", "application/json")],
                body: Array("{\"data\":[1]}".utf8)))
    }

    @Test func endpointLifecycleThroughLongRunningOperations() async throws {
        // Operations end only by being polled, however slow the machine is.
        var options = LocalCloudOptions()
        options.operationSeconds = 3600
        let connected = try await Connected.start(options)
        defer { Task { await connected.stop() } }
        let manual = ManualRuntime()
        let client = OnlineEndpointsClient(
            pipeline: connected.pipeline(connected.bootstrapCredential(), runtime: manual.runtime),
            cloud: connected.cloud)
        let workspace = workspaceID(connected)
        let definition = OnlineEndpointDefinition(
            workspaceID: workspace, name: "ep-client", location: "westeurope", authMode: .key, compute: .managed,
            description: "made by the client", tags: ["amlauth.target": "test"])
        let endpoint = try await client.putOnlineEndpoint(definition)
        #expect(endpoint.provisioningState == "Succeeded")
        #expect(endpoint.authMode == .key)
        #expect(endpoint.compute == .managed)
        #expect(endpoint.tags["amlauth.target"] == "test")
        #expect(endpoint.description == "made by the client")
        #expect(endpoint.id == definition.id)
        // The poller followed Azure-AsyncOperation, honouring the service's Retry-After of 1 s.
        #expect(manual.sleeps.contains(1))
        let counters = connected.live.cloud.counters
        #expect(counters.total(matching: "mfeOperationsStatus") == 2)
        let kubernetes = try await client.putOnlineEndpoint(
            OnlineEndpointDefinition(
                workspaceID: workspace, name: "ep-k8s", location: "westeurope", authMode: .amlToken,
                compute: .kubernetes(computeID: workspace.child("computes", "aks-cluster-1"))))
        #expect(kubernetes.compute == .kubernetes(computeID: workspace.child("computes", "aks-cluster-1")))
        let listed = try await client.onlineEndpoints(workspaceID: workspace)
        #expect(Set(listed.map(\.name)) == ["ep-client", "ep-k8s"])

        // A deployment (with code uploaded first), then traffic to it, then the keys score.
        let codeID = try await CodeAssetSeeding.upload(
            CodeAssetsClient(pipeline: client.pipeline, cloud: client.cloud), workspace: workspace, name: "score")
        let deployment = try await client.putOnlineDeployment(
            OnlineDeploymentDefinition(
                endpointID: definition.id, name: "blue", location: "westeurope",
                model: workspace.description + "/models/sklearn/versions/1",
                environment: "azureml:AzureML-sklearn-1.5:1",
                codeID: codeID.description, scoringScript: "score.py", instanceType: "Standard_DS3_v2",
                instanceCount: 2))
        #expect(deployment.provisioningState == "Succeeded")
        #expect(deployment.endpointName == "ep-client")
        #expect(deployment.instanceCount == 2)
        #expect(deployment.scoringScript == "score.py")
        #expect(try await client.onlineDeployments(endpointID: definition.id).map(\.name) == ["blue"])
        var routed = definition
        routed.traffic = ["blue": 100]
        #expect(try await client.putOnlineEndpoint(routed).traffic == ["blue": 100])
        let keys = try await client.onlineEndpointKeys(id: definition.id)
        let uri = try #require(endpoint.scoringURI)
        #expect(try await score(connected, uri, bearer: keys.primaryKey).status == 200)

        // Rotation: a kept value, then a generated one; the old primary stops scoring.
        try await client.regenerateOnlineEndpointKey(id: definition.id, keyType: .secondary, keyValue: "kept-key")
        try await client.regenerateOnlineEndpointKey(id: definition.id, keyType: .primary, keyValue: nil)
        let rotated = try await client.onlineEndpointKeys(id: definition.id)
        #expect(rotated.secondaryKey == "kept-key")
        #expect(rotated.primaryKey != keys.primaryKey)
        #expect(try await score(connected, uri, bearer: keys.primaryKey).status == 401)
        #expect(try await score(connected, uri, bearer: "kept-key").status == 200)

        // Deletes wait for the Location operation; a second delete is success.
        routed.traffic = [:]
        _ = try await client.putOnlineEndpoint(routed)
        try await client.deleteOnlineDeployment(id: definition.id.child("deployments", "blue"))
        #expect(try await client.onlineDeployments(endpointID: definition.id).isEmpty)
        try await client.deleteOnlineEndpoint(id: definition.id)
        try await client.deleteOnlineEndpoint(id: definition.id)
        #expect(try await client.onlineEndpoints(workspaceID: workspace).map(\.name) == ["ep-k8s"])
        // No secret reached the verbose log.
        #expect(!connected.log.all.contains { $0.contains(keys.primaryKey) || $0.contains("kept-key") })
    }

    @Test func amlTokenAndTypedErrors() async throws {
        let connected = try await Connected.start()
        defer { Task { await connected.stop() } }
        let manual = ManualRuntime()
        let client = OnlineEndpointsClient(
            pipeline: connected.pipeline(connected.bootstrapCredential(), runtime: manual.runtime),
            cloud: connected.cloud)
        let workspace = workspaceID(connected)
        let definition = OnlineEndpointDefinition(
            workspaceID: workspace, name: "ep-token", location: "westeurope", authMode: .amlToken, compute: .managed)
        _ = try await client.putOnlineEndpoint(definition)
        let before = manual.now
        let token = try await client.onlineEndpointToken(id: definition.id)
        #expect(token.tokenType == "Bearer")
        #expect(token.expiresOn > before)
        #expect(token.refreshAfter < token.expiresOn)
        // Validation errors come back typed, naming the service's code and message.
        do {
            _ = try await client.putOnlineEndpoint(
                OnlineEndpointDefinition(
                    workspaceID: workspace, name: "ep-bad", location: "westeurope", authMode: .aadToken,
                    compute: .kubernetes(computeID: workspace.child("computes", "aks-cluster-1"))))
            Issue.record("aad_token on Kubernetes was accepted")
        } catch {
            #expect(error.status == 400)
            #expect(error.message.contains("AADToken"))
        }
        do {
            _ = try await client.putOnlineEndpoint(
                OnlineEndpointDefinition(
                    workspaceID: workspace, name: "ep-ghost", location: "westeurope", authMode: .key,
                    compute: .managed, traffic: ["ghost": 100]))
            Issue.record("traffic to an unknown deployment was accepted")
        } catch {
            #expect(error.status == 400)
            #expect(error.message.contains("'ghost'"))
        }
        do {
            _ = try await client.onlineEndpointKeys(id: workspace.child("onlineEndpoints", "missing"))
            Issue.record("keys of a missing endpoint")
        } catch {
            #expect(error.status == 404)
        }
        // A deployment needs its endpoint.
        do {
            _ = try await client.putOnlineDeployment(
                OnlineDeploymentDefinition(
                    endpointID: workspace.child("onlineEndpoints", "missing"), name: "blue", location: "westeurope"))
            Issue.record("deployment to a missing endpoint")
        } catch {
            #expect(error.status == 404)
        }
    }
}

/// `ARMPoller` on an operation that fails while provisioning: the status URL's `error` becomes
/// the thrown error, and the resource is left `Failed`.
@Suite(.serialized)
struct ARMPollerTests {
    @Test func aFailedOperationIsThrownWithTheServicesError() async throws {
        var options = LocalCloudOptions()
        options.onlineInstanceQuota = 4
        let connected = try await Connected.start(options)
        defer { Task { await connected.stop() } }
        let manual = ManualRuntime()
        let client = OnlineEndpointsClient(
            pipeline: connected.pipeline(connected.bootstrapCredential(), runtime: manual.runtime),
            cloud: connected.cloud)
        let workspace = AzureResourceID(
            subscription: GUID(connected.subscription), resourceGroup: "ml-rg",
            providerNamespace: "Microsoft.MachineLearningServices",
            segments: [.init(type: "workspaces", name: "ml-example")])
        let endpoint = OnlineEndpointDefinition(
            workspaceID: workspace, name: "ep-quota", location: "westeurope", authMode: .key, compute: .managed)
        _ = try await client.putOnlineEndpoint(endpoint)
        do {
            _ = try await client.putOnlineDeployment(
                OnlineDeploymentDefinition(
                    endpointID: endpoint.id, name: "big", location: "westeurope", instanceType: "Standard_DS3_v2",
                    instanceCount: 5))
            Issue.record("a deployment over quota succeeded")
        } catch {
            #expect(error.code == "QuotaExceeded")
            #expect(error.message.contains("quota allows 4"))
            #expect(error.target.contains("mfeOperationsStatus"))
        }
        let deployments = try await client.onlineDeployments(endpointID: endpoint.id)
        #expect(deployments.map(\.provisioningState) == ["Failed"])
        // Within quota, the same deployment succeeds.
        let fitting = try await client.putOnlineDeployment(
            OnlineDeploymentDefinition(
                endpointID: endpoint.id, name: "small", location: "westeurope", instanceType: "Standard_DS3_v2",
                instanceCount: 4))
        #expect(fitting.provisioningState == "Succeeded")
    }
}
