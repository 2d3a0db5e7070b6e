import AMLAuthCore
import AzureProvider
import LocalCloud
import TestSupport
import Testing
import WireFormat

/// Fidelity audit D1: a v1 service create uploads the entry script as azureml-core's
/// `upload_dependency` does and names it as the driver program, with the environment by
/// reference; the local cloud refuses anything else.
@Suite(.serialized)
struct EntryScriptUploadTests {
    static let script = EntryScriptFile.of(
        Array("def init():\n    pass\n\n\ndef run(raw_data):\n    return raw_data\n".utf8))

    static func definition(
        _ workspace: AzureResourceID, script: EntryScriptFile?, environment: String = "sklearn-env:2"
    )
        -> ServiceDefinition
    {
        ServiceDefinition(
            workspace: workspace, name: "svc-aci", computeType: .aci, computeTarget: nil, authEnabled: true,
            tokenAuthEnabled: false, cpuCores: 0.5, memoryGB: 1, kvTags: ["amlauth.target": "t"],
            models: [VersionedName(parsing: "sklearn-mnist:3")!], entryScript: "score.py",
            environment: VersionedName(parsing: environment)!, description: nil, entryScriptFile: script)
    }

    @Test func createUploadsTheScriptAndSendsTheAssetBackedDriverProgram() async throws {
        let connected = try await Connected.start()
        defer { Task { await connected.stop() } }
        let ml = MachineLearningClient(
            pipeline: connected.pipeline(connected.bootstrapCredential()), cloud: connected.cloud)
        var client = ml
        client.pollInterval = 0
        let workspace = try #require(
            try await client.workspace(
                subscriptionID: connected.subscription, resourceGroup: "ml-rg", name: "ml-example"))
        let base = try await client.modelManagementBase(for: workspace)
        connected.live.cloud.requestLog.reset()
        try await client.createService(base: base, Self.definition(workspace.id, script: Self.script))

        let log = connected.live.cloud.requestLog.all
        let container = "amlauth-\(Self.script.shortDigest)"
        let metadata = try #require(log.first { $0.method == "POST" && $0.path.hasPrefix("/artifact/v2.0/") })
        #expect(
            metadata.path == "/artifact/v2.0" + workspace.id.description
                + "/artifacts/batch/metadata/LocalUpload/\(container)")
        #expect(metadata.bodyShape == ["paths[].path"])
        #expect(metadata.audience == "https://management.core.windows.net/")
        let blob = try #require(log.first { $0.method == "PUT" && $0.host.hasSuffix(".blob.localhost") })
        // The workspace's storage account, virtual-hosted as Azure Storage names it: libcurl
        // resolves `*.localhost` to loopback itself.
        #expect(blob.path == "/azureml/LocalUpload/\(container)/score.py")
        #expect(blob.audience == nil, "a SAS URL carries its own authorization; no token goes to storage")
        let create = try #require(log.first { $0.method == "POST" && $0.path.hasSuffix("/services") })
        #expect(
            Set(create.bodyShape).isSuperset(of: [
                "environmentImageRequest.driverProgram", "environmentImageRequest.assets[].id",
                "environmentImageRequest.assets[].url", "environmentImageRequest.assets[].mimeType",
                "environmentImageRequest.modelIds[]", "environmentImageRequest.environmentReference.name",
                "environmentImageRequest.environmentReference.version",
            ]), "\(create.bodyShape)")
        #expect(!create.bodyShape.contains { $0.hasPrefix("environmentImageRequest.environment.") })
        #expect(
            log.firstIndex { $0.host.hasSuffix(".blob.localhost") }! < log.firstIndex {
                $0.path.hasSuffix("/services")
            }!
        )

        // The cloud holds exactly the planned bytes, and the service says which content it runs.
        let artifact = try #require(
            await connected.live.cloud.store.state.artifacts?.first { $0.container == container })
        #expect(
            artifact.uploaded && artifact.sha256 == Self.script.sha256 && artifact.size == Self.script.content.count)
        let service = try #require(try await client.service(base: base, name: "svc-aci"))
        #expect(service.entryScript == "score.py")
        #expect(service.entryScriptDigest == Self.script.shortDigest)
        #expect(service.environment == "sklearn-env:2")
        #expect(service.models == ["sklearn-mnist:3"])

        // A definition update uploads the new content first; the service then reports its digest.
        let changed = EntryScriptFile.of(
            Array("def init():\n    pass\n\n\ndef run(raw_data):\n    return [raw_data]\n".utf8))
        try await client.updateService(
            base: base, name: "svc-aci",
            patches: [
                .definition(
                    models: [VersionedName(parsing: "sklearn-mnist:3")!], entryScript: "score.py",
                    environment: VersionedName(parsing: "sklearn-env:2")!, script: changed)
            ])
        #expect(try await client.service(base: base, name: "svc-aci")?.entryScriptDigest == changed.shortDigest)
    }

    @Test func anUnregisteredEnvironmentOrAMissingScriptIsRefused() async throws {
        let connected = try await Connected.start()
        defer { Task { await connected.stop() } }
        var client = MachineLearningClient(
            pipeline: connected.pipeline(connected.bootstrapCredential()), cloud: connected.cloud)
        client.pollInterval = 0
        let workspace = try #require(
            try await client.workspace(
                subscriptionID: connected.subscription, resourceGroup: "ml-rg", name: "ml-example"))
        let base = try await client.modelManagementBase(for: workspace)
        let unregistered = await #expect(throws: AzureError.self) {
            try await client.createService(
                base: base, Self.definition(workspace.id, script: Self.script, environment: "other-env:1"))
        }
        #expect(unregistered?.status == 400)
        #expect(unregistered?.message.contains("other-env version 1 is not registered") == true)
        connected.live.cloud.requestLog.reset()
        let missing = await #expect(throws: AzureError.self) {
            try await client.createService(base: base, Self.definition(workspace.id, script: nil))
        }
        #expect(missing?.code == "EntryScriptMissing")
        #expect(connected.live.cloud.requestLog.all.isEmpty, "nothing is sent without the script")
    }
}
