import AMLAuthCore
import AuthCrypto
import Foundation
import WireFormat

/// `{scope}/providers/Microsoft.Authorization/roleAssignments[/{name}]`.
struct RoleAssignmentRoutes {
    let cloud: LocalCloud
    let context: RequestContext
    let caller: Caller
    /// The scope as the request wrote it.
    let scope: String
    var request: CloudRequest { context.request }

    static let readAction = "Microsoft.Authorization/roleAssignments/read"
    static let writeAction = "Microsoft.Authorization/roleAssignments/write"
    static let deleteAction = "Microsoft.Authorization/roleAssignments/delete"

    func handle(_ rest: [String]) async -> CloudResponse {
        switch (request.method, rest.count) {
        case ("GET", 0): return await list()
        case ("GET", 1): return await get(rest[0])
        case ("PUT", 1): return await put(rest[0])
        case ("DELETE", 1): return await delete(rest[0])
        default:
            return ErrorBody.arm(405, "MethodNotAllowed", "\(request.method) is not supported on role assignments.")
        }
    }

    private func assignmentID(_ record: RoleAssignmentRecord) -> String {
        record.scope + "/providers/Microsoft.Authorization/roleAssignments/" + record.name
    }

    func body(_ record: RoleAssignmentRecord, state: CloudState) -> JSONValue {
        let created = JSONValue.string(ISOTime.format(record.createdOn))
        return .object([
            (
                "properties",
                .object([
                    (
                        "roleDefinitionId",
                        .string(
                            "/subscriptions/\(state.subscriptionID)/providers/Microsoft.Authorization/roleDefinitions/\(record.roleDefinitionID)"
                        )
                    ),
                    ("principalId", .string(record.principalID)), ("principalType", .string(record.principalType)),
                    ("scope", .string(record.scope)),
                    ("condition", .null), ("conditionVersion", .null), ("createdOn", created), ("updatedOn", created),
                    ("createdBy", .string(record.createdBy)), ("updatedBy", .string(record.createdBy)),
                    ("delegatedManagedIdentityResourceId", .null),
                    ("description", record.description.map(JSONValue.string) ?? .null),
                ])
            ),
            ("id", .string(assignmentID(record))), ("type", .string("Microsoft.Authorization/roleAssignments")),
            ("name", .string(record.name)),
        ])
    }

    private func notFound(_ name: String) -> CloudResponse {
        ErrorBody.arm(404, "RoleAssignmentNotFound", "The role assignment '\(name)' is not found.")
    }

    private func get(_ name: String) async -> CloudResponse {
        let state = await cloud.store.state
        guard Authorization.isAllowed(caller.objectID, Self.readAction, at: scope, in: state) else {
            return Authorization.denied(caller, Self.readAction, scope)
        }
        guard
            let record = state.roleAssignments.first(where: {
                $0.name == name.lowercased() && Authorization.covers($0.scope, scope)
                    && Authorization.covers(scope, $0.scope)
            })
        else {
            return notFound(name)
        }
        return .json(200, body(record, state: state))
    }

    /// Lists with ARM's filters: none (at, above and below), `atScope()` (at and above),
    /// `principalId eq '…'` and `assignedTo('…')` (that principal), combinable with `and`.
    private func list() async -> CloudResponse {
        let state = await cloud.store.state
        guard Authorization.isAllowed(caller.objectID, Self.readAction, at: scope, in: state) else {
            return Authorization.denied(caller, Self.readAction, scope)
        }
        let filter = request.query("$filter") ?? ""
        var atScopeOnly = false
        var principal: String?
        for clause in filter.split(separator: " and ").map({ $0.trimmingCharacters(in: .whitespaces) })
        where !clause.isEmpty {
            if clause.lowercased() == "atscope()" {
                atScopeOnly = true
            } else if let value = Self.quoted(after: "principalId eq ", in: clause)
                ?? Self.quoted(after: "assignedTo(", in: clause)
            {
                principal = value.lowercased()
            } else {
                return ErrorBody.arm(
                    400, "UnsupportedQuery",
                    "The filter '\(filter)' is not supported. Supported filters are either 'atScope()' or 'principalId eq '{value}'' or 'assignedTo('{value}')'."
                )
            }
        }
        let matching = state.roleAssignments.filter { record in
            let related =
                atScopeOnly
                ? Authorization.covers(record.scope, scope)
                : Authorization.covers(record.scope, scope) || Authorization.covers(scope, record.scope)
            return related && (principal == nil || record.principalID == principal)
        }
        let offset = Int(request.query("$skipToken") ?? "") ?? 0
        let pageSize = cloud.options.armPageSize
        let page = matching.dropFirst(offset).prefix(pageSize)
        var pairs: [(String, JSONValue)] = [("value", .array(page.map { body($0, state: state) }))]
        if offset + pageSize < matching.count {
            var query = "api-version=\(FormEncoding.percentEncode(request.query("api-version") ?? ""))"
            if !filter.isEmpty { query += "&$filter=\(FormEncoding.percentEncode(filter))" }
            query += "&$skipToken=\(offset + pageSize)"
            pairs.append(("nextLink", .string(context.base + request.path + "?" + query)))
        }
        return .json(200, .object(pairs))
    }

    /// `eq 'x'` and `('x')` operands.
    static func quoted(after prefix: String, in clause: String) -> String? {
        guard clause.lowercased().hasPrefix(prefix.lowercased()) else { return nil }
        let rest = clause.dropFirst(prefix.count).trimmingCharacters(in: CharacterSet(charactersIn: "') "))
        return rest.isEmpty ? nil : rest
    }

