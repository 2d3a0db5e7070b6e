import AMLAuthCore
import ArgumentParser
import AzureProvider
import Engine
import FileStorage
import Foundation

/// `amlauth migrate`: writes the Azure ML v2 OnlineEndpoint/OnlineDeployment manifests that replace
/// the set's v1 Webservices (and, with `--from-cloud`, a workspace's live v1 services), next to
/// them, so the next plan shows both and the cutover is reviewed like any other change.
struct MigrateCommand: AsyncParsableCommand {
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
            manifests later plans their deletion. With --from-cloud, the live v1 services of each --workspace \
            are migrated too (those the manifests declare are taken from the manifests); with --keep-keys, \
            each key-auth endpoint takes over its service's keys ('keys_from') so existing callers keep working.
            """)

    @Argument(help: "Directory with the manifests (default: the current directory).")
    var directory: String = "."

    @Option(name: .shortAndLong, help: "The file to write (default: DIR/online-endpoints.yaml).")
    var output: String?

    @Flag(help: "Replace an existing output file.")
    var force = false

    @Flag(help: "Also migrate the live v1 services of each --workspace, read through the Target's cloud.")
    var fromCloud = false

    @Option(help: "With --from-cloud: a workspace's ARM ID, or the name of a Workspace the manifests declare.")
    var workspace: [String] = []

    @Flag(help: "Copy each key-auth service's primary and secondary keys into its endpoint at apply ('keys_from').")
    var keepKeys = false

    @OptionGroup var connection: ConnectionOptions

    func validate() throws {
        if fromCloud, workspace.isEmpty { throw ValidationError("--from-cloud needs at least one --workspace") }
        if !fromCloud, !workspace.isEmpty { throw ValidationError("--workspace goes with --from-cloud") }
    }

    func run() async throws {
        let workingDirectory = FileManager.default.currentDirectoryPath
        let options = Composition.Options(
            targetDirectory: directory, environment: ProcessInfo.processInfo.environment,
            workingDirectory: workingDirectory, caBundle: connection.caBundle, verbose: connection.verbose)
        let loaded: Composition.LoadedManifests
        do {
            loaded = try Composition.load(options)
        } catch {
            throw Self.fail("\(error)")
        }
        let destination = ManifestFiles.absolute(
            output ?? (loaded.directory as NSString).appendingPathComponent("online-endpoints.yaml"),
            in: workingDirectory)
        // With --force the file is replaced, so its endpoints do not count: they are written again.
        // Without, they do, and a second run writes nothing for services already migrated.
        let manifests =
            force
            ? loaded.manifests.excluding(file: ManifestFiles.display(destination, relativeTo: workingDirectory))
            : loaded.manifests
        let result: V1ToV2Migration.Result
        if fromCloud {
            let imported = try await readCloud(options, declared: manifests)
            result = V1ToV2Migration.migrate(manifests, imported: imported, keepKeys: keepKeys)
        } else {
            result = V1ToV2Migration.migrate(manifests, keepKeys: keepKeys)
        }
        // Notes quote names the cloud chose: escaped, so none can drive the terminal.
        let notes = result.notes.map { "  note: \(ManifestWriter.comment($0))\n" }.joined()
        guard result.endpoints > 0 else {
            FileHandle.standardError.write(Data(("amlauth migrate: no v1 web service left to migrate\n" + notes).utf8))
            return
        }
        if !force, FileManager.default.fileExists(atPath: destination) {
            throw Self.fail("'\(destination)' exists; add --force to replace it")
        }
        do {
            try OutputFile.write(Array(result.yaml.utf8), to: destination, mode: 0o644)
        } catch {
            throw Self.fail("\(error)")
        }
        let report =
            "amlauth migrate: wrote \(result.endpoints) online endpoint(s) to \(ManifestFiles.display(destination, relativeTo: workingDirectory))\n"
            + notes + "Next: amlauth plan \(directory)\n"
        FileHandle.standardError.write(Data(report.utf8))
    }

    /// The workspaces' live v1 services, read as `amlauth import` reads them.
    private func readCloud(_ options: Composition.Options, declared: ManifestSet) async throws -> ImportedManifests {
        let (loaded, session) = try await Composition.open(options, command: "migrate")
        do {
            guard let subscription = GUID(session.subscriptionID) else {
                throw ImportReader.Failure(description: "'\(session.subscriptionID)' is not a subscription GUID")
            }
            var request = ImportReader.Request()
            for text in workspace {
                request.workspaces.append(
                    try ImportCommand.workspaceID(text, declared: declared, subscription: subscription))
            }
            let reader = ImportReader(
                graph: GraphClient(pipeline: session.pipeline, cloud: session.cloud),
                authorization: AuthorizationClient(pipeline: session.pipeline, cloud: session.cloud),
                machineLearning: MachineLearningClient(pipeline: session.pipeline, cloud: session.cloud))
            let imported = try await reader.read(
                request,
                context: ImportReader.Context(
                    target: loaded.target.name, subscriptionID: subscription, declared: declared),
                origin: [])
            await session.close()
            return imported
        } catch {
            await session.close()
            throw Self.fail((error as? AzureError)?.message ?? "\(error)")
        }
    }

    /// Says why on stderr; the caller throws the exit code.
    private static func fail(_ message: String) -> ExitCode {
        FileHandle.standardError.write(Data("amlauth migrate: \(message)\n".utf8))
        return ExitCode.failure
    }
}
