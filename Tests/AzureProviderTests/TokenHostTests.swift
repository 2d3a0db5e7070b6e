import AMLAuthCore
import AzureProvider
import Foundation
import HTTPClient
import LocalCloud
import Synchronization
import TestSupport
import Testing
import WireFormat

/// A bearer token goes only to the hosts of the cloud it was issued for, whatever a response's
/// `nextLink` or discovery document says. "Other hosts" are unresolvable names behind a scripted
/// transport, or a second loopback listener that must see no connection.
@Suite(.serialized)
struct TokenHostTests {
    static let armList =
        "https://management.azure.com/subscriptions/00000000-0000-0000-0000-000000000001/providers/Microsoft.Authorization/roleAssignments?api-version=2022-04-01"

    /// A pipeline for the public cloud over a scripted transport, with a fixed token.
    static func scripted(_ script: [Result<HTTPResponse, TransportError>]) -> (AzurePipeline, ScriptedTransport) {
        let transport = ScriptedTransport(script)
        let client = TokenClient(cloud: .azureCloud, transport: transport)
        return (
            AzurePipeline(transport: transport, tokens: TokenCache(credential: FixedTokenCredential(), client: client)),
            transport
        )
    }

    @Test(arguments: [
        ("https://management.azure.com.invalid.example/next?page=2", "management.azure.com.invalid.example"),
        ("https://invalid.example/?https://management.azure.com/", "invalid.example"),
        ("https://management.azure.com:8443/next", "management.azure.com:8443"),
        ("https://management.azure.com@invalid.example/next", "invalid.example"),
        ("http://management.azure.com/next", "management.azure.com"),
        ("https://eastus.api.azureml.ms.invalid.example/next", "eastus.api.azureml.ms.invalid.example"),
    ])
    func aNextLinkToAnotherHostIsRefusedAndNamed(link: String, host: String) async throws {
        let page = #"{"value":[{"id":"a"}],"nextLink":"\#(link)"}"#
        let (pipeline, transport) = Self.scripted([
            PipelineTests.status(200, body: page), PipelineTests.status(200, body: #"{"value":[]}"#),
        ])
        await #expect {
            _ = try await pipeline.listAll(
                AzurePipeline.Request(
                    "GET", Self.armList, service: .resourceManager, audience: "https://management.azure.com/"))
        } throws: { error in
            let error = error as! AzureError
            return error.code == "UntrustedHost" && error.message.contains(host) && !error.isRetryable
        }
        #expect(transport.requests.count == 1, "the second page was never requested")
    }

