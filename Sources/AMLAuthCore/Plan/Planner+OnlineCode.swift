/// A deployment's scoring code in the plan: the reviewer reads the directory's content digest
/// (old → new when a file changed), apply uploads the content under its hash and then PUTs the
/// deployment with `codeConfiguration`. The live deployment's `codeId` names the asset by that
/// hash, so comparing needs no read of the code asset itself.
extension Planner {
    /// The upload step's value for `code` in a workspace.
    static func codeUpload(for code: DesiredOnlineCode, workspaceID: AzureResourceID) -> OnlineCodeUpload {
        OnlineCodeUpload(workspaceID: workspaceID, sha256: code.digest.sha256, directory: code.directory)
    }

    /// The upload that precedes a deployment PUT carrying code; none without code.
    static func codeSteps(_ deployment: DesiredOnlineDeployment, _ endpoint: DesiredOnlineEndpoint) -> [Step] {
        guard let code = deployment.code else { return [] }
        return [.uploadOnlineCode(codeUpload(for: code, workspaceID: endpoint.workspaceID))]
    }

    /// `code` and `scoring_script` as they change; nothing when the manifest names no code (the
    /// deployment's live code is then left to whoever set it) or when both match.
    static func codeFields(_ deployment: DesiredOnlineDeployment, _ current: LiveOnlineDeployment?) -> [FieldChange] {
        guard let code = deployment.code else { return [] }
        var fields: [FieldChange] = []
        let wanted =
            "\(code.directory) (\(code.digest.short), \(code.digest.fileCount) files, \(code.digest.totalBytes) bytes)"
        if current?.codeName != code.digest.sha256 {
            fields.append(
                FieldChange("code", before: current.flatMap(liveCode).map(PlanValue.string), after: .string(wanted)))
        }
        if current?.scoringScript != code.scoringScript {
            fields.append(
                FieldChange(
                    "scoring_script", before: current?.scoringScript.map(PlanValue.string),
                    after: .string(code.scoringScript)))
        }
        return fields
    }

    /// How the live code reads in a plan: the digest when amlauth named it, else `name:version`.
    private static func liveCode(_ deployment: LiveOnlineDeployment) -> String? {
        guard let codeID = deployment.codeID else { return nil }
        if let name = deployment.codeName, OnlineCodeUpload.isDigest(name) { return "sha256:" + name.prefix(12) }
        let parts = codeID.split(separator: "/")
        return parts.count >= 4 ? "\(parts[parts.count - 3]):\(parts[parts.count - 1])" : codeID
    }
}
