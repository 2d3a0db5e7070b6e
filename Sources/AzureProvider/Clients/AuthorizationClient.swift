import AMLAuthCore
import HTTPClient
import WireFormat

/// ARM Microsoft.Authorization: role definitions and role assignments at any scope.
public struct AuthorizationClient: Sendable {
    public let pipeline: AzurePipeline
    public let cloud: AzureCloudEndpoints
    public static let apiVersion = "2022-04-01"

    public init(pipeline: AzurePipeline, cloud: AzureCloudEndpoints) {
        self.pipeline = pipeline
        self.cloud = cloud
    }

    /// A role assignment as ARM returns it.
    public struct RoleAssignment: Sendable, Equatable {
        public var id: String
        public var name: String
        public var scope: String
        /// The trailing GUID of `roleDefinitionId`, lower-cased (the only form that compares).
        public var roleDefinitionGUID: String
        public var principalID: String
        public var principalType: String?
        public var description: String?

        public init(
            id: String, name: String, scope: String, roleDefinitionGUID: String, principalID: String,
            principalType: String?, description: String?
        ) {
            self.id = id
            self.name = name
            self.scope = scope
            self.roleDefinitionGUID = roleDefinitionGUID.lowercased()
            self.principalID = principalID.lowercased()
            self.principalType = principalType
            self.description = description
        }

        init?(_ json: JSONValue) {
            guard let id = json["id"]?.stringValue, let name = json["name"]?.stringValue,
                let properties = json["properties"],
                let definition = properties["roleDefinitionId"]?.stringValue,
                let principal = properties["principalId"]?.stringValue
            else { return nil }
            self.id = id
            self.name = name
            scope = properties["scope"]?.stringValue ?? ""
            roleDefinitionGUID = String(definition.split(separator: "/").last ?? "").lowercased()
            principalID = principal.lowercased()
            principalType = properties["principalType"]?.stringValue
            description = properties["description"]?.stringValue
        }
    }

    func url(_ scope: String, _ rest: String, query: String = "") -> String {
        let base = cloud.resourceManager.trimmingSuffixSlash
        let path = scope.hasPrefix("/") ? scope : "/" + scope
        return "\(base)\(path)/providers/Microsoft.Authorization/\(rest)?api-version=\(Self.apiVersion)\(query)"
    }

    func request(_ method: String, _ url: String, json: JSONValue? = nil, accept: Set<Int> = [])
        -> AzurePipeline.Request
    {
        AzurePipeline.Request(
            method, url, service: .resourceManager, audience: cloud.resourceManagerAudience, json: json, accept: accept)
    }

    /// Every assignment that applies at `scope` (`atScope()`: at and above), optionally for one
    /// principal, across all pages.
    public func listRoleAssignments(scope: String, atScopeOnly: Bool = true, principalID: String? = nil)
        async throws(AzureError) -> [RoleAssignment]
    {
        var clauses: [String] = []
        if atScopeOnly { clauses.append("atScope()") }
        if let principalID { clauses.append("principalId eq '\(principalID)'") }
        let filter = clauses.isEmpty ? "" : "&$filter=" + TokenClient.encode(clauses.joined(separator: " and "))
        return try await pipeline.listAll(request("GET", url(scope, "roleAssignments", query: filter))).compactMap(
            RoleAssignment.init)
    }

    public func getRoleAssignment(scope: String, name: String) async throws(AzureError) -> RoleAssignment? {
        let response = try await pipeline.send(request("GET", url(scope, "roleAssignments/\(name)"), accept: [404]))
        guard response.status != 404, let json = try? JSONParser.parse(response.body) else { return nil }
        return RoleAssignment(json)
    }

    /// The role definition id to send for an assignment at `scope`: under the subscription for a
    /// scope inside one, tenant-level otherwise (a management group or the root). The old form
    /// took any second path segment as a subscription and sent
    /// `/subscriptions/Microsoft.Management/…` for management groups; terraform-provider-azurerm
    /// notes "the role definition id returned does not contain scope when the role definition was
    /// on tenant level (management group or tenant)" (audit D6).
    public static func roleDefinitionID(scope: String, guid: String) -> String {
        let segments = scope.split(separator: "/")
        if segments.count >= 2, segments[0].lowercased() == "subscriptions" {
            return "/subscriptions/\(segments[1])/providers/Microsoft.Authorization/roleDefinitions/\(guid)"
        }
        return "/providers/Microsoft.Authorization/roleDefinitions/\(guid)"
    }

    /// PUT with a deterministic name. 201 created, 200 identical; errors as thrown.
    public func createRoleAssignment(
        scope: String, name: String, roleDefinitionGUID: String, principalID: String, principalType: String?,
        description: String?
    ) async throws(AzureError) -> RoleAssignment {
        let definition = Self.roleDefinitionID(scope: scope, guid: roleDefinitionGUID)
        var properties: [(String, JSONValue)] = [
            ("roleDefinitionId", .string(definition)), ("principalId", .string(principalID)),
        ]
        if let principalType { properties.append(("principalType", .string(principalType))) }
        if let description { properties.append(("description", .string(description))) }
        return try await put(
            scope, "roleAssignments/\(name)", properties: properties, what: "role assignment",
            decode: RoleAssignment.init)
    }

    /// DELETE; true when it existed (200), false when it was already gone (204).
    @discardableResult
    public func deleteRoleAssignment(scope: String, name: String) async throws(AzureError) -> Bool {
        try await delete(scope, "roleAssignments/\(name)")
    }

    /// PUT of `{"properties": …}` to a named resource below `scope`, decoded. A PUT with a name is
    /// idempotent: safe to repeat after a broken connection.
    func put<Resource>(
        _ scope: String, _ path: String, properties: [(String, JSONValue)], what: String,
        decode: (JSONValue) -> Resource?
    ) async throws(AzureError) -> Resource {
        var put = request("PUT", url(scope, path), json: .object([("properties", .object(properties))]))
        put.idempotent = true
        guard let resource = decode(try await pipeline.json(put)) else {
            throw AzureError(
                service: .resourceManager, status: 200, code: "InvalidResponse",
                message: "the \(what) response is incomplete", target: "PUT \(path)")
        }
        return resource
    }

    /// DELETE of a named resource below `scope`: true when it existed (200), false when it was
    /// already gone (204).
    func delete(_ scope: String, _ path: String) async throws(AzureError) -> Bool {
        try await pipeline.send(request("DELETE", url(scope, path))).status == 200
    }

    /// The GUID of a role by name, looked up at `scope` (`$filter=roleName eq '…'`).
    public func roleDefinitionGUID(named name: String, scope: String) async throws(AzureError) -> String? {
        let filter = "&$filter=" + TokenClient.encode("roleName eq '\(name)'")
        return try await pipeline.listAll(request("GET", url(scope, "roleDefinitions", query: filter))).first?["name"]?
            .stringValue?.lowercased()
    }

    /// Role names by GUID, for display.
    public func roleDefinitionNames(scope: String) async throws(AzureError) -> [String: String] {
        let items = try await pipeline.listAll(request("GET", url(scope, "roleDefinitions")))
        return Dictionary(
            items.compactMap { item in
                item["name"]?.stringValue.flatMap { guid in
                    item["properties"]?["roleName"]?.stringValue.map { (guid.lowercased(), $0) }
                }
            }, uniquingKeysWith: { first, _ in first })
    }
}
