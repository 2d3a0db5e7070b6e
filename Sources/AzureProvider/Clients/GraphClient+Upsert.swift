import HTTPClient
import WireFormat

/// Create-or-update by alternate key: what makes creating an application idempotent, so two
/// applies that both planned "create" make one application, not two.
///
/// `PATCH /applications(uniqueName='…')` and `PATCH /servicePrincipals(appId='…')` with
/// `Prefer: create-if-missing` answer 201 with the new object, or 204 (no body) when the key
/// already existed and the object was updated instead; the object is then read by the same key.
/// Source: Microsoft Graph v1.0 "Upsert application" and "Upsert servicePrincipal"
/// (learn.microsoft.com/graph/api/application-upsert, …/serviceprincipal-upsert).
extension GraphClient {
    /// Creates the application with `uniqueName`, or updates the one that has it. `tags` nil
    /// leaves an existing application's tags as they are.
    public func upsertApplication(uniqueName: String, displayName: String, tags: [String]?) async throws(AzureError)
        -> (application: GraphApplication, created: Bool)
    {
        var body: [(String, JSONValue)] = [("displayName", .string(displayName))]
        if let tags { body.append(("tags", .array(tags.map(JSONValue.string)))) }
        let path = "/applications(uniqueName=\(Self.quoted(uniqueName)))"
        var upsert = request("PATCH", path, json: .object(body))
        upsert.headers.append(("Prefer", "create-if-missing"))
        // Repeating it converges on the same object: safe to resend after a broken connection.
        upsert.idempotent = true
        let response = try await pipeline.send(upsert)
        if response.status == 201, let json = try? JSONParser.parse(response.body),
            let created = GraphApplication(json)
        {
            return (created, true)
        }
        guard let existing = try await application(uniqueName: uniqueName) else {
            throw Self.incomplete("PATCH \(path)")
        }
        return (existing, false)
    }

    /// The application with this `uniqueName`, or nil.
    public func application(uniqueName: String) async throws(AzureError) -> GraphApplication? {
        try await optional(
            request("GET", "/applications(uniqueName=\(Self.quoted(uniqueName)))", accept: [404])
        ).flatMap(GraphApplication.init)
    }

    /// Applications with any of these uniqueNames: one query per 15 names, more than one query as
    /// the items of `$batch` requests (20 per round trip), like the display-name look-up.
    public func applications(uniqueNamesAnyOf names: [String]) async throws(AzureError) -> [GraphApplication] {
        try await list("applications", where: "uniqueName", isAnyOf: names).compactMap(GraphApplication.init)
    }

    /// Creates the application's service principal, or updates the existing one (201 or 204).
    public func upsertServicePrincipal(appID: String, tags: [String]) async throws(AzureError) -> GraphServicePrincipal
    {
        let path = "/servicePrincipals(appId=\(Self.quoted(appID)))"
        var upsert = request("PATCH", path, json: .object([("tags", .array(tags.map(JSONValue.string)))]))
        upsert.headers.append(("Prefer", "create-if-missing"))
        upsert.idempotent = true
        let response = try await pipeline.send(upsert)
        if response.status == 201, let json = try? JSONParser.parse(response.body),
            let created = GraphServicePrincipal(json)
        {
            return created
        }
        guard let existing = try await servicePrincipal(appID: appID) else { throw Self.incomplete("PATCH \(path)") }
        return existing
    }
}
