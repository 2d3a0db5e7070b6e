import AMLAuthCore
import Foundation
import WireFormat

/// `{scope}/providers/Microsoft.Authorization/roleDefinitions[/{id}]`: the built-in roles, and
/// custom roles (PUT, GET, DELETE, list with `$filter=roleName eq '…'` or `type eq 'CustomRole'`)
/// whose `assignableScopes` decide where they may be assigned and where lists show them.
/// Shapes: azure-rest-api-specs `Microsoft.Authorization/stable/2022-04-01/authorization-RoleDefinitionsCalls.json`
/// and its `examples/PutRoleDefinition.json`; error codes from the Azure RBAC troubleshooting article
/// (`RoleDefinitionHasAssignments`) and the azure-sdk-for-net authorization tests
/// (`RoleDefinitionWithSameNameExists`, HTTP 409).
struct RoleDefinitionRoutes {
    let cloud: LocalCloud
    let context: RequestContext
    let caller: Caller
    /// The scope as the request wrote it (`/` for the tenant root).
    let scope: String
    var request: CloudRequest { context.request }

    static let readAction = "Microsoft.Authorization/roleDefinitions/read"
    static let writeAction = "Microsoft.Authorization/roleDefinitions/write"
    static let deleteAction = "Microsoft.Authorization/roleDefinitions/delete"

    func handle(_ rest: [String], state: CloudState) async -> CloudResponse {
        switch (request.method, rest.count) {
        case ("GET", 0): return list(state)
        case ("GET", 1): return get(rest[0], state)
        case ("PUT", 1): return await put(rest[0], state)
        case ("DELETE", 1): return await delete(rest[0], state)
        default:
            return ErrorBody.arm(405, "MethodNotAllowed", "\(request.method) is not supported on role definitions.")
        }
    }

    private var isTenantRoot: Bool { scope == "/" || scope.isEmpty }

    private func idPrefix(_ state: CloudState) -> String {
        isTenantRoot ? "" : "/subscriptions/\(state.subscriptionID)"
    }

    private func body(_ role: RoleDefinition, custom: CustomRoleRecord?, state: CloudState) -> JSONValue {
        // Custom roles live in the subscription that holds them; built-ins answer at the scope asked.
        let prefix = custom == nil ? idPrefix(state) : "/subscriptions/\(state.subscriptionID)"
        return .object([
            (
                "properties",
                .object([
                    ("roleName", .string(role.name)), ("type", .string(custom == nil ? "BuiltInRole" : "CustomRole")),
                    ("description", .string(role.description)),
                    (
                        "assignableScopes",
                        .array((custom?.assignableScopes ?? ["/"]).map(JSONValue.string))
                    ),
                    (
                        "permissions",
                        .array([
                            .object([
                                ("actions", .array(role.actions.map(JSONValue.string))),
                                ("notActions", .array(role.notActions.map(JSONValue.string))),
                                ("dataActions", .array(role.dataActions.map(JSONValue.string))),
                                ("notDataActions", .array(role.notDataActions.map(JSONValue.string))),
                            ])
                        ])
                    ),
                    ("createdOn", .string(custom.map { ISOTime.format($0.createdOn) } ?? "2015-02-02T21:55:09Z")),
                    ("updatedOn", .string(custom.map { ISOTime.format($0.updatedOn) } ?? "2024-01-01T00:00:00Z")),
                    ("createdBy", custom.map { .string($0.createdBy) } ?? .null),
                    ("updatedBy", custom.map { .string($0.createdBy) } ?? .null),
                ])
            ),
            (
                "id",
                .string(
                    "\(prefix)/providers/Microsoft.Authorization/roleDefinitions/\(role.id)"
                )
            ),
            ("type", .string("Microsoft.Authorization/roleDefinitions")), ("name", .string(role.id)),
        ])
    }

    private func notFound(_ id: String) -> CloudResponse {
        ErrorBody.arm(
            404, "RoleDefinitionDoesNotExist", "The specified role definition with ID '\(id)' does not exist.")
    }

    private func readable(_ state: CloudState) -> CloudResponse? {
        guard isTenantRoot || Authorization.isAllowed(caller.objectID, Self.readAction, at: scope, in: state) else {
            return Authorization.denied(caller, Self.readAction, scope)
        }
        return nil
    }

    /// Custom roles that may be assigned at (and so are listed at) this scope: one of their
    /// assignable scopes is the scope or above it; with `below`, also those assignable only
    /// below it (`$filter=atScopeAndBelow()`).
    private func customRoles(_ state: CloudState, below: Bool = false) -> [CustomRoleRecord] {
        (state.customRoles ?? []).filter { role in
            isTenantRoot
                || role.assignableScopes.contains {
                    Authorization.covers($0, scope) || (below && Authorization.covers(scope, $0))
                }
        }
    }

    private func get(_ id: String, _ state: CloudState) -> CloudResponse {
        if let denied = readable(state) { return denied }
        if let role = Roles.builtIn(id: id) { return .json(200, body(role, custom: nil, state: state)) }
        guard let custom = (state.customRoles ?? []).first(where: { $0.id == id.lowercased() }) else {
            return notFound(id)
        }
        return .json(200, body(custom.definition, custom: custom, state: state))
    }

