import AMLAuthCore
import Engine
import Foundation
import YAMLSource

/// Reads each OnlineDeployment's `code` directory (relative to the manifest that names it), once
/// per run: its digest goes into the plan, its bytes to apply. Problems are located at `code`
/// (or at `scoring_script` when the script is what is missing).
enum CodeDirectories {
    struct Result {
        var diagnostics: [Diagnostic] = []
        /// By the OnlineDeployment's `metadata.name`.
        var snapshots: [String: CodeSnapshot] = [:]
    }

    static func check(_ manifests: ManifestSet, workingDirectory: String) -> Result {
        var result = Result()
        for deployment in manifests.onlineDeployments {
            guard let code = deployment.code, let script = deployment.scoringScript else { continue }
            let location = deployment.source.location(of: "code")
            let manifestDirectory = (ManifestFiles.absolute(location.file, in: workingDirectory) as NSString)
                .deletingLastPathComponent
            switch CodeDirectory.read(manifestDirectory + "/" + code, scoringScript: script) {
            case .success(let snapshot):
                result.snapshots[deployment.name] = snapshot
            case .failure(let problem):
                let at: SourceLocation
                let hint: String?
                switch problem {
                case .scriptMissing:
                    at = deployment.source.location(of: "scoring_script")
                    hint = "scoring_script is a path inside '\(code)'"
                case .missing, .notADirectory:
                    at = location
                    hint = "the path is relative to this manifest's directory"
                case .tooLarge:
                    at = location
                    hint = "keep models and data out of the code directory (register them as assets)"
                case .symlinkLeaves, .symlinkedDirectory:
                    at = location
                    hint = "copy the file into the code directory, or remove the link"
                case .unreadable, .empty:
                    at = location
                    hint = nil
                }
                result.diagnostics.append(
                    Diagnostic(.codeDirectory, "code '\(code)': \(problem.message)", at: at, hint: hint))
            }
        }
        return result
    }
}
