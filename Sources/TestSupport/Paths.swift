import Foundation

/// Where the package's files are, found from this source file so tests run from any directory.
public enum Paths {
    /// The package root (the directory holding Package.swift).
    public static let packageRoot: String = {
        var url = URL(fileURLWithPath: #filePath)
        for _ in 0..<3 { url.deleteLastPathComponent() }
        return url.path
    }()

    public static let fixtures = packageRoot + "/Tests/Fixtures"

    /// The `amlauth` binary built alongside the tests.
    public static var amlauthBinary: String {
        let candidates = [
            URL(fileURLWithPath: CommandLine.arguments[0]).deletingLastPathComponent().path,
            Bundle.main.bundleURL.path,
            Bundle.main.bundleURL.deletingLastPathComponent().path,
            packageRoot + "/.build/debug",
        ]
        for directory in candidates {
            let path = directory + "/amlauth"
            if FileManager.default.isExecutableFile(atPath: path) { return path }
        }
        return packageRoot + "/.build/debug/amlauth"
    }

    /// Reads a file of the package as UTF-8.
    public static func read(_ relativePath: String) throws -> String {
        try String(contentsOfFile: packageRoot + "/" + relativePath, encoding: .utf8)
    }
}
