public import AMLAuthCore
import HTTPClient
import WireFormat

/// The entry script upload that precedes a v1 service create or definition update, as azureml-core
/// 1.61 does it: `InferenceConfig._handle_assets` (azureml/core/model.py, lines 2408-2455) uploads
/// the script through `upload_dependency` (azureml/_model_management/_util.py, lines 137-185): the
/// artifact service's `POST /artifact/v2.0/{workspace}/artifacts/batch/metadata/LocalUpload/{container}`
/// with `{"paths": [{"path": name}]}` (`ArtifactsClient.create_empty_artifacts`,
/// azureml/_restclient/artifacts_client.py lines 58-79), then a BlockBlob PUT of the bytes to the
/// returned `contentUri` (`upload_blob_from_stream`, azureml/_file_utils/upload.py). The asset's
/// URL is `aml://artifact/` + the returned `artifactId`.
extension MachineLearningClient {
    /// An uploaded entry script, as `environmentImageRequest.assets` names it.
    public struct DriverAsset: Sendable, Equatable {
        /// The asset id, which `driverProgram` names: the entry script's file name.
        public var id: String
        /// `aml://artifact/LocalUpload/amlauth-<digest>/<path>`.
        public var url: String
    }

    /// The artifact service's base for a workspace, from its model-management base: both live on
    /// the workspace's regional API host (`history` and `modelmanagement` in the discovery
    /// document name the same `{region}.api.azureml.ms`; the local cloud's discovery does the same).
    static func artifactBase(modelManagementBase base: String) -> String {
        base.replacing("/modelmanagement/v1.0/", with: "/artifact/v2.0/", maxReplacements: 1)
    }

    /// Uploads the entry script to a content-addressed container (`amlauth-<digest>`; the SDK uses
    /// a random 8-character one), so a repeat after a crash writes the same artifact and the
    /// service's asset URL says which content it runs. A plan without the content is refused.
    public func uploadEntryScript(base: String, name: String, file: EntryScriptFile?) async throws(AzureError)
        -> DriverAsset
    {
        let target = "POST artifacts/batch/metadata"
        guard let file else {
            throw AzureError(
                service: .modelManagement, status: nil, code: "EntryScriptMissing",
                message:
                    "the plan carries no content for entry script '\(name)'; plan again with the file next to its manifest",
                target: target)
        }
        let origin = "LocalUpload"
        let url = Self.artifactBase(modelManagementBase: base) + "/artifacts/batch/metadata/\(origin)/\(file.container)"
        var create = AzurePipeline.Request(
            "POST", url, service: .modelManagement, audience: cloud.machineLearningAudience,
            json: .object([("paths", .array([.object([("path", .string(name))])]))]))
        // Creating the same empty artifact again leaves what creating it once does.
        create.idempotent = true
        let created = try await pipeline.json(create)
        if let error = created["errors"]?[name] {
            throw AzureError(
                service: .modelManagement, status: 200, code: error["error"]?["code"]?.stringValue ?? "ArtifactError",
                message: error["error"]?["message"]?.stringValue ?? "the artifact service refused '\(name)'",
                target: target)
        }
        guard let artifactID = created["artifacts"]?[name]?["artifactId"]?.stringValue,
            let contentURI = created["artifactContentInformation"]?[name]?["contentUri"]?.stringValue
        else {
            throw AzureError(
                service: .modelManagement, status: 200, code: "InvalidResponse",
                message: "the artifact service answered without an artifactId and contentUri for '\(name)'",
                target: target)
        }
        // The content URI is a storage SAS URL: it carries its own authorization, so no token goes there.
        var put = AzurePipeline.Request("PUT", contentURI, service: .modelManagement, audience: nil)
        put.body = file.content
        put.headers = [("x-ms-blob-type", "BlockBlob"), ("Content-Type", "application/octet-stream")]
        _ = try await pipeline.send(put)
        return DriverAsset(id: name, url: "aml://artifact/" + artifactID)
    }

    /// The most of a live entry script amlauth reads to hash it: scoring scripts are small, and a
    /// response claiming more is not read further.
    static let maxEntryScriptRead = 8 << 20

    /// The short digest of an entry script another tool uploaded (`{origin}/{container}/{path}`),
    /// read as azureml-core downloads artifacts (`ArtifactsClient.download_artifact`): the
    /// artifact service's `GET …/artifacts/contentinfo/{origin}/{container}/{path}` answers a SAS
    /// `contentUri`, whose GET is the content. Two requests for each such service a plan
    /// compares; amlauth's own uploads say their digest in their container's name.
    public func entryScriptDigest(base: String, artifact: String) async throws(AzureError) -> String {
        let target = "GET artifacts/contentinfo"
        // The id comes from the service's answer: dot segments would move the request (which
        // carries a token) to another path of the host, so only origin/container/path is read.
        let segments = artifact.split(separator: "/", omittingEmptySubsequences: false)
        guard segments.count >= 3, !segments.contains(where: { $0.isEmpty || $0 == "." || $0 == ".." }) else {
            throw AzureError(
                service: .modelManagement, status: nil, code: "InvalidResponse",
                message:
                    "the service names its entry script artifact '\(artifact)', which is not origin/container/path",
                target: target)
        }
        let path = URLPath.escaped(artifact)
        let info = try await pipeline.json(
            AzurePipeline.Request(
                "GET", Self.artifactBase(modelManagementBase: base) + "/artifacts/contentinfo/" + path,
                service: .modelManagement, audience: cloud.machineLearningAudience))
        guard let contentURI = info["contentUri"]?.stringValue else {
            throw AzureError(
                service: .modelManagement, status: 200, code: "InvalidResponse",
                message: "the artifact service answered without a contentUri for '\(artifact)'", target: target)
        }
        // A storage SAS URL: its own authorization, so no token goes there.
        let content = try await pipeline.send(
            AzurePipeline.Request("GET", contentURI, service: .modelManagement, audience: nil))
        guard content.body.count <= Self.maxEntryScriptRead else {
            throw AzureError(
                service: .modelManagement, status: content.status, code: "EntryScriptTooLarge",
                message:
                    "the entry script '\(artifact)' is over \(Self.maxEntryScriptRead >> 20) MiB; it was not compared",
                target: target)
        }
        return EntryScriptFile.of(content.body).shortDigest
    }

    /// The short digest of the entry script a service runs: the `amlauth-<digest>` container of
    /// the asset its `driverProgram` names; nil for anything amlauth did not upload.
    static func entryScriptDigest(_ imageRequest: JSONValue?) -> String? {
        guard let driver = imageRequest?["driverProgram"]?.stringValue,
            let asset = imageRequest?["assets"]?.arrayValue?.first(where: { $0["id"]?.stringValue == driver }),
            let url = asset["url"]?.stringValue, url.hasPrefix("aml://artifact/")
        else { return nil }
        let parts = url.dropFirst("aml://artifact/".count).split(separator: "/")
        guard parts.count >= 3, parts[1].hasPrefix(EntryScriptFile.containerPrefix) else { return nil }
        return String(parts[1].dropFirst(EntryScriptFile.containerPrefix.count))
    }
}
