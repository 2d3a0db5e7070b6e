import AMLAuthCore
import AzureProvider
import Foundation
import HTTPClient
import LocalCloud
import TestSupport
import Testing
import WireFormat

/// Code assets and their blob upload against the local cloud over TLS, as azure-ai-ml performs
/// them: startPendingUpload's SAS opens one container and nothing else, Put Blob takes BlockBlobs,
/// a code version's URI cannot change, and a deployment must name code that exists and holds its
/// scoring script.
@Suite(.serialized)
struct CodeAssetsClientTests {
    func workspaceID(_ connected: Connected) -> AzureResourceID {
        AzureResourceID(
            subscription: GUID(connected.subscription), resourceGroup: "ml-rg",
            providerNamespace: "Microsoft.MachineLearningServices",
            segments: [.init(type: "workspaces", name: "ml-example")])
    }

    @Test func uploadRegistersAndTheSASOpensOnlyItsContainer() async throws {
        let connected = try await Connected.start()
        defer { Task { await connected.stop() } }
        let codes = CodeAssetsClient(
            pipeline: connected.pipeline(connected.bootstrapCredential()), cloud: connected.cloud)
        let id = workspaceID(connected).child("codes", "abc").child("versions", "1")
        #expect(try await codes.codeVersionExists(id: id) == false)
        let pending = try await codes.startPendingUpload(id: id)
        try await codes.putBlob(pending, path: "src/score.py", bytes: Array("def run(d): return d\n".utf8))

        // The blob reads back through the SAS; HEAD has no body, a missing blob says BlobNotFound.
        let (base, query) = CodeAssetsClient.split(pending.sasURI)
        let read = try await connected.transport.send(
            HTTPRequest(method: "GET", url: base + "/src/score.py?" + query, headers: []))
        #expect(read.status == 200)
        #expect(String(decoding: read.body, as: UTF8.self) == "def run(d): return d\n")
        let missing = try await connected.transport.send(
            HTTPRequest(method: "HEAD", url: base + "/src/absent.py?" + query, headers: []))
        #expect(missing.status == 404)
        #expect(missing.header("x-ms-error-code") == "BlobNotFound")

        // A forged signature, or none, is refused as Azure Storage refuses it.
        let forged = try await connected.transport.send(
            HTTPRequest(
                method: "PUT", url: base + "/src/evil.py?" + query.replacingOccurrences(of: "sig=", with: "sig=x"),
                headers: [("x-ms-blob-type", "BlockBlob")], body: Array("x".utf8)))
        #expect(forged.status == 403)
        #expect(forged.header("x-ms-error-code") == "AuthenticationFailed")
        #expect(String(decoding: forged.body, as: UTF8.self).contains("<Code>AuthenticationFailed</Code>"))
        let unsigned = try await connected.transport.send(
            HTTPRequest(
                method: "PUT", url: base + "/src/evil.py", headers: [("x-ms-blob-type", "BlockBlob")],
                body: Array("x".utf8)))
        #expect(unsigned.status == 403)
        // Only block blobs.
        let append = try await connected.transport.send(
            HTTPRequest(
                method: "PUT", url: base + "/src/log.txt?" + query, headers: [("x-ms-blob-type", "AppendBlob")],
                body: []))
        #expect(append.status == 400)
        #expect(append.header("x-ms-error-code") == "InvalidHeaderValue")

        let codeURI = base + "/src"
        try await codes.putCodeVersion(id: id, codeURI: codeURI, sha256: String(repeating: "a", count: 64))
        #expect(try await codes.codeVersionExists(id: id))
        // Registering it again with the same content is fine; pointing it elsewhere is not.
        try await codes.putCodeVersion(id: id, codeURI: codeURI, sha256: String(repeating: "a", count: 64))
        await #expect(throws: AzureError.self) {
            try await codes.putCodeVersion(id: id, codeURI: base + "/other", sha256: String(repeating: "a", count: 64))
        }
        // A version whose URI names nothing uploaded is refused.
        do throws(AzureError) {
            try await codes.putCodeVersion(
                id: workspaceID(connected).child("codes", "empty").child("versions", "1"), codeURI: base + "/nothing",
                sha256: String(repeating: "b", count: 64))
            Issue.record("a code version without content was accepted")
        } catch {
            #expect(error.status == 400)
        }
    }

    @Test func aDeploymentNeedsCodeThatExistsAndHoldsItsScript() async throws {
        let connected = try await Connected.start()
        defer { Task { await connected.stop() } }
        let pipeline = connected.pipeline(connected.bootstrapCredential())
        let client = OnlineEndpointsClient(pipeline: pipeline, cloud: connected.cloud)
        let workspace = workspaceID(connected)
        let endpoint = OnlineEndpointDefinition(
            workspaceID: workspace, name: "ep-code", location: "westeurope", authMode: .key, compute: .managed)
        _ = try await client.putOnlineEndpoint(endpoint)
        let codeID = try await CodeAssetSeeding.upload(
            CodeAssetsClient(pipeline: pipeline, cloud: connected.cloud), workspace: workspace, name: "score")
        func deploy(_ code: String, _ script: String) async -> AzureError? {
            do throws(AzureError) {
                _ = try await client.putOnlineDeployment(
                    OnlineDeploymentDefinition(
                        endpointID: endpoint.id, name: "blue", location: "westeurope",
                        model: workspace.description + "/models/sklearn/versions/1", codeID: code,
                        scoringScript: script, instanceType: "Standard_DS3_v2"))
                return nil
            } catch {
                return error
            }
        }
        let unknown = await deploy(workspace.description + "/codes/absent/versions/1", "score.py")
        #expect(unknown?.status == 400)
        #expect(unknown?.message.contains("was not found") == true)
        let noScript = await deploy(codeID.description, "main.py")
        #expect(noScript?.status == 400)
        #expect(noScript?.message.contains("'main.py' is not in code") == true)
        #expect(await deploy(codeID.description, "score.py") == nil)
    }
}
