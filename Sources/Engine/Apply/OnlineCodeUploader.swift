import AMLAuthCore
import AzureProvider

/// Carries out `upload_online_code`: the code version named by the content hash exists already
/// (an earlier apply, another deployment with the same code) or is uploaded and registered now.
/// The bytes come from the snapshot taken with the manifests, so what is uploaded is what the
/// plan's digest covers; a snapshot that is missing means the directory changed since the plan.
struct OnlineCodeUploader {
    let executor: Executor

    func upload(_ upload: OnlineCodeUpload) async throws {
        guard let service = executor.provider.codeAssets else {
            throw ApplyFailure("no code asset service is configured; cannot upload '\(upload.directory)'")
        }
        guard let snapshot = executor.codeSnapshots.byDigest[upload.sha256] else {
            throw ApplyFailure(
                "code directory '\(upload.directory)' no longer holds what the plan read (sha256:\(upload.sha256.prefix(12))); run 'amlauth plan' again",
                code: "StalePlan")
        }
        let id = upload.codeVersionID
        if try await service.codeVersionExists(id: id) { return }
        let pending = try await service.startPendingUpload(id: id)
        // Below the directory's own name, at the root of the temporary container, as azure-ai-ml
        // places an upload through a SAS URI (`_artifacts/_blob_storage_helper.py`
        // `BlobStorageClient`: `upload_to_root_container`, so `dest` is the source's base name, and
        // `_utils/_asset_utils.py` `upload_directory` puts each file under `<dest>/`); `codeUri` is
        // the container URI and that name (`ArtifactStorageInfo.full_storage_path`).
        let prefix = Self.folderName(upload.directory)
        for file in snapshot.files {
            try await service.putBlob(pending, path: prefix + "/" + file.path, bytes: file.bytes)
        }
        let (base, _) = CodeAssetsClient.split(pending.blobURI)
        try await service.putCodeVersion(id: id, codeURI: base + "/" + prefix, sha256: upload.sha256)
    }

    /// The directory's last path component (`code` for `.` or `..`, which name none).
    static func folderName(_ directory: String) -> String {
        let last = directory.split(separator: "/").last.map(String.init) ?? ""
        return last.isEmpty || last == "." || last == ".." ? "code" : last
    }
}
