import AMLAuthCore
import AzureProvider
import Foundation
import LocalCloud
import TestSupport
import Testing
import WireFormat

/// Request-shape parity with azure-ai-ml: `Tests/Conformance/test_azure_ai_ml.py` records the
/// shapes the SDK sends for each endpoint operation in `Tests/Fixtures/parity/
/// azure-ai-ml-online-endpoints.json` (and fails when the SDK changes them); here
/// `OnlineEndpointsClient` performs the same operations and must send the same method, path,
/// api-version and token audience, and no query parameter or body field the SDK does not send.
@Suite(.serialized)
struct OnlineEndpointsParityTests {
    struct Shape: Equatable, CustomStringConvertible {
        var method: String
        var path: String
        var apiVersion: String?
        var query: Set<String>
        var body: Set<String>
        var audience: String?

        var description: String {
            "\(method) \(path) api-version=\(apiVersion ?? "-") query=\(query.sorted()) body=\(body.sorted()) audience=\(audience ?? "-")"
        }

        init(_ json: JSONValue) {
            method = json["method"]?.stringValue ?? ""
            path = json["path"]?.stringValue ?? ""
            apiVersion = json["apiVersion"]?.stringValue
            query = Set(json["query"]?.arrayValue?.compactMap(\.stringValue) ?? [])
            body = Set(json["body"]?.arrayValue?.compactMap(\.stringValue) ?? [])
            audience = json["audience"]?.stringValue
        }

        init(_ entry: RequestLog.Entry) {
            method = entry.method
            path = entry.path.range(of: "/providers/").map { String(entry.path[$0.lowerBound...]) } ?? entry.path
            apiVersion = entry.apiVersion
            query = Set(entry.queryNames)
            body = Set(entry.bodyShape)
            audience = entry.audience
        }
    }

    static let armAudiences: Set<String> = ["https://management.azure.com/", "https://management.core.windows.net/"]

    static func recorded() throws -> [String: Shape] {
        let text = try Paths.read("Tests/Fixtures/parity/azure-ai-ml-online-endpoints.json")
        let json = try JSONParser.parse(Array(text.utf8))
        var shapes: [String: Shape] = [:]
        for (_, group) in json.objectValue ?? [] {
            for (name, shape) in group.objectValue ?? [] { shapes[name] = Shape(shape) }
        }
        return shapes
    }

