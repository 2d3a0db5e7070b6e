import AMLAuthCore
import FileStorage
import Foundation
import WireFormat

/// How `keys` and `token` hand out a web service's secrets: printed (text or JSON) or written to a
/// sink, and under GitHub Actions always masked first.
///
/// Masking: the runner hides a value from the job log once it has read `::add-mask::VALUE`, and it
/// reads workflow commands on stdout and stderr. Text output puts the masks on stdout, before the
/// secret, so the runner reads them in order; `--json` puts them on stderr so stdout stays one JSON
/// document (as `apply --json` does). A sink writes nothing secret to either stream.
struct ServiceSecretOutput {
    /// Named secret values, in output order: (JSON key, env-file name, step-output name, value).
    struct Item {
        var json: String
        var env: String
        var output: String
        var value: JSONValue
        var secret: Bool
    }

    var items: [Item]
    var environment: [String: String]

    private var inGitHubActions: Bool { environment["GITHUB_ACTIONS"] == "true" }

    private var masks: String {
        items.filter(\.secret).compactMap(\.value.stringValue).map { "::add-mask::\($0)\n" }.joined()
    }

    /// Prints `text`, or the JSON object of the items, after masking under GitHub Actions.
    func print(text: String, json: Bool) {
        if json {
            if inGitHubActions { FileHandle.standardError.write(Data(masks.utf8)) }
            let document = JSONValue.object(items.map { ($0.json, $0.value) }).serialized()
            FileHandle.standardOutput.write(Data(document.utf8))
        } else {
            FileHandle.standardOutput.write(Data(((inGitHubActions ? masks : "") + text).utf8))
        }
    }

    /// Writes the items to `sink` (paths relative to `workingDirectory`); nothing secret is printed.
    func write(to sink: SecretSink, workingDirectory: String) throws {
        switch sink {
        case .file(let path):
            try Self.writeSecret(
                JSONValue.object(items.map { ($0.json, $0.value) }).serialized(), to: path,
                workingDirectory: workingDirectory)
        case .envFile(let path):
            try Self.writeSecret(
                items.map { "\($0.env)=\(Self.plain($0.value))\n" }.joined(), to: path,
                workingDirectory: workingDirectory)
        case .githubOutput:
            guard let output = environment["GITHUB_OUTPUT"], let handle = FileHandle(forWritingAtPath: output) else {
                throw SinkFailure(message: "github-output: GITHUB_OUTPUT is not set or not writable")
            }
            // Mask before the value can appear anywhere else in the job's log.
            FileHandle.standardError.write(Data(masks.utf8))
            handle.seekToEndOfFile()
            handle.write(Data(items.map { "\($0.output)=\(Self.plain($0.value))\n" }.joined().utf8))
            try? handle.close()
        case .keyVault, .adoVariable:
            // These hold one secret each (a password's client secret); a service's keys and token
            // come in several values.
            throw SinkFailure(
                message:
                    "\(sink): keys and tokens go to file:, env-file: or github-output sinks; keyvault: and ado-variable: hold one password each"
            )
        }
    }

    struct SinkFailure: Error, CustomStringConvertible {
        var message: String
        var description: String { message }
    }

    private static func plain(_ value: JSONValue) -> String {
        value.stringValue ?? value.compact()
    }

    /// Mode 0600 through a fresh temporary file, refusing links, non-regular files and directories
    /// others may write (`AtomicFile.writeSecret`), like a password's file sink.
    private static func writeSecret(_ text: String, to path: String, workingDirectory: String) throws {
        let target = ManifestFiles.absolute(path, in: workingDirectory)
        try FileManager.default.createDirectory(
            atPath: (target as NSString).deletingLastPathComponent, withIntermediateDirectories: true,
            attributes: [.posixPermissions: 0o700])
        do throws(FileFailure) {
            try AtomicFile.writeSecret(Array(text.utf8), to: target)
        } catch {
            throw SinkFailure(message: "\(path): \(error.reason)")
        }
    }
}