    private func put(_ name: String) async -> CloudResponse {
        let state = await cloud.store.state
        guard Authorization.isAllowed(caller.objectID, Self.writeAction, at: scope, in: state) else {
            return Authorization.denied(
                caller, Self.writeAction, scope + "/providers/Microsoft.Authorization/roleAssignments/" + name)
        }
        guard let guid = GUID(name) else {
            return ErrorBody.arm(
                400, "InvalidRoleAssignmentId",
                "The role assignment ID '\(name)' is not valid. The role assignment ID must be a GUID.")
        }
        guard let json = try? JSONParser.parse(request.body), let properties = json["properties"] else {
            return ErrorBody.arm(
                400, "InvalidRequestContent",
                "The request content was invalid and could not be deserialized: the body must be a JSON object with 'properties'."
            )
        }
        guard let definitionText = properties["roleDefinitionId"]?.stringValue,
            let principalText = properties["principalId"]?.stringValue
        else {
            return ErrorBody.arm(
                400, "InvalidRequestContent",
                "The request content was invalid: 'properties.roleDefinitionId' and 'properties.principalId' are required."
            )
        }
        let definitionGUID = String(definitionText.split(separator: "/").last ?? "").lowercased()
        // A custom role is visible, and assignable, only at or below one of its assignable scopes
        // (UNVERIFIED: ARM's answer outside them is taken to be the same as for an unknown role).
        let custom = state.customRoles?.first { $0.id == definitionGUID }
        guard let role = Authorization.role(id: definitionGUID, in: state),
            custom.map({ $0.assignableScopes.contains { Authorization.covers($0, scope) } }) ?? true
        else {
            return ErrorBody.arm(
                400, "RoleDefinitionDoesNotExist",
                "The specified role definition with ID '\(definitionGUID)' does not exist.")
        }
        let principalID = principalText.lowercased()
        let declaredType = properties["principalType"]?.stringValue
        guard let principalType = principalType(principalID, declared: declaredType, state: state) else {
            return ErrorBody.arm(
                400, "PrincipalNotFound",
                "Principal \(principalText.replacing("-", with: "")) does not exist in the directory \(state.tenantID). Check that you have the correct principal ID. If you are creating this principal and then immediately assigning a role, this error might be related to a replication delay. In this case, set the role assignment principalType property to a value, such as ServicePrincipal, User, or Group.  See https://aka.ms/docs-principaltype"
            )
        }
        let record = RoleAssignmentRecord(
            name: guid.value, scope: scope, roleDefinitionID: role.id, principalID: principalID,
            principalType: principalType,
            description: properties["description"]?.stringValue, createdOn: context.now, createdBy: caller.objectID)
        do {
            return try await cloud.store.write { state -> CloudResponse in
                if let existing = state.roleAssignments.first(where: { $0.name == guid.value }) {
                    let same =
                        existing.principalID == principalID && existing.roleDefinitionID == role.id
                        && existing.scope.lowercased() == scope.lowercased()
                    guard same else {
                        return ErrorBody.arm(
                            400, "RoleAssignmentUpdateNotPermitted",
                            "Tenant ID, application ID, principal ID, and scope are not allowed to be updated.")
                    }
                    if let index = state.roleAssignments.firstIndex(where: { $0.name == guid.value }) {
                        state.roleAssignments[index].description = record.description
                    }
                    return .json(200, body(state.roleAssignments.first { $0.name == guid.value }!, state: state))
                }
                if let duplicate = state.roleAssignments.first(where: {
                    $0.principalID == principalID && $0.roleDefinitionID == role.id
                        && $0.scope.lowercased() == scope.lowercased()
                }) {
                    return ErrorBody.arm(
                        409, "RoleAssignmentExists",
                        "The role assignment already exists. The ID of the existing role assignment is \(duplicate.name.replacing("-", with: ""))."
                    )
                }
                state.roleAssignments.append(record)
                return .json(201, body(record, state: state))
            }
        } catch {
            return ErrorBody.arm(500, "InternalServerError", "The local cloud could not persist the change: \(error)")
        }
    }

    /// The principal's type if ARM can see it. A principal created less than the replication delay
    /// ago is visible only when the request names its type, as in Azure.
    private func principalType(_ id: String, declared: String?, state: CloudState) -> String? {
        if let principal = state.servicePrincipals.first(where: { $0.id == id }) {
            let replicated = principal.createdDateTime + cloud.options.replicationDelay <= context.now
            return replicated || declared != nil ? "ServicePrincipal" : nil
        }
        if state.users?.contains(where: { $0.id == id }) == true { return "User" }
        return state.directoryObjects.first { $0.id == id }?.type
    }

    private func delete(_ name: String) async -> CloudResponse {
        let state = await cloud.store.state
        guard Authorization.isAllowed(caller.objectID, Self.deleteAction, at: scope, in: state) else {
            return Authorization.denied(caller, Self.deleteAction, scope)
        }
        do {
            return try await cloud.store.write { state -> CloudResponse in
                guard
                    let index = state.roleAssignments.firstIndex(where: {
                        $0.name == name.lowercased() && $0.scope.lowercased() == scope.lowercased()
                    })
                else {
                    return .empty(204)
                }
                let record = state.roleAssignments.remove(at: index)
                return .json(200, body(record, state: state))
            }
        } catch {
            return ErrorBody.arm(500, "InternalServerError", "The local cloud could not persist the change: \(error)")
        }
    }
}
