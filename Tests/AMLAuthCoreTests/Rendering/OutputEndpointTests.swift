import AMLAuthCore
import Rendering
import Testing
import WireFormat

/// `amlauth output` lists online endpoints with their auth mode and scoring URI.
struct OutputEndpointTests {
    static let outputs = TargetOutputs(
        target: "t", cloud: "local", tenantID: nil, subscriptionID: "sub", servicePrincipals: [], webservices: [],
        onlineEndpoints: [
            .init(
                name: "mnist", workspace: "ml-example", id: "/subscriptions/sub/…/onlineEndpoints/mnist",
                authMode: "aml_token", scoringURI: "https://mnist.westeurope.inference.ml.azure.com/score", exists: true
            ),
            .init(name: "later", workspace: "ml-example", id: "x", authMode: "key", scoringURI: nil, exists: false),
        ])

    @Test func textShowsAuthModeAndScoringURI() {
        let text = OutputRenderer.text(Self.outputs)
        #expect(text.contains("OnlineEndpoint/mnist  (aml_token auth)\n"))
        #expect(text.contains("  scoring uri:  https://mnist.westeurope.inference.ml.azure.com/score\n"))
        #expect(
            text.contains(
                "OnlineEndpoint/later  (key auth)\n  workspace:    ml-example\n  scoring uri:  - (not created yet)"))
    }

    @Test func jsonListsEndpointsWithNullForUnknownURIs() throws {
        let json = try JSONParser.parse(OutputRenderer.json(Self.outputs))
        let endpoints = try #require(json["onlineEndpoints"]?.arrayValue)
        #expect(endpoints.count == 2)
        #expect(endpoints[0]["authMode"]?.stringValue == "aml_token")
        #expect(endpoints[1]["scoringUri"] == .null)
        #expect(endpoints[1]["exists"]?.boolValue == false)
    }
}
