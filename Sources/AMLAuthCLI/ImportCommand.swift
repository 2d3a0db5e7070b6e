import AMLAuthCore
import ArgumentParser
import AzureProvider
import Engine
import FileStorage
import Foundation
import YAMLSource

/// `amlauth import`: writes manifests for live objects a team wants amlauth to take over, so that
/// `plan --adopt` on them shows adoptions and nothing else.
struct ImportCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "import",
        abstract: "Write manifests for existing applications, role assignments and web services, to adopt them.",
        discussion: """
            Reads the objects through the Target's cloud and writes one YAML file: a ServicePrincipal per \
            application (federated credentials in full; certificates by thumbprint and passwords by keyId and \
            expiry, as comments: no secret is ever read), a RoleAssignment per assignment found exactly at the \
            scope for the given principals, and a Webservice per Azure ML v1 service of the workspace (with its \
            Workspace unless the Target's manifests declare it). Objects amlauth already owns, or that a manifest \
            cannot describe exactly, are listed in the header as not imported. Then run \
            'amlauth plan --adopt': it should show only adoptions.
            """)

    @Option(help: "Directory with the manifests, or the manifest file with the Target (cloud, tenant, subscription).")
    var target: String = "."

    @Option(help: "A workspace's ARM ID (or the name of a Workspace the manifests declare): import its web services.")
    var workspace: [String] = []

    @Option(help: "An application's display name or appId (client id); repeatable.")
    var application: [String] = []

    @Option(help: "A scope (ARM ID): import the role assignments made exactly there for each --principal.")
    var roleAssignmentsAt: [String] = []

    @Option(help: "A principal's object id, for --role-assignments-at; repeatable.")
    var principal: [String] = []

    @Option(
        name: .shortAndLong,
        help: "The file to write, or a directory (the file is then imported.yaml in it); default stdout.")
    var output: String?

    @Flag(help: "Replace an existing output file.")
    var force = false

    @OptionGroup var connection: ConnectionOptions

    func validate() throws {
        if workspace.isEmpty && application.isEmpty && roleAssignmentsAt.isEmpty {
            throw ValidationError("nothing to import: give --workspace, --application or --role-assignments-at")
        }
        if roleAssignmentsAt.isEmpty != principal.isEmpty {
            throw ValidationError("--role-assignments-at and --principal go together")
        }
        for scope in roleAssignmentsAt {
            if case .failure(let error) = AzureResourceID.parse(scope) {
                throw ValidationError("--role-assignments-at '\(scope)' is not an ARM ID: \(error)")
            }
        }
        for id in principal where GUID(id) == nil {
            throw ValidationError("--principal '\(id)' is not an object id (a GUID)")
        }
    }

    func run() async throws {
        let workingDirectory = FileManager.default.currentDirectoryPath
        let destination = output.map { Self.destination($0, workingDirectory: workingDirectory) }
        if let destination, !force, FileManager.default.fileExists(atPath: destination) {
            FileHandle.standardError.write(
                Data("amlauth import: '\(destination)' exists; add --force to replace it\n".utf8))
            throw ExitCode.failure
        }
        let options = Composition.Options(
            targetDirectory: target, environment: ProcessInfo.processInfo.environment,
            workingDirectory: workingDirectory, caBundle: connection.caBundle, verbose: connection.verbose)
        let (loaded, session) = try await Composition.open(options, command: "import")
        let imported: ImportedManifests
        do {
            guard let subscription = GUID(session.subscriptionID) else {
                throw ImportReader.Failure(description: "'\(session.subscriptionID)' is not a subscription GUID")
            }
            // A file being replaced does not count as declared: its objects are imported again.
            let declared = destination.map {
                loaded.manifests.excluding(file: ManifestFiles.display($0, relativeTo: workingDirectory))
            }
            let context = ImportReader.Context(
                target: loaded.target.name, subscriptionID: subscription, declared: declared ?? loaded.manifests)
            let request = try makeRequest(declared: context.declared, subscription: subscription)
            let reader = ImportReader(
                graph: GraphClient(pipeline: session.pipeline, cloud: session.cloud),
                authorization: AuthorizationClient(pipeline: session.pipeline, cloud: session.cloud),
                machineLearning: MachineLearningClient(pipeline: session.pipeline, cloud: session.cloud))
            imported = try await reader.read(
                request, context: context, origin: origin(target: loaded.target.name, cloud: session.cloud.name))
            await session.close()
        } catch {
            await session.close()
            let message = (error as? AzureError)?.message ?? "\(error)"
            FileHandle.standardError.write(Data("amlauth import: \(message)\n".utf8))
            throw ExitCode.failure
        }
        let text = ManifestWriter.render(imported)
        guard let destination else {
            FileHandle.standardOutput.write(Data(text.utf8))
            return
        }
        do {
            try OutputFile.write(Array(text.utf8), to: destination, mode: 0o644)
        } catch {
            FileHandle.standardError.write(Data("amlauth import: \(error)\n".utf8))
            throw ExitCode.failure
        }
        FileHandle.standardError.write(
            Data(
                "amlauth import: wrote \(imported.documents.count) manifest(s) to \(ManifestFiles.display(destination, relativeTo: workingDirectory)); \(imported.skipped.count) object(s) not imported (listed in its header)\n"
                    .utf8))
    }

    /// `-o DIR` (an existing directory, or a path ending in `/`) means `DIR/imported.yaml`.
    static func destination(_ path: String, workingDirectory: String) -> String {
        let absolute = ManifestFiles.absolute(path, in: workingDirectory)
        var isDirectory: ObjCBool = false
        if path.hasSuffix("/")
            || (FileManager.default.fileExists(atPath: absolute, isDirectory: &isDirectory)
                && isDirectory.boolValue)
        {
            return (absolute as NSString).appendingPathComponent("imported.yaml")
        }
        return absolute
    }

    private func makeRequest(declared: ManifestSet, subscription: GUID) throws -> ImportReader.Request {
        var request = ImportReader.Request()
        for text in workspace {
            request.workspaces.append(try Self.workspaceID(text, declared: declared, subscription: subscription))
        }
        request.applications = application
        request.roleAssignmentScopes = roleAssignmentsAt.compactMap { AzureResourceID($0) }
        request.principals = principal.compactMap(GUID.init)
        return request
    }

    /// `--workspace`: a workspace's ARM ID, or the name of a Workspace the manifests declare.
    static func workspaceID(_ text: String, declared: ManifestSet, subscription: GUID) throws -> AzureResourceID {
        if case .success(let id) = AzureResourceID.parse(text), !id.segments.isEmpty { return id }
        guard let found = declared.workspaces.first(where: { $0.name == text }) else {
            throw ImportReader.Failure(
                description: "--workspace '\(text)' is neither a workspace ARM ID nor a Workspace of the manifests")
        }
        return DesiredState.workspaceID(
            subscription: subscription, resourceGroup: found.resourceGroup, name: found.name)
    }

    /// The header's "written from" lines: no clock, so the same cloud gives the same file.
    private func origin(target: String, cloud: String) -> [String] {
        var lines = ["target '\(target)' (cloud \(cloud))"]
        lines += workspace.map { "web services of workspace \($0)" }
        lines += application.map { "application '\($0)'" }
        for scope in roleAssignmentsAt {
            lines += principal.map { "role assignments at \(scope) of principal \($0)" }
        }
        return lines
    }
}

extension ManifestSet {
    /// The set without the documents of one file (by its display path).
    func excluding(file: String) -> ManifestSet {
        var set = self
        set.declarations.removeAll { $0.kindLocation.file == file }
        set.targets.removeAll { $0.source.location.file == file }
        set.workspaces.removeAll { $0.source.location.file == file }
        set.servicePrincipals.removeAll { $0.source.location.file == file }
        set.roleAssignments.removeAll { $0.source.location.file == file }
        set.webservices.removeAll { $0.source.location.file == file }
        set.onlineEndpoints.removeAll { $0.source.location.file == file }
        set.onlineDeployments.removeAll { $0.source.location.file == file }
        set.roleDefinitions.removeAll { $0.source.location.file == file }
        return set
    }
}
