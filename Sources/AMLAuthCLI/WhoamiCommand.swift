import AMLAuthCore
import ArgumentParser
import AzureProvider
import Foundation
import WireFormat

/// `amlauth whoami`: logs in the way plan and apply will, and says as whom.
struct WhoamiCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "whoami",
        abstract: "Log in as plan and apply would, and print the cloud, tenant, subscription, principal and its roles.",
        discussion: """
            Credentials, first match wins: AZURE_CREDENTIALS (sdk-auth JSON); AZURE_CLIENT_ID and \
            AZURE_TENANT_ID with AZURE_CLIENT_SECRET, AZURE_CLIENT_CERTIFICATE_PATH (PEM with key) or \
            AZURE_FEDERATED_TOKEN_FILE; GitHub Actions OIDC (ACTIONS_ID_TOKEN_REQUEST_URL with AZURE_CLIENT_ID); \
            the person signed in with 'amlauth login'; with 'cloud: local', the local cloud's bootstrap owner; \
            the Azure CLI. Errors name the source tried \
            and Entra's AADSTS code, never a secret.
            """)

    @Option(
        help:
            "Directory with the manifests, or the manifest file with the Target (it says which cloud, tenant and subscription)."
    )
    var target: String = "."

    @OptionGroup var connection: ConnectionOptions

    @Option(
        name: .customLong("for"),
        help:
            "Check, without planning, that this identity holds every permission applying the manifests in this directory needs; exit 1 when any is missing."
    )
    var forDirectory: String?

    @Flag(help: "Print JSON: cloud, tenantId, subscriptionId, clientId, objectId, credential, roleAssignments.")
    var json = false

    func run() async throws {
        if let forDirectory {
            return try await PreflightCheck.run(directory: forDirectory, connection: connection, json: json)
        }
        let options = Composition.Options(
            targetDirectory: target, environment: ProcessInfo.processInfo.environment,
            workingDirectory: FileManager.default.currentDirectoryPath, caBundle: connection.caBundle,
            verbose: connection.verbose, amlauthFilesOnly: true)
        let session: Session
        do {
            session = try await Composition.connect(try Composition.load(options), options)
        } catch {
            switch error {
            case .invalidManifests(let output): FileHandle.standardOutput.write(Data(output.utf8))
            case .message(let message): FileHandle.standardError.write(Data("amlauth whoami: \(message)\n".utf8))
            }
            throw ExitCode.failure
        }
        do {
            let token = try await session.tokens.accessToken(audience: session.cloud.resourceManagerAudience)
            let objectID = token.objectID ?? "unknown"
            let scope = "/subscriptions/\(session.subscriptionID)"
            let authorization = AuthorizationClient(pipeline: session.pipeline, cloud: session.cloud)
            // Listing needs read access at the subscription; a narrowly scoped principal may lack it.
            var assignments: [AuthorizationClient.RoleAssignment]?
            do {
                assignments = try await authorization.listRoleAssignments(
                    scope: scope, atScopeOnly: false, principalID: objectID)
            } catch  where error.status == 403 {
                assignments = nil
            }
            let names = (try? await authorization.roleDefinitionNames(scope: scope)) ?? [:]
            let sorted = (assignments ?? []).sorted(by: {
                ($0.scope.lowercased(), $0.roleDefinitionGUID) < ($1.scope.lowercased(), $1.roleDefinitionGUID)
            })
            if json {
                // roleAssignments is null when the principal may not read them, [] when it holds none.
                func text(_ value: String?) -> JSONValue { value.map(JSONValue.string) ?? .null }
                let document = JSONValue.object([
                    ("cloud", .string(session.cloud.name)), ("resourceManager", .string(session.cloud.resourceManager)),
                    ("tenantId", text(session.credential.tenantID)),
                    ("subscriptionId", .string(session.subscriptionID)),
                    ("clientId", text(session.credential.clientID)), ("objectId", text(token.objectID)),
                    ("credential", .string(session.credential.source)),
                    (
                        "roleAssignments",
                        assignments == nil
                            ? .null
                            : .array(
                                sorted.map {
                                    .object([
                                        ("role", .string(names[$0.roleDefinitionGUID] ?? $0.roleDefinitionGUID)),
                                        ("roleDefinitionId", .string($0.roleDefinitionGUID)),
                                        ("scope", .string($0.scope)),
                                    ])
                                })
                    ),
                ])
                FileHandle.standardOutput.write(Data((document.serialized() + "\n").utf8))
                await session.close()
                return
            }
            var lines = [
                "cloud:         \(session.cloud.name) (\(session.cloud.resourceManager))",
                "tenant:        \(session.credential.tenantID ?? "unknown")",
                "subscription:  \(session.subscriptionID)",
                "client id:     \(session.credential.clientID ?? "unknown")",
                "object id:     \(objectID)",
                "credential:    \(session.credential.source)",
                "role assignments of this principal in the subscription:",
            ]
            if assignments == nil {
                lines.append("  (not readable: this principal may not read role assignments at \(scope))")
            }
            if assignments?.isEmpty == true { lines.append("  (none)") }
            for assignment in sorted {
                lines.append(
                    "  \(names[assignment.roleDefinitionGUID] ?? assignment.roleDefinitionGUID)  \(assignment.scope)")
            }
            FileHandle.standardOutput.write(Data((lines.joined(separator: "\n") + "\n").utf8))
            await session.close()
        } catch {
            FileHandle.standardError.write(Data("amlauth whoami: \(error)\n".utf8))
            await session.close()
            throw ExitCode.failure
        }
    }
}
