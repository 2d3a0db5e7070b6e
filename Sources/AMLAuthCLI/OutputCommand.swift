import AMLAuthCore
import ArgumentParser
import AzureProvider
import Engine
import Foundation
import Rendering

/// `amlauth output [DIR]`: the identifiers downstream jobs need (client ids, object ids, scoring
/// URIs, tenant, subscription), read live; never a secret.
struct OutputCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "output",
        abstract: "Print the Target's client ids, object ids, scoring URIs, tenant and subscription (never secrets).",
        discussion: """
            Reads the live objects the Target owns, as plan does, and prints what a later CI job needs to \
            call them: each ServicePrincipal's client id (appId), application and service-principal object \
            ids, and each Webservice's scoring URI and auth mode. Objects not created yet print '-' (null \
            in --json). Keys, passwords and tokens are never read: use 'amlauth keys' or 'amlauth token'.
            """)

    @Argument(help: "Directory with the manifests.")
    var directory: String = "."

    @Flag(help: "Print JSON (camelCase keys; absent identifiers are null).")
    var json = false

    @OptionGroup var connection: ConnectionOptions

    func run() async throws {
        let options = Composition.Options(
            targetDirectory: directory, environment: ProcessInfo.processInfo.environment,
            workingDirectory: FileManager.default.currentDirectoryPath, caBundle: connection.caBundle,
            verbose: connection.verbose)
        let (loaded, session) = try await Composition.open(options, command: "output")
        let outputs: TargetOutputs
        do {
            guard let subscription = GUID(session.subscriptionID) else {
                throw SessionError.message("'\(session.subscriptionID)' is not a subscription GUID")
            }
            let desired = DesiredState.resolve(
                loaded.manifests, target: loaded.target.name, subscriptionID: subscription,
                certificates: loaded.certificates, codes: loaded.codeSnapshots.mapValues(\.digest),
                entryScripts: loaded.entryScripts)
            outputs = try await OutputsReader(provider: session.provider).read(
                desired, cloud: session.cloud.name, tenantID: session.credential.tenantID)
            await session.close()
        } catch {
            await session.close()
            if let failure = error as? SessionError {
                failure.report(command: "output")
            } else {
                FileHandle.standardError.write(Data("amlauth output: \(error)\n".utf8))
            }
            throw ExitCode.failure
        }
        let text = json ? OutputRenderer.json(outputs) : OutputRenderer.text(outputs)
        FileHandle.standardOutput.write(Data(text.utf8))
    }
}