    func expectSameShape(_ name: String, _ sdk: Shape?, _ ours: Shape?) {
        guard let sdk, let ours else {
            Issue.record(
                "\(name): missing a shape (sdk: \(String(describing: sdk)), ours: \(String(describing: ours)))")
            return
        }
        #expect(ours.method == sdk.method, "\(name)")
        #expect(ours.path == sdk.path, "\(name)")
        #expect(ours.apiVersion == sdk.apiVersion, "\(name)")
        // azure-ai-ml asks for the cloud's resource-manager URL (here the local origin, recorded
        // as `{resourceManager}`; in the public cloud `https://management.azure.com/`), amlauth for
        // the cloud's ARM audience: both are ARM's.
        if sdk.audience == "{resourceManager}" {
            #expect(Self.armAudiences.contains(ours.audience ?? ""), "\(name): \(ours)")
        } else {
            #expect(ours.audience == sdk.audience, "\(name): \(ours) vs \(sdk)")
        }
        #expect(ours.query.isSubset(of: sdk.query), "\(name): \(ours) vs \(sdk)")
        #expect(
            ours.body.isSubset(of: sdk.body), "\(name): \(ours.body.subtracting(sdk.body).sorted()) not sent by the SDK"
        )
    }

    @Test func theClientSendsWhatAzureAIMLSends() async throws {
        let sdk = try Self.recorded()
        let connected = try await Connected.start()
        defer { Task { await connected.stop() } }
        let client = OnlineEndpointsClient(
            pipeline: connected.pipeline(connected.bootstrapCredential(), runtime: ManualRuntime().runtime),
            cloud: connected.cloud)
        let log = connected.live.cloud.requestLog
        let workspace = AzureResourceID(
            subscription: GUID(connected.subscription), resourceGroup: "ml-rg",
            providerNamespace: "Microsoft.MachineLearningServices",
            segments: [.init(type: "workspaces", name: "ml-example")])
        func sent(_ method: String, _ suffix: String, _ action: () async throws -> Void) async throws -> Shape? {
            log.reset()
            try await action()
            return log.all.first { $0.method == method && $0.path.hasSuffix(suffix) }.map(Shape.init)
        }
        let key = OnlineEndpointDefinition(
            workspaceID: workspace, name: "sdk-key", location: "westeurope", authMode: .key, compute: .managed,
            tags: ["made-by": "amlauth"])
        expectSameShape(
            "put_endpoint", sdk["put_endpoint"],
            try await sent("PUT", "/onlineEndpoints/sdk-key") { _ = try await client.putOnlineEndpoint(key) })
        expectSameShape(
            "list_endpoints", sdk["list_endpoints"],
            try await sent("GET", "/onlineEndpoints") { _ = try await client.onlineEndpoints(workspaceID: workspace) })
        expectSameShape(
            "list_deployments", sdk["list_deployments"],
            try await sent("GET", "/onlineEndpoints/sdk-key/deployments") {
                _ = try await client.onlineDeployments(endpointID: key.id)
            })
        expectSameShape(
            "list_keys", sdk["list_keys"],
            try await sent("POST", "/onlineEndpoints/sdk-key/listKeys") {
                _ = try await client.onlineEndpointKeys(id: key.id)
            })
        let codeID = try await CodeAssetSeeding.upload(
            CodeAssetsClient(pipeline: client.pipeline, cloud: client.cloud), workspace: workspace, name: "score")
        let definition = OnlineDeploymentDefinition(
            endpointID: key.id, name: "blue", location: "westeurope",
            model: workspace.description + "/models/sklearn-model/versions/1",
            environment: workspace.description + "/environments/sklearn-env/versions/2",
            codeID: codeID.description, scoringScript: "score.py", instanceType: "Standard_DS3_v2")
        let deploymentShapes = try await {
            log.reset()
            _ = try await client.putOnlineDeployment(definition)
            return log.all
        }()
        // Like the SDK, the client reads the endpoint before deploying to it.
        expectSameShape(
            "get_endpoint", sdk["get_endpoint"],
            deploymentShapes.first { $0.method == "GET" && $0.path.hasSuffix("/onlineEndpoints/sdk-key") }.map(
                Shape.init))
        expectSameShape(
            "put_deployment", sdk["put_deployment"],
            deploymentShapes.first { $0.method == "PUT" && $0.path.hasSuffix("/deployments/blue") }.map(Shape.init))
        expectSameShape(
            "regenerate_keys", sdk["regenerate_keys"],
            try await sent("POST", "/onlineEndpoints/sdk-key/regenerateKeys") {
                try await client.regenerateOnlineEndpointKey(id: key.id, keyType: .secondary, keyValue: "kept")
            })
        let k8s = OnlineEndpointDefinition(
            workspaceID: workspace, name: "sdk-k8s", location: "westeurope", authMode: .amlToken,
            compute: .kubernetes(computeID: workspace.child("computes", "aks-cluster-1")))
        _ = try await client.putOnlineEndpoint(k8s)
        expectSameShape(
            "token", sdk["token"],
            try await sent("POST", "/onlineEndpoints/sdk-k8s/token") {
                _ = try await client.onlineEndpointToken(id: k8s.id)
            })
        expectSameShape(
            "delete_endpoint", sdk["delete_endpoint"],
            try await sent("DELETE", "/onlineEndpoints/sdk-key") { try await client.deleteOnlineEndpoint(id: key.id) })
    }
}
