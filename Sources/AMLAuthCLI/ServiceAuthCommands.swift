import AMLAuthCore
import ArgumentParser
import AzureProvider
import Engine
import Foundation
import WireFormat

/// Which kind of resource `token` and `keys` act on, when a name is both a Webservice and an
/// OnlineEndpoint of the manifests.
enum ServiceKind: String, ExpressibleByArgument, CaseIterable {
    case webservice
    case onlineEndpoint = "online-endpoint"
}

/// The scoring resource a name denotes: a v1 web service (by its MMS base) or a v2 online endpoint.
private enum ScoringResource: Sendable {
    case webservice(MachineLearningClient, base: String)
    case onlineEndpoint(any OnlineEndpointService, id: AzureResourceID, authMode: OnlineEndpointAuth)

    var address: String {
        switch self {
        case .webservice: "Webservice"
        case .onlineEndpoint: "OnlineEndpoint"
        }
    }
}

/// A scoring token of either kind, as `token` prints it.
private struct ScoringToken: Sendable {
    var accessToken: String
    var refreshAfter: Double
    var expiryOn: Double
}

/// Finds a web service or online endpoint of the manifests and runs `body` with what it needs.
private func withService<T: Sendable>(
    _ name: String, kind: ServiceKind?, target: String, connection: ConnectionOptions, command: String,
    _ body: @Sendable (ScoringResource) async throws -> T
) async throws -> T {
    let options = Composition.Options(
        targetDirectory: target, environment: ProcessInfo.processInfo.environment,
        workingDirectory: FileManager.default.currentDirectoryPath,
        caBundle: connection.caBundle, verbose: connection.verbose, amlauthFilesOnly: true)
    let (loaded, session) = try await Composition.open(options, command: command)
    do {
        let manifests = loaded.manifests
        let service = kind == .onlineEndpoint ? nil : manifests.webservices.first { $0.name == name }
        let endpoint = kind == .webservice ? nil : manifests.onlineEndpoints.first { $0.name == name }
        if service != nil, endpoint != nil {
            throw SessionError.message(
                "'\(name)' is both a Webservice and an OnlineEndpoint of the manifests; add --kind webservice or --kind online-endpoint"
            )
        }
        guard let workspaceName = service?.workspace ?? endpoint?.workspace,
            let workspace = manifests.workspaces.first(where: { $0.name == workspaceName })
        else {
            let what =
                kind.map { $0 == .webservice ? "Webservice" : "OnlineEndpoint" } ?? "Webservice or OnlineEndpoint"
            throw SessionError.message("no \(what) named '\(name)' in the manifests")
        }
        guard let subscription = GUID(session.subscriptionID) else {
            throw SessionError.message("'\(session.subscriptionID)' is not a subscription GUID")
        }
        let id = DesiredState.workspaceID(
            subscription: subscription, resourceGroup: workspace.resourceGroup, name: workspace.name)
        let resource: ScoringResource
        if let endpoint {
            let provider = Provider(pipeline: session.pipeline, cloud: session.cloud)
            resource = .onlineEndpoint(
                provider.onlineEndpoints, id: id.child("onlineEndpoints", endpoint.name), authMode: endpoint.authMode)
        } else {
            let client = MachineLearningClient(pipeline: session.pipeline, cloud: session.cloud)
            resource = .webservice(client, base: try await client.modelManagementBase(workspaceID: id))
        }
        let result = try await body(resource)
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
        abstract:
            "Fetch a token for a token-auth web service or aml_token online endpoint and print it with its refresh and expiry times.",
        discussion: """
            Under GITHUB_ACTIONS=true the token is masked (::add-mask::) before it is printed. With --sink it is \
            written there (file:PATH as JSON, env-file:PATH, github-output) and not printed.
            """)

    @Argument(help: "The Webservice's or OnlineEndpoint's name in the manifests.")
    var service: String

    @Option(help: "Directory with the manifests, or the manifest file that declares the Webservice.")
    var target: String = "."

    @Option(help: "webservice or online-endpoint, when the name is both.")
    var kind: ServiceKind?

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
        let (token, address) = try await withService(
            name, kind: kind, target: target, connection: connection, command: "token"
        ) { resource async throws -> (ScoringToken, String) in
            switch resource {
            case .webservice(let client, let base):
                let token = try await client.token(base: base, name: name)
                return (
                    ScoringToken(
                        accessToken: token.accessToken, refreshAfter: token.refreshAfter, expiryOn: token.expiryOn),
                    resource.address
                )
            case .onlineEndpoint(let service, let id, let mode):
                guard mode == .amlToken else {
                    throw SessionError.message(
                        mode == .key
                            ? "OnlineEndpoint '\(name)' uses key auth: use 'amlauth keys \(name) --show'"
                            : "OnlineEndpoint '\(name)' uses aad_token: score with an Entra token of your own for https://ml.azure.com/.default"
                    )
                }
                let token = try await service.onlineEndpointToken(id: id)
                return (
                    ScoringToken(
                        accessToken: token.accessToken, refreshAfter: token.refreshAfter, expiryOn: token.expiresOn),
                    resource.address
                )
            }
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
            output, sink: sink, json: json, what: "the token of \(address)/\(name)", command: "token"
        ) {
            "\(token.accessToken)\nrefresh after: \(Date(timeIntervalSince1970: token.refreshAfter).ISO8601Format())\nexpires:       \(Date(timeIntervalSince1970: token.expiryOn).ISO8601Format())\n"
        }
    }
}

/// `amlauth keys SERVICE --show`: a key-auth web service's keys, only when asked explicitly.
struct KeysCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "keys",
        abstract:
            "Print a key-auth web service's or online endpoint's primary and secondary keys (needs --show), or write them to a sink.",
        discussion: """
            Under GITHUB_ACTIONS=true the keys are masked (::add-mask::) before they are printed. With --sink they \
            are written there (file:PATH as JSON, env-file:PATH, github-output) and not printed.
            """)

    @Argument(help: "The Webservice's or OnlineEndpoint's name in the manifests.")
    var service: String

    @Option(help: "Directory with the manifests, or the manifest file that declares the Webservice.")
    var target: String = "."

    @Option(help: "webservice or online-endpoint, when the name is both.")
    var kind: ServiceKind?

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
        let (keys, address) = try await withService(
            name, kind: kind, target: target, connection: connection, command: "keys"
        ) { resource async throws -> ((primary: String, secondary: String), String) in
            switch resource {
            case .webservice(let client, let base):
                return (try await client.listKeys(base: base, name: name), resource.address)
            case .onlineEndpoint(let service, let id, let mode):
                guard mode == .key else {
                    throw SessionError.message(
                        "OnlineEndpoint '\(name)' uses \(mode.rawValue) auth, not key: use 'amlauth token \(name)'")
                }
                let keys = try await service.onlineEndpointKeys(id: id)
                return ((keys.primaryKey, keys.secondaryKey), resource.address)
            }
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
            output, sink: sink, json: json, what: "the keys of \(address)/\(name)", command: "keys"
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
