import AMLAuthCore
import ArgumentParser
import FileStorage
import Foundation

/// The `workspace-config:PATH` sinks of the Workspaces: the `config.json` files
/// `Workspace.from_config()` reads, written by apply (never by plan) when missing or different.
/// They hold identifiers only, so they are written 0644, atomically, and a symbolic link or
/// anything but a regular file at the path is refused (`AtomicFile`).
enum WorkspaceConfigFiles {
    struct File {
        var address: String
        var path: String
        var absolutePath: String
        var content: String
        /// Whether the file on disk already says this.
        var current: Bool
    }

    /// The files the manifests ask for, with what each should say.
    static func files(_ loaded: Composition.LoadedManifests, subscriptionID: String) -> [File] {
        loaded.manifests.workspaces.compactMap { workspace in
            guard let sink = workspace.configSink else { return nil }
            let absolute = ManifestFiles.absolute(sink.path, in: loaded.directory)
            let content = WorkspaceConfigSink.document(
                subscriptionID: subscriptionID, resourceGroup: workspace.resourceGroup, workspaceName: workspace.name)
            let existing = FileManager.default.contents(atPath: absolute).map { String(decoding: $0, as: UTF8.self) }
            return File(
                address: "Workspace/\(workspace.name)", path: sink.path, absolutePath: absolute, content: content,
                current: existing == content)
        }
    }

    /// What plan says about them: one line per file apply would write.
    static func planLines(_ loaded: Composition.LoadedManifests, subscriptionID: String) -> String {
        files(loaded, subscriptionID: subscriptionID).filter { !$0.current }.map {
            "\($0.address): apply writes its workspace config to \($0.path) (no secret)\n"
        }.joined()
    }

    /// Writes the files that are missing or different; returns a line for each written.
    static func write(_ loaded: Composition.LoadedManifests, subscriptionID: String) throws(FileFailure) -> String {
        var lines = ""
        for file in files(loaded, subscriptionID: subscriptionID) where !file.current {
            let directory = (file.absolutePath as NSString).deletingLastPathComponent
            try? FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
            try AtomicFile.write(Array(file.content.utf8), to: file.absolutePath, mode: 0o644)
            lines += "\(file.address): wrote its workspace config to \(file.path)\n"
        }
        return lines
    }
}

extension ApplyCommand {
    /// Writes the Workspaces' `workspace-config:` files (before the cloud changes: they need none
    /// of them), reporting on stdout, or on stderr under `--json`.
    static func writeWorkspaceConfigs(_ run: PlanningRun, json: Bool) throws {
        do {
            let lines = try WorkspaceConfigFiles.write(run.loaded, subscriptionID: run.session.subscriptionID)
            (json ? FileHandle.standardError : FileHandle.standardOutput).write(Data(lines.utf8))
        } catch {
            FileHandle.standardError.write(Data("amlauth apply: \(error); nothing was changed\n".utf8))
            throw ExitCode.failure
        }
    }
}

extension PlanCommand {
    /// Says which `workspace-config:` files apply would write (on stderr: stdout holds the plan).
    static func reportWorkspaceConfigs(_ run: PlanningRun) {
        let lines = WorkspaceConfigFiles.planLines(run.loaded, subscriptionID: run.session.subscriptionID)
        FileHandle.standardError.write(Data(lines.utf8))
    }
}
