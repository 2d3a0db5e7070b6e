import AzureProvider
import HTTPClient
import Testing

/// A new client secret is proven with a token request before an old one goes (audit D7): Entra's
/// "not propagated yet" answers are waited out, anything else fails at once.
struct SecretProofTests {
    static func entra(_ status: Int, _ code: Int) -> Result<HTTPResponse, TransportError> {
        PipelineTests.status(
            status,
            body:
                #"{"error": "invalid_client", "error_description": "AADSTS\#(code): not yet.", "error_codes": [\#(code)]}"#
        )
    }

    static let token = PipelineTests.status(
        200, body: #"{"token_type": "Bearer", "expires_in": 3600, "access_token": "a.b.c"}"#)

    @Test func propagationAnswersAreWaitedOut() async throws {
        let manual = ManualRuntime()
        let transport = ScriptedTransport([Self.entra(401, 7_000_215), Self.entra(400, 7_000_229), Self.token])
        let proof = SecretProof(client: TokenClient(cloud: .azureCloud, transport: transport, runtime: manual.runtime))
        try await proof.prove(tenantID: "t", clientID: "c", secret: "s")
        #expect(manual.sleeps == [0.25, 0.5])
        #expect(transport.requests.count == 3)
    }

    @Test func anyOtherRefusalFailsAtOnce() async throws {
        let manual = ManualRuntime()
        let transport = ScriptedTransport([Self.entra(401, 7_000_222), Self.token])
        let proof = SecretProof(client: TokenClient(cloud: .azureCloud, transport: transport, runtime: manual.runtime))
        await #expect {
            try await proof.prove(tenantID: "t", clientID: "c", secret: "s")
        } throws: { ($0 as? AzureError)?.code == "AADSTS7000222" }
        #expect(manual.sleeps.isEmpty)
    }
}
