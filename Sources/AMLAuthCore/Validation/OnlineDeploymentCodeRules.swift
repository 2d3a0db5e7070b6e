import YAMLSource

/// An OnlineDeployment's `code` and `scoring_script`, as far as the text alone can judge them: the
/// two come together (az ml's `code_configuration` has both `code` and `scoring_script`), `code`
/// is relative to the manifest, and `scoring_script` names a file inside it. Whether the directory
/// exists, holds the script, stays under the size limit and keeps its symlinks inside is I/O,
/// checked at the edge (`CodeDirectory`).
enum OnlineDeploymentCodeRules {
    static func check(_ set: ManifestDrafts) -> Diagnostics {
        var diagnostics = Diagnostics()
        for deployment in set.onlineDeployments {
            let source = deployment.source
            switch (deployment.code, deployment.scoringScript) {
            case (nil, nil): continue
            case (_?, nil):
                diagnostics.report(
                    .codeAndScoringScript, "'code' needs 'scoring_script', the script Azure ML runs inside it",
                    at: source.location(of: "code"), hint: "add 'scoring_script: score.py' (a path inside code)")
            case (nil, _?):
                diagnostics.report(
                    .codeAndScoringScript, "'scoring_script' needs 'code', the directory it lives in",
                    at: source.location(of: "scoring_script"), hint: "add 'code: <directory>' next to it")
            case (let code?, let script?):
                if code.isEmpty || code.hasPrefix("/") || code.hasPrefix("~") {
                    diagnostics.report(
                        .codeAndScoringScript, "'code' must be a directory relative to this manifest",
                        at: source.location(of: "code"))
                }
                let parts = script.split(separator: "/", omittingEmptySubsequences: false)
                if script.isEmpty || script.hasPrefix("/") || parts.contains("..") || parts.contains("") {
                    diagnostics.report(
                        .codeAndScoringScript,
                        "'scoring_script' must be a path inside 'code', such as score.py or src/score.py",
                        at: source.location(of: "scoring_script"))
                }
            }
        }
        return diagnostics
    }
}
