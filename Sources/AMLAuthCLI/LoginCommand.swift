import AMLAuthCore
import ArgumentParser
import AzureProvider
import Foundation
import LocalCloudServer

/// `amlauth login`: signs a person in with the device-code flow and caches the refresh token, so
/// plan and apply run as them when no environment credential is set.
struct LoginCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "login",
        abstract: "Sign in as a person with a device code; plan and apply then run as you.",
        discussion: """
            Prints a code and a page to open (on any device), waits until you approve, and caches the \
            refresh token in $XDG_CONFIG_HOME/amlauth/login.json (else ~/.amlauth/login.json), mode 0600. \
            The credential chain uses it after environment credentials and before the Azure CLI. Access \
            tokens are never cached. 'amlauth logout' removes it.
            """)

    @Option(help: "Directory with the manifests, or the manifest file with the Target (it says which cloud).")
    var target: String = "."

    @Option(help: "The tenant to sign in to (default: the Target's tenant_id, else 'organizations').")
    var tenant: String?

    @Option(help: "The public client to sign in through (default: the Azure CLI's).")
    var clientID: String = DeviceCodeLogin.azureCLIClientID

    @OptionGroup var connection: ConnectionOptions

    func run() async throws {
        let environment = ProcessInfo.processInfo.environment
        func fail(_ message: String) -> ExitCode {
            FileHandle.standardError.write(Data("amlauth login: \(message)\n".utf8))
            return ExitCode.failure
        }
        guard let store = LoginStore.locate(environment: environment) else {
            throw fail("neither XDG_CONFIG_HOME nor HOME is set: there is nowhere to keep the login")
        }
        let options = Composition.Options(
            targetDirectory: target, environment: environment,
            workingDirectory: FileManager.default.currentDirectoryPath, caBundle: connection.caBundle,
            verbose: connection.verbose, amlauthFilesOnly: true)
        let loaded: Composition.LoadedManifests
        let opened: (AzureCloudEndpoints, AzureCloudEndpoints.FileExtras, RunningLocalCloud?)
        do {
            loaded = try Composition.load(options)
            opened = try await Composition.openCloud(loaded)
        } catch {
            switch error {
            case .invalidManifests(let output): FileHandle.standardOutput.write(Data(output.utf8))
            case .message(let message): FileHandle.standardError.write(Data("amlauth login: \(message)\n".utf8))
            }
            throw ExitCode.failure
        }
        let (cloud, extras, running) = opened
        let tenant = tenant ?? loaded.target.tenantID?.value ?? extras.tenantID ?? "organizations"
        do {
            var log: (@Sendable (String) -> Void)?
            if connection.verbose {
                log = { line in FileHandle.standardError.write(Data("amlauth: \(line)\n".utf8)) }
            }
            let client = TokenClient(
                cloud: cloud, transport: try Composition.transport(cloud: cloud, options: options), log: log)
            let outcome = try await DeviceCodeLogin(client: client, tenant: tenant, clientID: clientID).run {
                FileHandle.standardError.write(Data(($0.message + "\n").utf8))
            }
            var cache = try store.load()
            cache.store(LoginCache.Entry(account: outcome.account, refreshToken: outcome.refreshToken))
            try store.save(cache)
            await running?.stop()
            FileHandle.standardOutput.write(
                Data(
                    "Logged in as \(outcome.account.username) (tenant \(outcome.account.tenantID)); the login is kept in \(store.path).\n"
                        .utf8))
        } catch let error as AzureError {
            await running?.stop()
            throw fail(error.message)
        } catch {
            await running?.stop()
            throw fail("\(error)")
        }
    }
}

/// `amlauth logout`: forgets cached logins, all of them or one tenant's.
struct LogoutCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "logout",
        abstract: "Remove the login 'amlauth login' cached (all tenants, or --tenant's).")

    @Option(help: "Forget only this tenant's login.")
    var tenant: String?

    func run() async throws {
        guard let store = LoginStore.locate(environment: ProcessInfo.processInfo.environment) else {
            FileHandle.standardError.write(Data("amlauth logout: neither XDG_CONFIG_HOME nor HOME is set\n".utf8))
            throw ExitCode.failure
        }
        do {
            guard let tenant else {
                // Everything: the file goes, whatever state it is in (a refused cache included).
                try LoginStore.removeAll(store)
                FileHandle.standardOutput.write(Data("Logged out: removed \(store.path).\n".utf8))
                return
            }
            var cache = try store.load()
            let before = cache.entries.count
            cache.entries.removeAll { $0.account.tenantID.lowercased() == tenant.lowercased() }
            try store.save(cache)
            let message =
                before == cache.entries.count ? "No login for tenant \(tenant)." : "Logged out of tenant \(tenant)."
            FileHandle.standardOutput.write(Data((message + "\n").utf8))
        } catch {
            FileHandle.standardError.write(Data("amlauth logout: \(error.message)\n".utf8))
            throw ExitCode.failure
        }
    }
}
