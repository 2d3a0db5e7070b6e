import WireFormat

/// The plan-file coding of a deployment's code: the `upload_online_code` step, and the
/// `code_id`/`scoring_script` pair of `put_online_deployment` (absent for a deployment without
/// code, so plans written before code existed read back unchanged).
extension Step {
    static func json(_ upload: OnlineCodeUpload) -> JSONValue {
        .object([
            ("op", .string("upload_online_code")), ("workspace", .string(upload.workspaceID.description)),
            ("sha256", .string(upload.sha256)), ("directory", .string(upload.directory)),
        ])
    }

    static func codeConfiguration(_ code: OnlineDeploymentCode?) -> [(String, JSONValue)] {
        guard let code else { return [] }
        return [("code_id", .string(code.codeID.description)), ("scoring_script", .string(code.scoringScript))]
    }
}

extension StepReader {
    func onlineCodeUpload() throws(PlanDocument.ParseError) -> OnlineCodeUpload {
        let sha256 = try string("sha256")
        // The hash names an ARM resource: exactly 64 lower-case hex digits, nothing a path could hide in.
        guard OnlineCodeUpload.isDigest(sha256) else {
            throw invalid("sha256")
        }
        return OnlineCodeUpload(workspaceID: try id("workspace"), sha256: sha256, directory: try string("directory"))
    }

    func codeConfiguration() throws(PlanDocument.ParseError) -> OnlineDeploymentCode? {
        guard optionalString("code_id") != nil else { return nil }
        return OnlineDeploymentCode(codeID: try id("code_id"), scoringScript: try string("scoring_script"))
    }
}
