import AMLAuthCore
import WireFormat

extension RoleAssignmentRoutes {
    /// `GET {scope}/providers/Microsoft.Authorization/permissions`: what the caller may do at the
    /// scope, one entry per role it holds there or above, in the shape of azure-rest-api-specs'
    /// `Permissions_ListForResourceGroup` / `Permissions_ListForResource` (2022-04-01, example
    /// GetPermissions.json): `{"value": [{"actions", "notActions", "dataActions",
    /// "notDataActions"}]}`. The entries come from `Authorization.permissions`, the list every
    /// RBAC check of the local cloud decides from, so this API and enforcement agree.
    /// Assumed (UNVERIFIED): ARM answers any authenticated caller about itself, without a
    /// permission of its own, and with an empty list when it holds nothing at the scope.
    func permissions(state: CloudState) -> CloudResponse {
        guard request.method == "GET" else {
            return ErrorBody.arm(405, "MethodNotAllowed", "\(request.method) is not supported on permissions.")
        }
        func strings(_ values: [String]) -> JSONValue { .array(values.map(JSONValue.string)) }
        let entries = Authorization.permissions(of: caller.objectID, at: scope, in: state).map { permission in
            JSONValue.object([
                ("actions", strings(permission.actions)), ("notActions", strings(permission.notActions)),
                ("dataActions", strings(permission.dataActions)),
                ("notDataActions", strings(permission.notDataActions)),
            ])
        }
        return .json(200, .object([("value", .array(entries))]))
    }
}
