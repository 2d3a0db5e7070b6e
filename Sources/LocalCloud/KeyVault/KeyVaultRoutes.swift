import AMLAuthCore
import AuthCrypto
import WireFormat

/// Key Vault's secrets API for RBAC vaults, on the local cloud's one origin:
/// `/keyvault/{vault}/secrets/{name}` (PUT sets a new version, GET reads the current one) and
/// `/keyvault/{vault}/secrets/{name}/{version}`, with `api-version` required, tokens for
/// `https://vault.azure.net`, and the data actions of the Key Vault roles checked at the secret's
/// scope (`…/vaults/{vault}/secrets/{name}`, so a grant on the vault, its resource group or the
/// subscription covers it). Bodies and errors have Key Vault's shapes: `SecretBundle`
/// (`value`, `id`, `contentType`, `attributes`, `tags`); `{"error":{"code","message",
/// "innererror"}}` with `Forbidden`/`ForbiddenByRbac` for a caller without the role, `Unauthorized`
/// and a `WWW-Authenticate` challenge naming the vault's resource without a token,
/// `SecretNotFound` for an unknown secret.
struct KeyVaultRoutes {
    let cloud: LocalCloud
    let context: RequestContext

    static let setAction = "Microsoft.KeyVault/vaults/secrets/setSecret/action"
    static let getAction = "Microsoft.KeyVault/vaults/secrets/getSecret/action"

    func handle(_ rest: [String]) async -> CloudResponse {
        guard rest.count == 3 || rest.count == 4, rest[1].lowercased() == "secrets" else {
            return Self.error(404, "NotFound", "The requested resource was not found.")
        }
        let state = await cloud.store.state
        guard let vault = state.vaults?.first(where: { $0.name.lowercased() == rest[0].lowercased() }) else {
            return Self.error(404, "VaultNotFound", "Vault '\(rest[0])' does not exist.")
        }
        let caller: Caller
        switch BearerCheck.authenticate(
            context, cloud: cloud, tenantID: state.tenantID, audiences: Audience.keyVault, style: .keyVault)
        {
        case .failure(let response): return response
        case .success(let found): caller = found
        }
        guard context.request.query("api-version") != nil else {
            return Self.error(400, "BadParameter", "The request URI contains an invalid or missing api-version.")
        }
        let name = rest[2]
        guard (1...127).contains(name.count), name.unicodeScalars.allSatisfy({ $0.isASCIIAlphanumeric || $0 == "-" })
        else {
            return Self.error(400, "BadParameter", "The request URI contains an invalid name: \(name)")
        }
        let scope = vault.resourceID(subscription: state.subscriptionID) + "/secrets/" + name
        switch (context.request.method, rest.count) {
        case ("PUT", 3):
            guard Authorization.isAllowed(caller.objectID, dataAction: Self.setAction, at: scope, in: state) else {
                return forbidden(caller, Self.setAction, scope, vault)
            }
            return await set(vault, name)
        case ("GET", _):
            guard Authorization.isAllowed(caller.objectID, dataAction: Self.getAction, at: scope, in: state) else {
                return forbidden(caller, Self.getAction, scope, vault)
            }
            let versions = vault.secrets.filter { $0.name.lowercased() == name.lowercased() }
            let found = rest.count == 4 ? versions.first { $0.version == rest[3].lowercased() } : versions.last
            guard let found else {
                return Self.error(
                    404, "SecretNotFound",
                    "A secret with (name/id) \(name) was not found in this key vault. If you recently deleted this secret you may be able to recover it using the correct recovery command. For help resolving this issue, please see https://go.microsoft.com/fwlink/?linkid=2125182"
                )
            }
            return .json(200, bundle(found, vault))
        default:
            return Self.error(405, "MethodNotAllowed", "The requested method is not allowed.")
        }
    }

    private func set(_ vault: VaultRecord, _ name: String) async -> CloudResponse {
        guard let body = try? JSONParser.parse(context.request.body), let value = body["value"]?.stringValue else {
            return Self.error(400, "BadParameter", "Property 'value' is required and must be a string.")
        }
        var tags: [String: String] = [:]
        for (key, tag) in body["tags"]?.objectValue ?? [] {
            guard let text = tag.stringValue else {
                return Self.error(400, "BadParameter", "Tag values must be strings.")
            }
            tags[key] = text
        }
        guard tags.count <= 15 else { return Self.error(400, "BadParameter", "A secret may have at most 15 tags.") }
        let record = SecretVersionRecord(
            name: name, version: SecureRandom.uuid().replacing("-", with: ""), value: value,
            contentType: body["contentType"]?.stringValue, tags: tags, created: context.now.rounded(.down))
        do {
            try await cloud.store.write { state in
                guard let index = state.vaults?.firstIndex(where: { $0.name == vault.name }) else { return }
                state.vaults?[index].secrets.append(record)
            }
        } catch {
            return Self.error(500, "InternalServerError", "The local cloud could not persist the secret.")
        }
        return .json(200, bundle(record, vault))
    }

    private func bundle(_ record: SecretVersionRecord, _ vault: VaultRecord) -> JSONValue {
        let created = JSONValue.number(record.created)
        var fields: [(String, JSONValue)] = [
            ("value", .string(record.value)),
            ("id", .string("\(context.base)/keyvault/\(vault.name)/secrets/\(record.name)/\(record.version)")),
        ]
        if let contentType = record.contentType { fields.append(("contentType", .string(contentType))) }
        fields.append(
            (
                "attributes",
                .object([
                    ("enabled", .bool(true)), ("created", created), ("updated", created),
                    ("recoveryLevel", .string("Recoverable+Purgeable")), ("recoverableDays", .number(90)),
                ])
            ))
        fields.append(("tags", .object(record.tags.sorted { $0.key < $1.key }.map { ($0.key, .string($0.value)) })))
        return .object(fields)
    }

    /// Key Vault's 403 for an RBAC vault, with its multi-line message and `ForbiddenByRbac`.
    private func forbidden(_ caller: Caller, _ action: String, _ scope: String, _ vault: VaultRecord)
        -> CloudResponse
    {
        let message =
            "Caller is not authorized to perform action on resource.\r\nIf role assignments, deny assignments or role definitions were changed recently, please observe propagation time.\r\nCaller: appid=\(caller.appID);oid=\(caller.objectID)\r\nAction: '\(action)'\r\nResource: '\(scope.lowercased())'\r\nAssignment: (not found)\r\nDecisionReason: 'DeniedWithNoValidRBAC' \r\nVault: \(vault.name);location=\(vault.location)\r\n"
        return .json(
            403,
            .object([
                (
                    "error",
                    .object([
                        ("code", .string("Forbidden")), ("message", .string(message)),
                        ("innererror", .object([("code", .string("ForbiddenByRbac"))])),
                    ])
                )
            ]))
    }

    static func error(_ status: Int, _ code: String, _ message: String) -> CloudResponse {
        .json(status, .object([("error", .object([("code", .string(code)), ("message", .string(message))]))]))
    }
}

extension Unicode.Scalar {
    fileprivate var isASCIIAlphanumeric: Bool {
        ("a"..."z").contains(self) || ("A"..."Z").contains(self) || ("0"..."9").contains(self)
    }
}
