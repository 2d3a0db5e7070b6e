import AMLAuthCore
import ArgumentParser
import AzureProvider
import Engine
import Foundation
import WireFormat

/// `amlauth whoami --for DIR`: can this identity apply these manifests? Checks what applying
/// every manifest would need (role-assignment writes at each scope, service writes in each
/// workspace, Graph application writes, Key Vault `setSecret`), without reading or planning
/// anything else, and reports every missing permission at once with the narrowest built-in role
/// that grants it. Exit 1 when anything is missing.
enum PreflightCheck {
    static func run(directory: String, connection: ConnectionOptions, json: Bool) async throws {
        let options = Composition.Options(
            targetDirectory: directory, environment: ProcessInfo.processInfo.environment,
            workingDirectory: FileManager.default.currentDirectoryPath, caBundle: connection.caBundle,
            verbose: connection.verbose)
        let loaded: Composition.LoadedManifests
        let session: Session
        do {
            loaded = try Composition.load(options)
            session = try await Composition.connect(loaded, options)
        } catch {
            error.report(command: "whoami")
            throw ExitCode.failure
        }
        let report: PreflightReport
        let principal: String
        do {
            guard let subscription = GUID(session.subscriptionID) else {
                throw AzureError(
                    service: .resourceManager, status: nil, code: "InvalidSubscription",
                    message: "'\(session.subscriptionID)' is not a subscription GUID", target: "")
            }
            let desired = DesiredState.resolve(
                loaded.manifests, target: loaded.target.name, subscriptionID: subscription,
                certificates: loaded.certificates, codes: loaded.codeSnapshots.mapValues(\.digest),
                entryScripts: loaded.entryScripts)
            principal =
                try await session.tokens.accessToken(audience: session.cloud.resourceManagerAudience).objectID
                ?? "unknown"
            report = try await session.permissionsReader.report(PermissionNeeds(desired: desired), known: [:])
        } catch {
            FileHandle.standardError.write(Data("amlauth whoami: \(error)\n".utf8))
            await session.close()
            throw ExitCode.failure
        }
        await session.close()
        FileHandle.standardOutput.write(Data(render(report, target: loaded.target.name, principal, json: json).utf8))
        if !report.missing.isEmpty { throw ExitCode.failure }
    }

    static func render(_ report: PreflightReport, target: String, _ principal: String, json: Bool) -> String {
        if json {
            return JSONValue.object([
                ("target", .string(target)), ("objectId", .string(principal)),
                ("missing", .array(report.missing.map(\.json))),
                ("unchecked", .array(report.unchecked.map(JSONValue.string))),
            ]).serialized() + "\n"
        }
        var lines = ["preflight for target '\(target)' as \(principal):"]
        if report.missing.isEmpty {
            lines.append("  every permission the manifests need is held")
        }
        lines += report.missing.map { "  ✗ \($0.message)" }
        lines += report.unchecked.map { "  - not checked: \($0)" }
        return lines.joined(separator: "\n") + "\n"
    }
}
