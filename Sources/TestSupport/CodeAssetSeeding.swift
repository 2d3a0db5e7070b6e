public import AMLAuthCore
public import AzureProvider

/// Uploads code the way amlauth's apply does (pending upload, one blob per file, code version),
/// for tests that deploy with `codeConfiguration` and need a code version that exists.
public enum CodeAssetSeeding {
    /// Uploads `files` (path → text) below `folder` and registers `…/codes/{name}/versions/1`.
    public static func upload(
        _ codes: CodeAssetsClient, workspace: AzureResourceID, name: String,
        files: [String: String] = ["score.py": "def run(data):\n    return data\n"], folder: String = "src"
    ) async throws -> AzureResourceID {
        let id = workspace.child("codes", name).child("versions", "1")
        let pending = try await codes.startPendingUpload(id: id)
        for (path, text) in files.sorted(by: { $0.key < $1.key }) {
            try await codes.putBlob(pending, path: folder + "/" + path, bytes: Array(text.utf8))
        }
        try await codes.putCodeVersion(
            id: id, codeURI: CodeAssetsClient.split(pending.blobURI).base + "/" + folder,
            sha256: String(repeating: "0", count: 64))
        return id
    }
}
