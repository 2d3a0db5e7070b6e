import Foundation

/// Who holds the apply lease, as the waiting apply will name it: user, host and process id, and
/// the CI run when there is one (GitHub Actions, Azure Pipelines).
enum LeaseHolder {
    static func describe(environment: [String: String]) -> String {
        let user = environment["USER"] ?? environment["USERNAME"] ?? "unknown user"
        var text = "\(user)@\(ProcessInfo.processInfo.hostName) pid \(getpid())"
        if environment["GITHUB_ACTIONS"] == "true" {
            let repository = environment["GITHUB_REPOSITORY"] ?? "?"
            let run = environment["GITHUB_RUN_ID"] ?? "?"
            let workflow = environment["GITHUB_WORKFLOW"].map { " (\($0))" } ?? ""
            text += ", GitHub Actions run \(run) of \(repository)\(workflow)"
        } else if environment["TF_BUILD"]?.lowercased() == "true" {
            text +=
                ", Azure Pipelines build \(environment["BUILD_BUILDID"] ?? "?") of \(environment["BUILD_REPOSITORY_NAME"] ?? "?")"
        }
        return text
    }
}
