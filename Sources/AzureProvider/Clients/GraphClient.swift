public import AMLAuthCore
import AuthCrypto
import Foundation
import HTTPClient
import WireFormat

/// An application as Graph returns it, parsed once here: the engine sees no Graph JSON.
public struct GraphApplication: Sendable, Equatable {
    public var id: String
    public var appID: String
    public var displayName: String
    public var tags: [String]
    public var passwords: [LivePassword]
    public var keyCredentials: [LiveKeyCredential]
    /// The client-chosen alternate key amlauth creates its applications with, if any.
    public var uniqueName: String?

    public init(
        id: String, appID: String, displayName: String, tags: [String], passwords: [LivePassword] = [],
        keyCredentials: [LiveKeyCredential] = [], uniqueName: String? = nil
    ) {
        self.id = id
        self.appID = appID
        self.displayName = displayName
        self.tags = tags
        self.passwords = passwords
        self.keyCredentials = keyCredentials
        self.uniqueName = uniqueName
    }

    init?(_ json: JSONValue) {
        guard let id = json["id"]?.stringValue, let appID = json["appId"]?.stringValue else { return nil }
        self.id = id
        self.appID = appID
        displayName = json["displayName"]?.stringValue ?? ""
        uniqueName = json["uniqueName"]?.stringValue
        tags = json["tags"]?.arrayValue?.compactMap(\.stringValue) ?? []
        passwords = (json["passwordCredentials"]?.arrayValue ?? []).compactMap { item in
            item["keyId"]?.stringValue.map { keyID in
                LivePassword(
                    keyID: keyID, displayName: item["displayName"]?.stringValue, hint: item["hint"]?.stringValue,
                    endDateTime: item["endDateTime"]?.stringValue.flatMap(GraphDate.parse) ?? 0)
            }
        }
        keyCredentials = (json["keyCredentials"]?.arrayValue ?? []).compactMap { item in
            item["keyId"]?.stringValue.map {
                LiveKeyCredential(
                    keyID: $0, displayName: item["displayName"]?.stringValue,
                    thumbprint: item["customKeyIdentifier"]?.stringValue.map { Base64.canonicalThumbprint($0) ?? $0 })
            }
        }
    }
}

/// A service principal: its object id and the application it belongs to.
public struct GraphServicePrincipal: Sendable, Equatable {
    public var id: String
    public var appID: String

    public init(id: String, appID: String) {
        self.id = id
        self.appID = appID
    }

    init?(_ json: JSONValue) {
        guard let id = json["id"]?.stringValue, let appID = json["appId"]?.stringValue else { return nil }
        self.init(id: id, appID: appID)
    }
}

/// A password Graph just created: the only time its secret text exists outside Entra. Never printed.
public struct CreatedPassword: Sendable, CustomStringConvertible {
    public var keyID: String
    public var secretText: String

    public init(keyID: String, secretText: String) {
        self.keyID = keyID
        self.secretText = secretText
    }

    public var description: String { "password \(keyID) (secret not shown)" }
}

/// One property of an application to PATCH.
public enum ApplicationUpdate: Sendable, Equatable {
    case displayName(String)
    case tags([String])
    /// The whole certificate collection: Graph's PATCH replaces it. `keeping` lists keyIds of
    /// certificates already on the application to send again unchanged (with the `key` Graph
    /// returns only on `$select=keyCredentials` for a single object).
    case keyCredentials([CertificateUpload], keeping: [String] = [])

    /// The PATCH body; `kept` are the existing entries to re-send, as Graph returned them.
    func json(kept: [JSONValue] = []) -> JSONValue {
        switch self {
        case .displayName(let name): .object([("displayName", .string(name))])
        case .tags(let tags): .object([("tags", .array(tags.map(JSONValue.string)))])
        case .keyCredentials(let uploads, _):
            .object([("keyCredentials", .array(kept + uploads.map(Self.keyCredential)))])
        }
    }

    /// A new certificate entry. Its validity dates are the certificate's own: left out, Graph
    /// assigns one year from now, and a longer-lived certificate would stop working in Entra
    /// after a year with nothing in the plan to say so (graph-docs
    /// applications-how-to-add-certificate.md; audit D13).
    static func keyCredential(_ upload: CertificateUpload) -> JSONValue {
        var pairs: [(String, JSONValue)] = [
            ("type", .string("AsymmetricX509Cert")), ("usage", .string("Verify")),
            ("displayName", .string(upload.displayName)), ("key", .string(Base64.encode(upload.der))),
        ]
        if let validity = (try? Certificate(der: upload.der))?.validity {
            pairs.append(("startDateTime", .string(GraphDate.format(validity.notBefore))))
            pairs.append(("endDateTime", .string(GraphDate.format(validity.notAfter))))
        }
        return .object(pairs)
    }
}

