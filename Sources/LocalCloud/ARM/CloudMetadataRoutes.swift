import WireFormat

/// ARM's cloud-metadata document, `GET /metadata/endpoints?api-version=…`: the list of clouds with
/// their login endpoint, token audiences and DNS suffixes. azure-cli and azureml-core read it from
/// `ARM_CLOUD_METADATA_URL` to target a cloud that is not built in (Azure Stack Hub serves the same
/// document); see azureml/_vendor/azure_cli_core/cloud.py `_arm_to_cli_mapper`, which takes the
/// first of `authentication.audiences` as the ARM token audience.
enum CloudMetadataRoutes {
    /// The name clients select with `AZUREML_CURRENT_CLOUD` or `az cloud set`.
    static let cloudName = "AmlauthLocal"

    static func endpoints(context: RequestContext) -> CloudResponse {
        guard context.request.query("api-version") != nil else {
            return ErrorBody.arm(
                400, "MissingApiVersionParameter",
                "The api-version query parameter (?api-version=) is required for all requests.")
        }
        let base = context.base
        // Public ARM lists `management.core.windows.net/` first: it is the audience the v1 SDK and
        // azure-cli request tokens for.
        let cloud = JSONValue.object([
            ("name", .string(cloudName)),
            ("portal", .string(base)),
            ("resourceManager", .string(base + "/")),
            ("gallery", .string(base + "/")),
            ("graph", .string(base + "/graph/")),
            ("graphAudience", .string("https://graph.windows.net/")),
            ("microsoftGraphResourceId", .string("https://graph.microsoft.com/")),
            ("activeDirectoryDataLake", .string("https://datalake.azure.net/")),
            (
                "authentication",
                .object([
                    ("loginEndpoint", .string(base)),
                    (
                        "audiences",
                        .array(Audience.resourceManager.filter { $0.hasSuffix("/") }.map(JSONValue.string))
                    ),
                    ("tenant", .string("common")), ("identityProvider", .string("AAD")),
                ])
            ),
            (
                "suffixes",
                .object([
                    ("storage", .string(StorageHost.suffix)), ("keyVaultDns", .string("vault.azure.net")),
                    ("acrLoginServer", .string("azurecr.io")), ("sqlServerHostname", .string("database.windows.net")),
                ])
            ),
        ])
        return .json(200, .array([cloud]))
    }
}
