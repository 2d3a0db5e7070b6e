import AMLAuthCore
import ArgumentParser
import FileStorage
import Foundation

/// `amlauth migrate`: writes the Azure ML v2 OnlineEndpoint/OnlineDeployment manifests that replace
/// the set's v1 Webservices, next to them, so the next plan shows both and the cutover is reviewed
/// like any other change.
struct MigrateCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "migrate",
        abstract: "Write Azure ML v2 online-endpoint manifests for the v1 web services of a manifest set.",
        discussion: """
            ACI becomes a managed endpoint, AKS a Kubernetes endpoint on the same compute; key auth becomes \
            'key', token auth 'aml_token', and no auth 'key' (v2 has no unauthenticated endpoints). Each \
            service gets one deployment, 'blue', with all traffic, its first model and its environment; each \
            token client gets a role assignment that lets it fetch tokens or keys. What needs a decision \
            (instance size, scoring code, dropped models) is printed. The v1 manifests are left as they are: \
            the next plan shows the new endpoints beside the old services, and removing the Webservice \
            manifests later plans their deletion.
            """)

    @Argument(help: "Directory with the manifests (default: the current directory).")
    var directory: String = "."

    @Option(name: .shortAndLong, help: "The file to write (default: DIR/online-endpoints.yaml).")
    var output: String?

    @Flag(help: "Replace an existing output file.")
    var force = false

    func run() throws {
        let workingDirectory = FileManager.default.currentDirectoryPath
        let loaded: Composition.LoadedManifests
        do {
            loaded = try Composition.load(
                Composition.Options(
                    targetDirectory: directory, environment: ProcessInfo.processInfo.environment,
                    workingDirectory: workingDirectory, caBundle: nil, verbose: false))
        } catch {
            FileHandle.standardError.write(Data("amlauth migrate: \(error)\n".utf8))
            throw ExitCode.failure
        }
        let result = V1ToV2Migration.migrate(loaded.manifests)
        guard result.endpoints > 0 else {
            var report = "amlauth migrate: no v1 web service left to migrate\n"
            for note in result.notes { report += "  note: \(note)\n" }
            FileHandle.standardError.write(Data(report.utf8))
            return
        }
        let destination = ManifestFiles.absolute(
            output ?? (loaded.directory as NSString).appendingPathComponent("online-endpoints.yaml"),
            in: workingDirectory)
        if !force, FileManager.default.fileExists(atPath: destination) {
            FileHandle.standardError.write(
                Data("amlauth migrate: '\(destination)' exists; add --force to replace it\n".utf8))
            throw ExitCode.failure
        }
        do {
            try OutputFile.write(Array(result.yaml.utf8), to: destination, mode: 0o644)
        } catch {
            FileHandle.standardError.write(Data("amlauth migrate: \(error)\n".utf8))
            throw ExitCode.failure
        }
        var report =
            "amlauth migrate: wrote \(result.endpoints) online endpoint(s) to \(ManifestFiles.display(destination, relativeTo: workingDirectory))\n"
        for note in result.notes { report += "  note: \(note)\n" }
        report += "Next: amlauth plan \(directory)\n"
        FileHandle.standardError.write(Data(report.utf8))
    }
}