    private func list(_ state: CloudState) -> CloudResponse {
        if let denied = readable(state) { return denied }
        var builtIns = Roles.builtIns
        var customs = customRoles(state)
        if let filter = request.query("$filter") {
            if let name = RoleAssignmentRoutes.quoted(after: "roleName eq ", in: filter) {
                builtIns = builtIns.filter { $0.name.lowercased() == name.lowercased() }
                customs = customs.filter { $0.roleName.lowercased() == name.lowercased() }
            } else if filter.trimmingCharacters(in: .whitespaces).lowercased() == "atscopeandbelow()" {
                // REST spec `RoleDefinitions_List`: "Use atScopeAndBelow filter to search below the
                // given scope as well."
                customs = customRoles(state, below: true)
            } else if let type = RoleAssignmentRoutes.quoted(after: "type eq ", in: filter) {
                switch type.lowercased() {
                case "builtinrole": customs = []
                case "customrole": builtIns = []
                default:
                    builtIns = []
                    customs = []
                }
            } else {
                return ErrorBody.arm(400, "UnsupportedQuery", "The filter '\(filter)' is not supported.")
            }
        }
        let items =
            builtIns.map { body($0, custom: nil, state: state) }
            + customs.map { body($0.definition, custom: $0, state: state) }
        return .json(200, .object([("value", .array(items))]))
    }

    private func put(_ id: String, _ state: CloudState) async -> CloudResponse {
        guard let guid = GUID(id) else {
            return ErrorBody.arm(
                400, "InvalidRoleDefinitionId",
                "The role definition ID '\(id)' is not valid. The role definition ID must be a GUID.")
        }
        guard Roles.builtIn(id: guid.value) == nil else {
            // UNVERIFIED wording: built-in roles cannot be changed.
            return ErrorBody.arm(
                400, "RoleDefinitionUpdateNotPermitted", "Built-in role definitions cannot be created or updated.")
        }
        guard let json = try? JSONParser.parse(request.body), let properties = json["properties"],
            let roleName = properties["roleName"]?.stringValue, !roleName.isEmpty
        else {
            return ErrorBody.arm(
                400, "InvalidRequestContent",
                "The request content was invalid: 'properties.roleName' is required.")
        }
        let scopes = properties["assignableScopes"]?.arrayValue?.compactMap(\.stringValue) ?? []
        guard !scopes.isEmpty else {
            // UNVERIFIED wording.
            return ErrorBody.arm(
                400, "InvalidAssignableScopes", "The role definition must have at least one assignable scope.")
        }
        // The caller needs roleDefinitions/write at every scope the role may be assigned at.
        for assignable in scopes + [scope]
        where !(Authorization.isAllowed(caller.objectID, Self.writeAction, at: assignable, in: state)) {
            return Authorization.denied(
                caller, Self.writeAction,
                assignable + "/providers/Microsoft.Authorization/roleDefinitions/" + guid.value)
        }
        let permissions = properties["permissions"]?.arrayValue?.first
        func strings(_ key: String) -> [String] {
            permissions?[key]?.arrayValue?.compactMap(\.stringValue) ?? []
        }
        let now = context.now
        let record = CustomRoleRecord(
            id: guid.value, roleName: roleName, description: properties["description"]?.stringValue ?? "",
            actions: strings("actions"), notActions: strings("notActions"), dataActions: strings("dataActions"),
            notDataActions: strings("notDataActions"), assignableScopes: scopes, scope: scope, createdOn: now,
            updatedOn: now, createdBy: caller.objectID)
        do {
            return try await cloud.store.write { state -> CloudResponse in
                var customs = state.customRoles ?? []
                let clash =
                    Roles.builtIn(named: roleName) != nil
                    || customs.contains { $0.roleName.lowercased() == roleName.lowercased() && $0.id != guid.value }
                guard !clash else {
                    return ErrorBody.arm(
                        409, "RoleDefinitionWithSameNameExists",
                        "A custom role with the same name already exists in this directory. Use a different name.")
                }
                if let index = customs.firstIndex(where: { $0.id == guid.value }) {
                    var updated = record
                    updated.createdOn = customs[index].createdOn
                    updated.createdBy = customs[index].createdBy
                    customs[index] = updated
                    state.customRoles = customs
                    return .json(200, body(updated.definition, custom: updated, state: state))
                }
                customs.append(record)
                state.customRoles = customs
                return .json(201, body(record.definition, custom: record, state: state))
            }
        } catch {
            return ErrorBody.arm(500, "InternalServerError", "The local cloud could not persist the change: \(error)")
        }
    }

    private func delete(_ id: String, _ state: CloudState) async -> CloudResponse {
        guard Authorization.isAllowed(caller.objectID, Self.deleteAction, at: scope, in: state) else {
            return Authorization.denied(caller, Self.deleteAction, scope)
        }
        do {
            return try await cloud.store.write { state -> CloudResponse in
                guard let index = (state.customRoles ?? []).firstIndex(where: { $0.id == id.lowercased() }) else {
                    return .empty(204)
                }
                guard !state.roleAssignments.contains(where: { $0.roleDefinitionID == id.lowercased() }) else {
                    return ErrorBody.arm(
                        409, "RoleDefinitionHasAssignments", "There are existing role assignments referencing role.")
                }
                let removed = state.customRoles!.remove(at: index)
                return .json(200, body(removed.definition, custom: removed, state: state))
            }
        } catch {
            return ErrorBody.arm(500, "InternalServerError", "The local cloud could not persist the change: \(error)")
        }
    }
}
