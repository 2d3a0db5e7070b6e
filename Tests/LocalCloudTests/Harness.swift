import AMLAuthCore
import AuthCrypto
import Foundation
import LocalCloud
import Synchronization
import Testing
import WireFormat

/// A local cloud in memory with a hand-driven clock: router tests call it directly, no socket.
struct Harness {
    /// Keys are expensive to make; every test cloud signs with the same ones.
    static let keys = try! SigningKeys.generate()

    let cloud: LocalCloud
    let clock: Clock
    let state: CloudState
    static let host = "127.0.0.1:8443"
    static let base = "https://127.0.0.1:8443"

    final class Clock: Sendable {
        private let value = Mutex<Double>(1_790_000_000)
        var now: Double { value.withLock { $0 } }
        func advance(_ seconds: Double) { value.withLock { $0 += seconds } }
    }

    static func make(seed: Seed = Seed(), _ configure: (inout LocalCloudOptions) -> Void = { _ in }) throws -> Harness {
        let clock = Clock()
        var options = LocalCloudOptions()
        options.now = { clock.now }
        configure(&options)
        let state = try seed.makeState(now: clock.now)
        let cloud = LocalCloud(store: CloudStore(state: state, directory: nil), keys: keys, options: options)
        return Harness(cloud: cloud, clock: clock, state: state)
    }

    var tenant: String { state.tenantID }
    var subscription: String { "/subscriptions/\(state.subscriptionID)" }
    var resourceGroup: String { subscription + "/resourceGroups/ml-rg" }
    var workspace: String { resourceGroup + "/providers/Microsoft.MachineLearningServices/workspaces/ml-example" }
    var mms: String { "/modelmanagement/v1.0" + workspace }

    func send(
        _ method: String, _ target: String, token: String? = nil, json: JSONValue? = nil,
        form: [(String, String)]? = nil, headers: [String: String] = [:]
    ) async -> CloudResponse {
        var allHeaders = headers
        allHeaders["Host"] = Self.host
        var body: [UInt8] = []
        if let token { allHeaders["Authorization"] = "Bearer \(token)" }
        if let json {
            body = Array(json.compact().utf8)
            allHeaders["Content-Type"] = "application/json"
        }
        if let form {
            body = Array(
                form.map { "\(FormEncoding.percentEncode($0.0))=\(FormEncoding.percentEncode($0.1))" }.joined(
                    separator: "&"
                ).utf8)
            allHeaders["Content-Type"] = "application/x-www-form-urlencoded"
        }
        return await cloud.handle(CloudRequest(method: method, target: target, headers: allHeaders, body: body))
    }

    /// A token for `scope` with a client secret (the bootstrap owner's by default).
    func token(scope: String = "https://management.azure.com/.default", clientID: String? = nil, secret: String? = nil)
        async throws -> String
    {
        let response = await send(
            "POST", "/\(tenant)/oauth2/v2.0/token",
            form: [
                ("grant_type", "client_credentials"), ("client_id", clientID ?? state.bootstrapClientID),
                ("client_secret", secret ?? state.bootstrapClientSecret), ("scope", scope),
            ])
        let token = try #require(
            response.json?["access_token"]?.stringValue,
            "token request failed: \(response.status) \(String(decoding: response.body, as: UTF8.self))")
        return token
    }

    func armToken() async throws -> String { try await token() }
    func graphToken() async throws -> String { try await token(scope: "https://graph.microsoft.com/.default") }

    /// A new application with a service principal and a password; returns (appId, spId, secret).
    func makePrincipal(_ name: String, tags: [String] = []) async throws -> (
        appID: String, objectID: String, secret: String
    ) {
        let graph = try await graphToken()
        let app = await send(
            "POST", "/graph/v1.0/applications", token: graph,
            json: .object([("displayName", .string(name)), ("tags", .array(tags.map(JSONValue.string)))]))
        let appID = try #require(app.json?["appId"]?.stringValue)
        let appObjectID = try #require(app.json?["id"]?.stringValue)
        let sp = await send(
            "POST", "/graph/v1.0/servicePrincipals", token: graph, json: .object([("appId", .string(appID))]))
        let spID = try #require(sp.json?["id"]?.stringValue)
        let password = await send(
            "POST", "/graph/v1.0/applications/\(appObjectID)/addPassword", token: graph,
            json: .object([("passwordCredential", .object([("displayName", .string("test"))]))]))
        let secret = try #require(password.json?["secretText"]?.stringValue)
        return (appID, spID, secret)
    }

    /// Assigns a built-in role to a principal at a scope, as the bootstrap owner.
    func assign(_ role: String, to principalID: String, at scope: String) async throws {
        let owner = try await armToken()
        let roleID = try #require(Roles.builtIn(named: role)?.id)
        let response = await send(
            "PUT",
            "\(scope)/providers/Microsoft.Authorization/roleAssignments/\(SecureRandom.uuid())?api-version=2022-04-01",
            token: owner,
            json: .object([
                (
                    "properties",
                    .object([
                        ("roleDefinitionId", .string("/providers/Microsoft.Authorization/roleDefinitions/\(roleID)")),
                        ("principalId", .string(principalID)), ("principalType", .string("ServicePrincipal")),
                    ])
                )
            ]))
        #expect(response.status == 201)
    }
}

extension CloudResponse {
    var text: String { String(decoding: body, as: UTF8.self) }
    /// ARM/Graph `error.code`, or the OAuth `error`.
    var errorCode: String? {
        json?["error"]?["code"]?.stringValue ?? json?["error"]?.stringValue ?? json?["code"]?.stringValue
    }
}
