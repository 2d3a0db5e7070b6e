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
        caBundle: connection.caBundle, verbose: connection.verbose, amlauthFilesOnly: true)
    let (loaded, session) = try await Composition.open(options, command: command)
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
        abstract: "Fetch a token for a token-auth (AKS) web service and print it with its refresh and expiry times.",
        discussion: """
            Under GITHUB_ACTIONS=true the token is masked (::add-mask::) before it is printed. With --sink it is \
            written there (file:PATH as JSON, env-file:PATH, github-output) and not printed.
            """)

    @Argument(help: "The Webservice's name in the manifests.")
    var service: String

    @Option(help: "Directory with the manifests, or the manifest file that declares the Webservice.")
    var target: String = "."

    @Flag(help: "Print JSON: access_token, token_type, refresh_after, expiry_on.")
    var json = false

    @Option(help: "Write the token to this sink instead of printing it: file:PATH, env-file:PATH or github-output.")
    var sink: String?

    @OptionGroup var connection: ConnectionOptions

    func validate() throws {
        if let sink, SecretSink(parsing: sink) == nil {
            throw ValidationError("--sink is one of \(SecretSink.forms.joined(separator: ", "))")
        }
        if sink != nil && json { throw ValidationError("--sink and --json are exclusive") }
    }

    func run() async throws {
        let name = service
        let token = try await withService(name, target: target, connection: connection, command: "token") {
            _, client, base in
            try await client.token(base: base, name: name)
        }
        let output = ServiceSecretOutput(
            items: [
                .init(
                    json: "access_token", env: "AMLAUTH_ACCESS_TOKEN", output: "access-token",
                    value: .string(token.accessToken), secret: true),
                .init(
                    json: "token_type", env: "AMLAUTH_TOKEN_TYPE", output: "token-type", value: .string("Bearer"),
                    secret: false),
                .init(
                    json: "refresh_after", env: "AMLAUTH_REFRESH_AFTER", output: "refresh-after",
                    value: .number(token.refreshAfter), secret: false),
                .init(
                    json: "expiry_on", env: "AMLAUTH_EXPIRY_ON", output: "expiry-on", value: .number(token.expiryOn),
                    secret: false),
            ], environment: ProcessInfo.processInfo.environment)
        try ServiceSecrets.deliver(
            output, sink: sink, json: json, what: "the token of Webservice/\(name)", command: "token"
        ) {
            "\(token.accessToken)\nrefresh after: \(Date(timeIntervalSince1970: token.refreshAfter).ISO8601Format())\nexpires:       \(Date(timeIntervalSince1970: token.expiryOn).ISO8601Format())\n"
        }
    }
}

/// `amlauth keys SERVICE --show`: a key-auth web service's keys, only when asked explicitly.
struct KeysCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "keys",
        abstract: "Print a key-auth web service's primary and secondary keys (needs --show), or write them to a sink.",
        discussion: """
            Under GITHUB_ACTIONS=true the keys are masked (::add-mask::) before they are printed. With --sink they \
            are written there (file:PATH as JSON, env-file:PATH, github-output) and not printed.
            """)

    @Argument(help: "The Webservice's name in the manifests.")
    var service: String

    @Option(help: "Directory with the manifests, or the manifest file that declares the Webservice.")
    var target: String = "."

    @Flag(help: "Really print the keys.")
    var show = false

    @Flag(help: "Print JSON: primary_key, secondary_key (with --show).")
    var json = false

    @Option(help: "Write the keys to this sink instead of printing them: file:PATH, env-file:PATH or github-output.")
    var sink: String?

    @OptionGroup var connection: ConnectionOptions

    func validate() throws {
        if let sink, SecretSink(parsing: sink) == nil {
            throw ValidationError("--sink is one of \(SecretSink.forms.joined(separator: ", "))")
        }
        if sink != nil && (show || json) {
            throw ValidationError("--sink writes the keys; --show and --json print them")
        }
        guard show || sink != nil else {
            throw ValidationError("keys are secrets: add --show to print them, or --sink to write them")
        }
    }

    func run() async throws {
        let name = service
        let keys = try await withService(name, target: target, connection: connection, command: "keys") {
            _, client, base in
            try await client.listKeys(base: base, name: name)
        }
        let output = ServiceSecretOutput(
            items: [
                .init(
                    json: "primary_key", env: "AMLAUTH_PRIMARY_KEY", output: "primary-key",
                    value: .string(keys.primary), secret: true),
                .init(
                    json: "secondary_key", env: "AMLAUTH_SECONDARY_KEY", output: "secondary-key",
                    value: .string(keys.secondary), secret: true),
            ], environment: ProcessInfo.processInfo.environment)
        try ServiceSecrets.deliver(
            output, sink: sink, json: json, what: "the keys of Webservice/\(name)", command: "keys"
        ) { "primary:   \(keys.primary)\nsecondary: \(keys.secondary)\n" }
    }
}

/// The shared last step of `keys` and `token`: print, or write to the sink and say where.
enum ServiceSecrets {
    static func deliver(
        _ output: ServiceSecretOutput, sink: String?, json: Bool, what: String, command: String, text: () -> String
    ) throws {
        guard let sink, let parsed = SecretSink(parsing: sink) else {
            output.print(text: text(), json: json)
            return
        }
        do {
            try output.write(to: parsed, workingDirectory: FileManager.default.currentDirectoryPath)
        } catch {
            FileHandle.standardError.write(Data("amlauth \(command): cannot deliver to \(sink): \(error)\n".utf8))
            throw ExitCode.failure
        }
        FileHandle.standardOutput.write(Data("\(what) written to \(parsed)\n".utf8))
    }
}
