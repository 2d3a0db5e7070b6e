public import AMLAuthCore
import WireFormat

extension AuthorizationClient {
    /// What the caller may do at `scope`: `GET {scope}/providers/Microsoft.Authorization/permissions`
    /// (azure-rest-api-specs, authorization 2022-04-01, `Permissions_ListForResourceGroup` and
    /// `Permissions_ListForResource`; one entry per role the caller holds at the scope or above,
    /// each `{actions, notActions, dataActions, notDataActions}`), across pages.
    public func permissions(scope: String) async throws(AzureError) -> [Permission] {
        try await pipeline.listAll(request("GET", url(scope, "permissions"))).map { entry in
            func strings(_ key: String) -> [String] { (entry[key]?.arrayValue ?? []).compactMap(\.stringValue) }
            return Permission(
                actions: strings("actions"), notActions: strings("notActions"), dataActions: strings("dataActions"),
                notDataActions: strings("notDataActions"))
        }
    }
}