    @Test func graphNextLinksOnGraphAndMLHostsStillWork() async throws {
        let (pipeline, transport) = Self.scripted([
            PipelineTests.status(
                200,
                body: #"{"value":[1],"@odata.nextLink":"https://graph.microsoft.com/v1.0/applications?$skiptoken=x"}"#),
            PipelineTests.status(200, body: #"{"value":[2]}"#),
            PipelineTests.status(200, body: #"{"value":[3]}"#),
        ])
        let items = try await pipeline.listAll(
            AzurePipeline.Request(
                "GET", "https://graph.microsoft.com/v1.0/applications", service: .graph,
                audience: "https://graph.microsoft.com/"))
        #expect(items.count == 2)
        _ = try await pipeline.send(
            AzurePipeline.Request(
                "GET", "https://westeurope.api.azureml.ms/modelmanagement/v1.0/x", service: .modelManagement,
                audience: "https://management.azure.com/"))
        #expect(
            transport.requests.map { $0.header("Authorization") } == Array(repeating: "Bearer fixed-token", count: 3))
    }

    @Test func aDiscoveryDocumentNamingAnotherHostIsRefused() async throws {
        let workspaceID = try #require(
            AzureResourceID(
                "/subscriptions/00000000-0000-0000-0000-000000000001/resourceGroups/ml-rg/providers/Microsoft.MachineLearningServices/workspaces/ml-example"
            ))
        let workspace = MachineLearningClient.Workspace(
            id: workspaceID, name: "ml-example", location: "westeurope",
            discoveryURL: "https://westeurope.api.azureml.ms/discovery")
        for (url, host) in [
            ("https://westeurope.api.azureml.ms.invalid.example", "westeurope.api.azureml.ms.invalid.example"),
            ("https://invalid.example", "invalid.example"), ("http://127.0.0.1:1@invalid.example", "invalid.example"),
        ] {
            let (pipeline, _) = Self.scripted([PipelineTests.status(200, body: #"{"modelmanagement":"\#(url)"}"#)])
            let ml = MachineLearningClient(pipeline: pipeline, cloud: .azureCloud)
            await #expect {
                _ = try await ml.modelManagementBase(for: workspace)
            } throws: { error in
                let error = error as! AzureError
                return error.code == "UntrustedHost" && error.message.contains(host)
            }
        }
        let (pipeline, _) = Self.scripted([
            PipelineTests.status(200, body: #"{"modelmanagement":"https://westeurope.api.azureml.ms/"}"#)
        ])
        let base = try await MachineLearningClient(pipeline: pipeline, cloud: .azureCloud).modelManagementBase(
            for: workspace)
        #expect(base == "https://westeurope.api.azureml.ms/modelmanagement/v1.0" + workspaceID.description)
    }

    @Test func theLocalCloudRefusesAnotherLoopbackPort() async throws {
        let elsewhere = try LoopbackListener(.closeWithoutAnswer)
        defer { elsewhere.stop() }
        let connected = try await Connected.start()
        defer { Task { await connected.stop() } }
        let other = "https://127.0.0.1:\(elsewhere.port)"
        // Every list page and discovery document points at the other listener.
        let rewriting = RewritingTransport(inner: connected.transport) { request, response in
            guard let json = try? JSONParser.parse(response.body) else { return response }
            var edited = response
            if request.url.contains("/discovery/") {
                edited.body = Array(json.setting("modelmanagement", to: .string(other)).compact().utf8)
            } else if json["value"] != nil {
                edited.body = Array(json.setting("nextLink", to: .string(other + "/page2")).compact().utf8)
            }
            return edited
        }
        let client = TokenClient(cloud: connected.cloud, transport: rewriting)
        let pipeline = AzurePipeline(
            transport: rewriting, tokens: TokenCache(credential: connected.bootstrapCredential(), client: client))
        let authorization = AuthorizationClient(pipeline: pipeline, cloud: connected.cloud)
        await #expect {
            _ = try await authorization.listRoleAssignments(scope: "/subscriptions/\(connected.subscription)")
        } throws: { error in
            let error = error as! AzureError
            return error.code == "UntrustedHost" && error.message.contains("127.0.0.1:\(elsewhere.port)")
        }
        let ml = MachineLearningClient(pipeline: pipeline, cloud: connected.cloud)
        let workspace = try #require(
            try await ml.workspace(subscriptionID: connected.subscription, resourceGroup: "ml-rg", name: "ml-example"))
        await #expect {
            _ = try await ml.modelManagementBase(for: workspace)
        } throws: { error in
            (error as! AzureError).code == "UntrustedHost"
        }
        await #expect {
            _ = try await ml.services(base: other + "/modelmanagement/v1.0" + workspace.id.description)
        } throws: { error in
            (error as! AzureError).code == "UntrustedHost"
        }
        #expect(elsewhere.connections == 0, "no connection, so no token, reached the other port")
    }

    @Test func eachCloudTrustsItsOwnHostsOnly() {
        let china = TokenHostPolicy(cloud: .azureChinaCloud)
        #expect(china.refusal(for: "https://management.chinacloudapi.cn/subscriptions") == nil)
        #expect(china.refusal(for: "https://chinaeast2.api.ml.azure.cn/modelmanagement/v1.0/x") == nil)
        #expect(china.refusal(for: "https://management.azure.com/subscriptions") != nil, "another cloud's host")
        #expect(china.refusal(for: "https://eastus.api.azureml.ms/x") != nil)
        let government = TokenHostPolicy(cloud: .azureUSGovernment)
        #expect(government.refusal(for: "https://usgovvirginia.api.ml.azure.us/x") == nil)
        #expect(government.refusal(for: "https://graph.microsoft.us/v1.0/applications") == nil)
        let publicCloud = TokenHostPolicy(cloud: .azureCloud)
        #expect(publicCloud.refusal(for: "https://api.azureml.ms/x") != nil, "only hosts below the suffix")
        #expect(publicCloud.refusal(for: "https://evilapi.azureml.ms/x") != nil, "the suffix starts at a label")
        #expect(publicCloud.refusal(for: "https://eastus.api.azureml.ms:8443/x") != nil)
        #expect(publicCloud.refusal(for: "https://LOGIN.microsoftonline.com/tenant/oauth2/v2.0/token") == nil)
        #expect(publicCloud.refusal(for: "https://evil.example/")?.contains("'https://evil.example:443'") == true)
    }