/// Graph's `DateTimeOffset` text (ISO 8601, with or without fractions) as seconds since 1970.
enum GraphDate {
    static func parse(_ text: String) -> Double? {
        if let date = try? Date(text, strategy: .iso8601) { return date.timeIntervalSince1970 }
        let formatter = ISO8601DateFormatter()
        formatter.formatOptions = [.withInternetDateTime, .withFractionalSeconds]
        return formatter.date(from: text)?.timeIntervalSince1970
    }

    static func format(_ seconds: Double) -> String { Date(timeIntervalSince1970: seconds).ISO8601Format() }
}

/// Microsoft Graph v1.0: applications, their passwords and federated credentials, and service
/// principals, as typed values.
public struct GraphClient: Sendable {
    public let pipeline: AzurePipeline
    public let cloud: AzureCloudEndpoints

    public init(pipeline: AzurePipeline, cloud: AzureCloudEndpoints) {
        self.pipeline = pipeline
        self.cloud = cloud
    }

    var root: String { cloud.microsoftGraph + "v1.0" }

    func request(_ method: String, _ path: String, json: JSONValue? = nil, accept: Set<Int> = [])
        -> AzurePipeline.Request
    {
        AzurePipeline.Request(
            method, root + path, service: .graph, audience: cloud.microsoftGraphAudience, json: json, accept: accept)
    }

    static func quoted(_ value: String) -> String { "'" + value.replacing("'", with: "''") + "'" }

    /// Applications carrying `tag` (`$filter=tags/any(t:t eq '…')`), across pages of 999, the
    /// largest `$top` Graph allows for directory objects (the default page is 100;
    /// learn.microsoft.com/graph/paging), so that a target's applications take one round trip,
    /// not one per hundred.
    public func applications(taggedWith tag: String) async throws(AzureError) -> [GraphApplication] {
        try await pipeline.listAll(
            request(
                "GET",
                "/applications?$filter=" + TokenClient.encode("tags/any(t:t eq \(Self.quoted(tag)))") + "&$top=999")
        ).compactMap(GraphApplication.init)
    }

    /// Applications with any of these display names: one request per 15 names.
    public func applications(namedAnyOf displayNames: [String]) async throws(AzureError) -> [GraphApplication] {
        try await list("applications", where: "displayName", isAnyOf: displayNames).compactMap(GraphApplication.init)
    }

    /// Applications with any of these appIds (client ids): one request per 15 appIds.
    public func applications(appIDsAnyOf appIDs: [String]) async throws(AzureError) -> [GraphApplication] {
        try await list("applications", where: "appId", isAnyOf: appIDs).compactMap(GraphApplication.init)
    }

    /// Service principals of any of these applications: one request per 15 appIds.
    public func servicePrincipals(appIDsAnyOf appIDs: [String]) async throws(AzureError) -> [GraphServicePrincipal] {
        try await list("servicePrincipals", where: "appId", isAnyOf: appIDs).compactMap(GraphServicePrincipal.init)
    }

    /// `$filter=<property> in (...)`, chunked by Graph's limit of 15 values per `in` clause; more
    /// than one chunk goes as the items of `$batch` requests (20 queries per round trip), merged in
    /// order.
    func list(_ entitySet: String, where property: String, isAnyOf values: [String]) async throws(AzureError)
        -> [JSONValue]
    {
        let urls = stride(from: 0, to: values.count, by: Self.maximumInValues).map { start in
            let chunk = values[start..<min(start + Self.maximumInValues, values.count)]
            let filter = "\(property) in (" + chunk.map(Self.quoted).joined(separator: ", ") + ")"
            return "/\(entitySet)?$filter=" + TokenClient.encode(filter)
        }
        if urls.count == 1 { return try await pipeline.listAll(request("GET", urls[0])) }
        return try await lists(urls).flatMap { $0 }
    }

