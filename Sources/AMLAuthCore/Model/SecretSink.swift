/// Where a new password goes, and nowhere else: a file of sdk-auth JSON, an env file, or the
/// GitHub Actions step output.
public enum SecretSink: Sendable, Hashable, CustomStringConvertible {
    case file(String)
    case envFile(String)
    case githubOutput

    public static let forms = ["file:PATH", "env-file:PATH", "github-output"]

    public init?(parsing text: String) {
        if text == "github-output" {
            self = .githubOutput
        } else if text.hasPrefix("env-file:"), text.count > 9 {
            self = .envFile(String(text.dropFirst(9)))
        } else if text.hasPrefix("file:"), text.count > 5 {
            self = .file(String(text.dropFirst(5)))
        } else {
            return nil
        }
    }

    /// The file it writes, if any (two credentials must not share one).
    public var path: String? {
        switch self {
        case .file(let path), .envFile(let path): path
        case .githubOutput: nil
        }
    }

    public var description: String {
        switch self {
        case .file(let path): "file:\(path)"
        case .envFile(let path): "env-file:\(path)"
        case .githubOutput: "github-output"
        }
    }
}
