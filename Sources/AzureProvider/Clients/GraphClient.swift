public import AMLAuthCore
import HTTPClient

/// Microsoft Graph v1.0: applications, their passwords and federated credentials, and service
/// principals. Values stay JSON: the engine maps the few fields it needs.
public struct GraphClient: Sendable {
    public let pipeline: AzurePipeline
    public let cloud: AzureCloudEndpoints

    public init(pipeline: AzurePipeline, cloud: AzureCloudEndpoints) {
        self.pipeline = pipeline
        self.cloud = cloud
    }

    var root: String { cloud.microsoftGraph + "v1.0" }

    private func request(_ method: String, _ path: String, json: JSONValue? = nil, accept: Set<Int> = []) -> AzurePipeline.Request {
        AzurePipeline.Request(method, root + path, service: .graph, audience: cloud.microsoftGraphAudience, json: json, accept: accept)
    }

    static func quoted(_ value: String) -> String { "'" + value.replacing("'", with: "''") + "'" }

    /// Applications carrying `tag` (`$filter=tags/any(t:t eq '…')`), across pages.
    public func applications(taggedWith tag: String) async throws(AzureError) -> [JSONValue] {
        try await pipeline.listAll(request("GET", "/applications?$filter=" + TokenClient.encode("tags/any(t:t eq \(Self.quoted(tag)))")))
    }

    /// Applications with any of these display names: one request per 15 names.
    public func applications(namedAnyOf displayNames: [String]) async throws(AzureError) -> [JSONValue] {
        try await list("applications", where: "displayName", isAnyOf: displayNames)
    }

    /// Service principals of any of these applications: one request per 15 appIds.
    public func servicePrincipals(appIDsAnyOf appIDs: [String]) async throws(AzureError) -> [JSONValue] {
        try await list("servicePrincipals", where: "appId", isAnyOf: appIDs)
    }

    /// `$filter=<property> in (...)`, chunked by Graph's limit of 15 values per `in` clause.
    private func list(_ entitySet: String, where property: String, isAnyOf values: [String]) async throws(AzureError) -> [JSONValue] {
        var found: [JSONValue] = []
        var start = 0
        while start < values.count {
            let chunk = values[start..<min(start + Self.maximumInValues, values.count)]
            let filter = "\(property) in (" + chunk.map(Self.quoted).joined(separator: ", ") + ")"
            found += try await pipeline.listAll(request("GET", "/\(entitySet)?$filter=" + TokenClient.encode(filter)))
            start += Self.maximumInValues
        }
        return found
    }

    /// Values Graph accepts in one `in (...)` filter clause.
    static let maximumInValues = 15

    /// By application (client) id, via the `appId` alternate key; nil when there is none.
    public func application(appID: String) async throws(AzureError) -> JSONValue? {
        try await optional(request("GET", "/applications(appId=\(Self.quoted(appID)))", accept: [404]))
    }

    public func createApplication(displayName: String, tags: [String]) async throws(AzureError) -> JSONValue {
        try await pipeline.json(request("POST", "/applications", json: .object([("displayName", .string(displayName)), ("tags", .array(tags.map(JSONValue.string)))])))
    }

    public func updateApplication(id: String, _ changes: JSONValue) async throws(AzureError) {
        _ = try await pipeline.send(request("PATCH", "/applications/\(id)", json: changes))
    }

    public func deleteApplication(id: String) async throws(AzureError) {
        _ = try await pipeline.send(request("DELETE", "/applications/\(id)", accept: [404]))
    }

    /// Adds a password; the answer holds `secretText`, the only time it is ever returned.
    public func addPassword(applicationID: String, displayName: String, endDateTime: String?) async throws(AzureError) -> JSONValue {
        var credential: [(String, JSONValue)] = [("displayName", .string(displayName))]
        if let endDateTime { credential.append(("endDateTime", .string(endDateTime))) }
        return try await pipeline.json(request("POST", "/applications/\(applicationID)/addPassword", json: .object([("passwordCredential", .object(credential))])))
    }

    public func removePassword(applicationID: String, keyID: String) async throws(AzureError) {
        _ = try await pipeline.send(request("POST", "/applications/\(applicationID)/removePassword", json: .object([("keyId", .string(keyID))])))
    }

    public func federatedCredentials(applicationID: String) async throws(AzureError) -> [JSONValue] {
        try await pipeline.listAll(request("GET", "/applications/\(applicationID)/federatedIdentityCredentials"))
    }

    public func createFederatedCredential(applicationID: String, _ body: JSONValue) async throws(AzureError) -> JSONValue {
        try await pipeline.json(request("POST", "/applications/\(applicationID)/federatedIdentityCredentials", json: body))
    }

    public func deleteFederatedCredential(applicationID: String, id: String) async throws(AzureError) {
        _ = try await pipeline.send(request("DELETE", "/applications/\(applicationID)/federatedIdentityCredentials/\(id)", accept: [404]))
    }

    public func servicePrincipal(appID: String) async throws(AzureError) -> JSONValue? {
        try await optional(request("GET", "/servicePrincipals(appId=\(Self.quoted(appID)))", accept: [404]))
    }

    public func servicePrincipal(id: String) async throws(AzureError) -> JSONValue? {
        try await optional(request("GET", "/servicePrincipals/\(id)", accept: [404]))
    }

    public func createServicePrincipal(appID: String, tags: [String]) async throws(AzureError) -> JSONValue {
        try await pipeline.json(request("POST", "/servicePrincipals", json: .object([("appId", .string(appID)), ("tags", .array(tags.map(JSONValue.string)))])))
    }

    private func optional(_ request: AzurePipeline.Request) async throws(AzureError) -> JSONValue? {
        let response = try await pipeline.send(request)
        return response.status == 404 ? nil : try? JSONParser.parse(response.body)
    }
}