    @Test func aCloudFileEndpointWithUserinfoIsRefused() {
        for endpoint in [
            "http://127.0.0.1@invalid.example:8080", "http://127.0.0.1:1@invalid.example",
            "http://127.0.0.1.invalid.example",
        ] {
            let file =
                #"{"name":"x","endpoints":{"activeDirectory":"\#(endpoint)","resourceManager":"https://127.0.0.1:1/","microsoftGraph":"https://127.0.0.1:1/graph/"}}"#
            #expect(throws: AzureCloudEndpoints.FileError.self, "\(endpoint)") {
                _ = try AzureCloudEndpoints.parse(cloudFile: Array(file.utf8), path: "cloud.json")
            }
        }
        let file =
            #"{"name":"x","endpoints":{"activeDirectory":"http://[::1]:8080","resourceManager":"https://127.0.0.1:1/","microsoftGraph":"https://127.0.0.1:1/graph/","machineLearningHostSuffix":"ml.example"}}"#
        let cloud = try? AzureCloudEndpoints.parse(cloudFile: Array(file.utf8), path: "cloud.json").0
        #expect(cloud?.machineLearningHostSuffix == "ml.example")
        #expect(cloud.map { TokenHostPolicy(cloud: $0).refusal(for: "https://region.ml.example/x") } == .some(nil))
    }
}

/// A credential that returns the same token for every scope, without a network.
struct FixedTokenCredential: TokenCredential {
    var source: String { "fixed test token" }
    var clientID: String? { "00000000-0000-0000-0000-0000000000c1" }
    var tenantID: String? { "00000000-0000-0000-0000-0000000000a1" }
    func fetchToken(scope: String, client: TokenClient) async throws(AzureError) -> AccessToken {
        AccessToken(token: "fixed-token", expiresOn: Date().timeIntervalSince1970 + 3_600)
    }
}

/// Passes requests to a real transport and lets a test edit each response.
final class RewritingTransport: HTTPTransport {
    let inner: any HTTPTransport
    let rewrite: @Sendable (HTTPRequest, HTTPResponse) -> HTTPResponse

    init(inner: any HTTPTransport, rewrite: @escaping @Sendable (HTTPRequest, HTTPResponse) -> HTTPResponse) {
        self.inner = inner
        self.rewrite = rewrite
    }

    func send(_ request: HTTPRequest) async throws(TransportError) -> HTTPResponse {
        rewrite(request, try await inner.send(request))
    }
}

/// Audit D23: a US Government DoD tenant, whose Graph is `dod-graph.microsoft.us` (no built-in
/// cloud names it; azure-cli has none either), is served by the cloud file in `examples/clouds/`:
/// its Graph tokens are for, and go only to, the DoD Graph host.
struct DoDCloudFileTests {
    @Test func theDoDCloudFileSendsGraphTokensToTheDoDGraphOnly() throws {
        let (cloud, _) = try AzureCloudEndpoints.parse(
            cloudFile: Array(try Paths.read("examples/clouds/usgov-dod.json").utf8), path: "usgov-dod.json")
        #expect(cloud.microsoftGraph == "https://dod-graph.microsoft.us/")
        #expect(cloud.microsoftGraphAudience == "https://dod-graph.microsoft.us/")
        #expect(cloud.machineLearningAudience == "https://management.core.usgovcloudapi.net/")
        let policy = TokenHostPolicy(cloud: cloud)
        #expect(policy.refusal(for: "https://dod-graph.microsoft.us/v1.0/applications") == nil)
        #expect(policy.refusal(for: "https://graph.microsoft.us/v1.0/applications") != nil)
        #expect(policy.refusal(for: "https://usgovvirginia.api.ml.azure.us/discovery") == nil)
    }
}
