import AMLAuthCore
import ArgumentParser
import AzureProvider
import Foundation
import WireFormat

/// Finds a web service of the manifests in its workspace and runs `body` with its MMS base URL.
private func withService<T: Sendable>(
    _ name: String, target: String, connection: ConnectionOptions, command: String,
    _ body: @Sendable (Session, MachineLearningClient, String) async throws -> T
) async throws -> T {
    let options = Composition.Options(
        targetDirectory: target, environment: ProcessInfo.processInfo.environment,
        workingDirectory: FileManager.default.currentDirectoryPath,
        caBundle: connection.caBundle, verbose: connection.verbose)
    let loaded: Composition.LoadedManifests
    let session: Session
    do {
        loaded = try Composition.load(options)
        session = try await Composition.connect(loaded, options)
    } catch {
        error.report(command: command)
        throw ExitCode.failure
    }
    do {
        guard let service = loaded.manifests.webservices.first(where: { $0.name == name }),
            let workspace = loaded.manifests.workspaces.first(where: { $0.name == service.workspace })
        else { throw SessionError.message("no Webservice named '\(name)' in the manifests") }
        let client = MachineLearningClient(pipeline: session.pipeline, cloud: session.cloud)
        guard let subscription = GUID(session.subscriptionID) else {
            throw SessionError.message("'\(session.subscriptionID)' is not a subscription GUID")
        }
        let id = DesiredState.workspaceID(
            subscription: subscription, resourceGroup: workspace.resourceGroup, name: workspace.name)
        let result = try await body(session, client, try await client.modelManagementBase(workspaceID: id))
        await session.close()
        return result
    } catch {
        await session.close()
        if let failure = error as? SessionError {
            failure.report(command: command)
        } else {
            FileHandle.standardError.write(Data("amlauth \(command): \(error)\n".utf8))
        }
        throw ExitCode.failure
    }
}

/// `amlauth token SERVICE`: a token for a token-auth web service (the SDK's `get_token`).
struct TokenCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "token",
        abstract: "Fetch a token for a token-auth (AKS) web service and print it with its refresh and expiry times.")

    @Argument(help: "The Webservice's name in the manifests.")
    var service: String

    @Option(help: "Directory with the manifests.")
    var target: String = "."

    @Flag(help: "Print JSON: access_token, token_type, refresh_after, expiry_on.")
    var json = false

    @OptionGroup var connection: ConnectionOptions

    func run() async throws {
        let name = service
        let token = try await withService(name, target: target, connection: connection, command: "token") {
            _, client, base in
            try await client.token(base: base, name: name)
        }
        let output: String
        if json {
            output = JSONValue.object([
                ("access_token", .string(token.accessToken)), ("token_type", .string("Bearer")),
                ("refresh_after", .number(token.refreshAfter)), ("expiry_on", .number(token.expiryOn)),
            ]).serialized()
        } else {
            output =
                "\(token.accessToken)\nrefresh after: \(Date(timeIntervalSince1970: token.refreshAfter).ISO8601Format())\nexpires:       \(Date(timeIntervalSince1970: token.expiryOn).ISO8601Format())\n"
        }
        FileHandle.standardOutput.write(Data(output.utf8))
    }
}

/// `amlauth keys SERVICE --show`: a key-auth web service's keys, only when asked explicitly.
struct KeysCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "keys",
        abstract: "Print a key-auth web service's primary and secondary keys (needs --show).")

    @Argument(help: "The Webservice's name in the manifests.")
    var service: String

    @Option(help: "Directory with the manifests.")
    var target: String = "."

    @Flag(help: "Really print the keys.")
    var show = false

    @OptionGroup var connection: ConnectionOptions

    func validate() throws {
        guard show else { throw ValidationError("keys are secrets: add --show to print them") }
    }

    func run() async throws {
        let name = service
        let keys = try await withService(name, target: target, connection: connection, command: "keys") {
            _, client, base in
            try await client.listKeys(base: base, name: name)
        }
        FileHandle.standardOutput.write(Data("primary:   \(keys.primary)\nsecondary: \(keys.secondary)\n".utf8))
    }
}
