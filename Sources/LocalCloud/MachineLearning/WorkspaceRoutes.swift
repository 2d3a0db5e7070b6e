import AMLAuthCore
import WireFormat

/// The ARM view of a workspace, and the unauthenticated discovery document that points the
/// Azure ML SDK at the model-management service.
enum WorkspaceRoutes {
    static func workspaceBody(_ workspace: WorkspaceRecord, state: CloudState, context: RequestContext) -> JSONValue {
        let group = "/subscriptions/\(state.subscriptionID)/resourceGroups/\(workspace.resourceGroup)"
        return .object([
            ("id", .string("\(group)/providers/Microsoft.MachineLearningServices/workspaces/\(workspace.name)")),
            ("name", .string(workspace.name)), ("type", .string("Microsoft.MachineLearningServices/workspaces")),
            ("location", .string(workspace.location)), ("tags", .object([])), ("etag", .null),
            (
                "properties",
                .object([
                    ("friendlyName", .string(workspace.name)), ("description", .string("")),
                    ("provisioningState", .string("Succeeded")),
                    (
                        "storageAccount",
                        .string(
                            "\(group)/providers/microsoft.storage/storageaccounts/\(workspace.name.lowercased().filter(\.isLetter))store"
                        )
                    ),
                    ("keyVault", .string("\(group)/providers/microsoft.keyvault/vaults/\(workspace.name)-kv")),
                    (
                        "applicationInsights",
                        .string("\(group)/providers/microsoft.insights/components/\(workspace.name)-ai")
                    ),
                    ("containerRegistry", .null), ("hbiWorkspace", .bool(false)),
                    ("workspaceId", .string(workspace.workspaceID)),
                    ("discoveryUrl", .string(context.base + "/discovery/\(workspace.location)")),
                    ("v1LegacyMode", .bool(true)),
                ])
            ),
            (
                "identity",
                .object([
                    ("type", .string("SystemAssigned")), ("principalId", .null), ("tenantId", .string(state.tenantID)),
                ])
            ),
            ("sku", .object([("name", .string("Basic")), ("tier", .string("Basic"))])),
        ])
    }

    /// `GET /discovery/{region}`: every service host is this cloud.
    static func discovery(context: RequestContext) -> CloudResponse {
        let base = JSONValue.string(context.base)
        return .json(
            200,
            .object([
                ("api", base), ("catalog", base), ("experimentation", base), ("gallery", base), ("history", base),
                ("hyperdrive", base),
                ("labeling", base), ("modelmanagement", base), ("pipelines", base), ("studio", base),
                ("studiocoreservices", base),
            ]))
    }
}