    /// The ids among `ids` that the directory knows (users, groups, service principals), with
    /// `POST /directoryObjects/getByIds`, 1,000 ids per request (Graph's limit). Unknown ids are
    /// simply absent from the answer.
    public func existingDirectoryObjects(ids: [String]) async throws(AzureError) -> [String: LiveDirectoryObject] {
        var found: [String: LiveDirectoryObject] = [:]
        var start = 0
        while start < ids.count {
            let chunk = Array(ids[start..<min(start + 1_000, ids.count)])
            let body = JSONValue.object([
                ("ids", .array(chunk.map(JSONValue.string))),
                ("types", .array(["user", "group", "servicePrincipal"].map(JSONValue.string))),
            ])
            var lookup = request("POST", "/directoryObjects/getByIds", json: body)
            lookup.idempotent = true
            lookup.read = true
            for item in try await pipeline.json(lookup)["value"]?.arrayValue ?? [] {
                guard let id = item["id"]?.stringValue else { continue }
                // `#microsoft.graph.group` → `Group`, as role assignments write principal types.
                let odata = item["@odata.type"]?.stringValue ?? ""
                let type =
                    switch odata {
                    case "#microsoft.graph.user": "User"
                    case "#microsoft.graph.group": "Group"
                    case "#microsoft.graph.servicePrincipal": "ServicePrincipal"
                    default: String(odata.split(separator: ".").last ?? "object")
                    }
                found[id.lowercased()] = LiveDirectoryObject(type: type, displayName: item["displayName"]?.stringValue)
            }
            start += 1_000
        }
        return found
    }

    /// Values Graph accepts in one `in (...)` filter clause.
    static let maximumInValues = 15

    public func createApplication(displayName: String, tags: [String]) async throws(AzureError) -> GraphApplication {
        let target = "POST /applications"
        return try Self.typed(
            try await pipeline.json(
                request(
                    "POST", "/applications",
                    json: .object([("displayName", .string(displayName)), ("tags", .array(tags.map(JSONValue.string)))])
                )),
            GraphApplication.init, target)
    }

    public func updateApplication(id: String, _ update: ApplicationUpdate) async throws(AzureError) {
        var kept: [JSONValue] = []
        if case .keyCredentials(_, let keeping) = update, !keeping.isEmpty {
            // A plain GET returns `key: null`; only `$select` on one object returns the keys.
            let current = try await pipeline.json(request("GET", "/applications/\(id)?$select=keyCredentials"))
            let wanted = Set(keeping.map { $0.lowercased() })
            kept = (current["keyCredentials"]?.arrayValue ?? []).filter {
                wanted.contains($0["keyId"]?.stringValue?.lowercased() ?? "")
            }
        }
        _ = try await pipeline.send(request("PATCH", "/applications/\(id)", json: update.json(kept: kept)))
    }

    public func deleteApplication(id: String) async throws(AzureError) {
        _ = try await pipeline.send(request("DELETE", "/applications/\(id)", accept: [404]))
    }

    /// Adds a password ending at `endDateTime` (seconds since 1970); the answer holds `secretText`,
    /// the only time it is ever returned.
    public func addPassword(applicationID: String, displayName: String, endDateTime: Double?) async throws(AzureError)
        -> CreatedPassword
    {
        var credential: [(String, JSONValue)] = [("displayName", .string(displayName))]
        if let endDateTime { credential.append(("endDateTime", .string(GraphDate.format(endDateTime)))) }
        let json = try await pipeline.json(
            request(
                "POST", "/applications/\(applicationID)/addPassword",
                json: .object([("passwordCredential", .object(credential))])))
        guard let keyID = json["keyId"]?.stringValue, let secret = json["secretText"]?.stringValue else {
            throw Self.incomplete("POST /applications/\(applicationID)/addPassword")
        }
        return CreatedPassword(keyID: keyID, secretText: secret)
    }

    /// Removes a password. Repeating it is safe: when a repeat (after a broken connection or a
    /// 5xx) finds the key gone, an earlier attempt removed it, which is what was asked.
    public func removePassword(applicationID: String, keyID: String) async throws(AzureError) {
        var remove = request(
            "POST", "/applications/\(applicationID)/removePassword", json: .object([("keyId", .string(keyID))]))
        remove.idempotent = true
        do {
            _ = try await pipeline.send(remove)
        } catch  where error.attempts > 1 && (error.status == 400 || error.status == 404) {
            return
        }
    }

