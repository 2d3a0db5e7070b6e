import AMLAuthCore
import AzureProvider
import LocalCloud
import TestSupport
import Testing
import WireFormat

/// A service azureml-core's `Model.deploy` created: its driver is a generated wrapper, the user's
/// script is a second asset named by the inline environment's `AZUREML_ENTRY_SCRIPT`
/// (azureml/core/model.py, `InferenceConfig._handle_assets`). amlauth reads the user's script as
/// the entry script and hashes its content from the artifact store, so adopting such a service
/// compares scripts by content.
@Suite(.serialized)
struct ForeignEntryScriptTests {
    static let userScript = Array("def init():\n    pass\n\n\ndef run(raw_data):\n    return raw_data\n".utf8)

    /// Uploads a file the SDK's way (batch metadata in a random container, then a BlockBlob PUT
    /// to the SAS URL) and returns its artifact id.
    static func upload(
        _ pipeline: AzurePipeline, artifactBase: String, container: String, name: String, content: [UInt8],
        audience: String
    ) async throws -> String {
        let created = try await pipeline.json(
            AzurePipeline.Request(
                "POST", artifactBase + "/artifacts/batch/metadata/LocalUpload/\(container)",
                service: .modelManagement, audience: audience,
                json: .object([("paths", .array([.object([("path", .string(name))])]))])))
        let uri = try #require(created["artifactContentInformation"]?[name]?["contentUri"]?.stringValue)
        var put = AzurePipeline.Request("PUT", uri, service: .modelManagement, audience: nil)
        put.body = content
        put.headers = [("x-ms-blob-type", "BlockBlob")]
        _ = try await pipeline.send(put)
        return try #require(created["artifacts"]?[name]?["artifactId"]?.stringValue)
    }

    @Test func theUsersScriptIsTheEntryScriptAndItsContentIsHashed() async throws {
        let connected = try await Connected.start()
        defer { Task { await connected.stop() } }
        let pipeline = connected.pipeline(connected.bootstrapCredential())
        var client = MachineLearningClient(pipeline: pipeline, cloud: connected.cloud)
        client.pollInterval = 0
        let workspace = try #require(
            try await client.workspace(
                subscriptionID: connected.subscription, resourceGroup: "ml-rg", name: "ml-example"))
        let base = try await client.modelManagementBase(for: workspace)
        let artifactBase = base.replacing("/modelmanagement/v1.0/", with: "/artifact/v2.0/", maxReplacements: 1)
        let audience = connected.cloud.machineLearningAudience
        let wrapper = try await Self.upload(
            pipeline, artifactBase: artifactBase, container: "5d3a9c1e", name: "tmpk2j4x9.py",
            content: Array("import score\n".utf8), audience: audience)
        let script = try await Self.upload(
            pipeline, artifactBase: artifactBase, container: "7b2e4f60", name: "score.py", content: Self.userScript,
            audience: audience)
        let imageRequest = JSONValue.object([
            ("driverProgram", .string("tmpk2j4x9.py")),
            (
                "assets",
                .array([
                    .object([
                        ("id", .string("tmpk2j4x9.py")), ("url", .string("aml://artifact/" + wrapper)),
                        ("mimeType", .string("application/x-python")),
                    ]),
                    .object([
                        ("id", .string("score.py")), ("url", .string("aml://artifact/" + script)),
                        ("mimeType", .string("application/octet-stream")),
                    ]),
                ])
            ),
            ("modelIds", .array([.string("sklearn-mnist:3")])),
            (
                "environment",
                .object([
                    ("name", .string("sklearn-env")), ("version", .string("2")),
                    ("environmentVariables", .object([("AZUREML_ENTRY_SCRIPT", .string("score.py"))])),
                ])
            ),
        ])
        let create = JSONValue.object([
            ("name", .string("sdk-made")), ("computeType", .string("ACI")), ("authEnabled", .bool(true)),
            ("containerResourceRequirements", .object([("cpu", .number(1)), ("memoryInGB", .number(1))])),
            ("environmentImageRequest", imageRequest),
        ])
        var post = AzurePipeline.Request(
            "POST", base + "/services", service: .modelManagement, audience: audience, json: create)
        post.accept = [202]
        _ = try await pipeline.send(post)

        let service = try #require(try await client.service(base: base, name: "sdk-made"))
        #expect(service.entryScript == "score.py", "the user's script, not the SDK's wrapper")
        #expect(service.entryScriptDigest == nil, "a random container says nothing about its content")
        #expect(service.entryScriptArtifact == script)
        #expect(!service.hasSourceDirectory)
        let digest = try await client.entryScriptDigest(base: base, artifact: script)
        #expect(digest == EntryScriptFile.of(Self.userScript).shortDigest)
        let log = connected.live.cloud.requestLog.all
        let read = try #require(log.last { $0.method == "GET" && $0.host.hasSuffix(".blob.localhost") })
        #expect(read.audience == nil, "no token goes to storage")
        // An artifact id from a hostile answer cannot walk the token to another path of the host.
        connected.live.cloud.requestLog.reset()
        for hostile in ["LocalUpload/../../modelmanagement", "LocalUpload//score.py", "score.py"] {
            let refused = await #expect(throws: AzureError.self) {
                _ = try await client.entryScriptDigest(base: base, artifact: hostile)
            }
            #expect(refused?.code == "InvalidResponse")
        }
        #expect(connected.live.cloud.requestLog.all.isEmpty, "nothing was sent")

        // Deployed with a source directory, the script runs from an unpacked folder.
        let unpacked = imageRequest.setting(
            "assets",
            to: .array([
                .object([("id", .string("tmpk2j4x9.py")), ("url", .string("aml://artifact/" + wrapper))]),
                .object([("id", .string("src")), ("url", .string("aml://artifact/" + script)), ("unpack", .bool(true))]
                ),
            ]))
        post = AzurePipeline.Request(
            "POST", base + "/services", service: .modelManagement, audience: audience,
            json: create.setting("name", to: .string("sdk-dir")).setting("environmentImageRequest", to: unpacked))
        post.accept = [202]
        _ = try await pipeline.send(post)
        let fromDirectory = try #require(try await client.service(base: base, name: "sdk-dir"))
        #expect(fromDirectory.hasSourceDirectory)
        #expect(fromDirectory.entryScriptArtifact == nil)
    }
}