    public func federatedCredentials(applicationID: String) async throws(AzureError) -> [LiveFederatedCredential] {
        try await pipeline.listAll(request("GET", "/applications/\(applicationID)/federatedIdentityCredentials"))
            .compactMap(Self.federatedCredential)
    }

    /// Creates a federated credential. Repeating the POST is safe because Graph keeps names unique
    /// (a second create answers 409): a 409 whose existing credential is exactly this one means an
    /// earlier attempt made it.
    public func createFederatedCredential(applicationID: String, _ credential: DesiredFederatedCredential)
        async throws(AzureError)
    {
        var create = request(
            "POST", "/applications/\(applicationID)/federatedIdentityCredentials",
            json: .object([
                ("name", .string(credential.name)), ("issuer", .string(credential.issuer)),
                ("subject", .string(credential.subject)),
                ("audiences", .array(credential.audiences.map(JSONValue.string))),
            ]))
        create.idempotent = true
        do {
            _ = try await pipeline.json(create)
        } catch  where error.status == 409 {
            let existing = try await federatedCredentials(applicationID: applicationID)
            guard
                existing.contains(where: {
                    $0.name == credential.name && $0.issuer == credential.issuer && $0.subject == credential.subject
                        && $0.audiences == credential.audiences
                })
            else { throw error }
        }
    }

    /// `PATCH …/federatedIdentityCredentials/{id}` (204): issuer, subject and audiences change in
    /// place; the name is read-only. graph-docs `federatedidentitycredential-update`.
    public func updateFederatedCredential(
        applicationID: String, id: String, _ credential: DesiredFederatedCredential
    ) async throws(AzureError) {
        _ = try await pipeline.send(
            request(
                "PATCH", "/applications/\(applicationID)/federatedIdentityCredentials/\(id)",
                json: .object([
                    ("issuer", .string(credential.issuer)), ("subject", .string(credential.subject)),
                    ("audiences", .array(credential.audiences.map(JSONValue.string))),
                ])))
    }

    public func deleteFederatedCredential(applicationID: String, id: String) async throws(AzureError) {
        _ = try await pipeline.send(
            request("DELETE", "/applications/\(applicationID)/federatedIdentityCredentials/\(id)", accept: [404]))
    }

    /// One application by object id (its tags and passwords as they are now), or nil when Graph
    /// does not know it.
    public func application(id: String) async throws(AzureError) -> GraphApplication? {
        try await optional(request("GET", "/applications/\(id)", accept: [404])).flatMap(GraphApplication.init)
    }

    public func servicePrincipal(appID: String) async throws(AzureError) -> GraphServicePrincipal? {
        try await optional(request("GET", "/servicePrincipals(appId=\(Self.quoted(appID)))", accept: [404])).flatMap(
            GraphServicePrincipal.init)
    }

    public func servicePrincipal(id: String) async throws(AzureError) -> GraphServicePrincipal? {
        try await optional(request("GET", "/servicePrincipals/\(id)", accept: [404])).flatMap(
            GraphServicePrincipal.init)
    }

    /// Creates the application's service principal, or adopts the one that exists. Repeating the
    /// POST is safe because an application has at most one service principal: a second create
    /// answers 409 `Request_MultipleObjectsWithSameKeyValue`, and the existing one is read by appId.
    public func createServicePrincipal(appID: String, tags: [String]) async throws(AzureError) -> GraphServicePrincipal
    {
        var create = request(
            "POST", "/servicePrincipals",
            json: .object([("appId", .string(appID)), ("tags", .array(tags.map(JSONValue.string)))]))
        create.idempotent = true
        do {
            return try Self.typed(
                try await pipeline.json(create), GraphServicePrincipal.init, "POST /servicePrincipals")
        } catch  where error.status == 409 {
            guard let existing = try await servicePrincipal(appID: appID) else { throw error }
            return existing
        }
    }

    func optional(_ request: AzurePipeline.Request) async throws(AzureError) -> JSONValue? {
        let response = try await pipeline.send(request)
        return response.status == 404 ? nil : try? JSONParser.parse(response.body)
    }

    static func typed<T>(_ json: JSONValue, _ make: (JSONValue) -> T?, _ target: String) throws(AzureError) -> T {
        guard let value = make(json) else { throw incomplete(target) }
        return value
    }

    static func incomplete(_ target: String) -> AzureError {
        AzureError(
            service: .graph, status: 200, code: "InvalidResponse",
            message: "Graph answered without the fields amlauth needs", target: target)
    }
}
