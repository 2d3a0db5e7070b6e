/// The manifest language of DESIGN.md section 3, field by field.
public enum ManifestSchema {
    /// The only `apiVersion` this build reads.
    public static let apiVersion = "amlauth/v1"

    /// Top-level document fields, common to every kind.
    public static let documentFields = ["apiVersion", "kind", "metadata", "spec"]

    public static let metadata = ObjectSpec(
        "metadata",
        [
            FieldSpec(
                "name", .string(.text), required: true,
                doc: "Name of the resource, unique per kind in the manifest set.")
        ])

    /// The `spec` of each kind.
    public static func spec(for kind: ManifestKind) -> ObjectSpec {
        switch kind {
        case .target: target
        case .workspace: workspace
        case .servicePrincipal: servicePrincipal
        case .roleDefinition: roleDefinition
        case .roleAssignment: roleAssignment
        case .webservice: webservice
        case .onlineEndpoint: onlineEndpoint
        case .onlineDeployment: onlineDeployment
        }
    }

    /// One-line description of each kind, for the schema and `--help`.
    public static func summary(of kind: ManifestKind) -> String {
        switch kind {
        case .target: "Where to reconcile: cloud, tenant, subscription. Exactly one per manifest set."
        case .workspace: "An existing Azure ML workspace: read, never created or deleted."
        case .servicePrincipal: "An Entra application and its service principal, with credentials."
        case .roleDefinition: "An Azure RBAC custom role: the actions it grants and where it may be assigned."
        case .roleAssignment: "An Azure RBAC role assignment."
        case .webservice: "An Azure ML v1 web service on ACI or AKS, with key or token auth."
        case .onlineEndpoint:
            "An Azure ML v2 online endpoint (managed or Kubernetes), with key, aml_token or aad_token auth."
        case .onlineDeployment: "A deployment behind an OnlineEndpoint: a model served on instances."
        }
    }

    static let severityNames = ["error", "warning", "info", "off"]

    static let target = ObjectSpec(
        "Target spec",
        [
            FieldSpec(
                "cloud", .string(.cloud), required: true,
                doc: "AzureCloud | AzureChinaCloud | AzureUSGovernment | local | path to a cloud JSON file."),
            FieldSpec(
                "tenant_id", .string(.guid), env: true, doc: "Entra tenant GUID. Required unless cloud is local."),
            FieldSpec(
                "subscription_id", .string(.guid), env: true, doc: "Subscription GUID. Required unless cloud is local."),
            FieldSpec("prune", .boolean, default: "false", doc: "Delete owned resources that left the manifests."),
            FieldSpec(
                "policy",
                .map(keys: DiagnosticCode.allCases.filter(\.isPolicy).map(\.rawValue), .enumeration(severityNames)),
                doc: "Severity per policy code, e.g. {AMLA003: error}; 'off' silences a check."),
            FieldSpec(
                "max_password_lifetime", .string(.duration), default: "180d",
                doc: "Longest password lifetime policy AMLA005 accepts."),
        ])

    static let workspace = ObjectSpec(
        "Workspace spec",
        [
            FieldSpec(
                "resource_group", .string(.text), required: true, env: true, doc: "Resource group of the workspace."),
            FieldSpec("location", .string(.text), doc: "Expected region; checked against the live workspace."),
            FieldSpec(
                "deliver_to", .string(.workspaceConfig),
                doc:
                    "workspace-config:PATH: apply writes the config.json Workspace.from_config() reads (subscription, resource group, workspace; no secret)."
            ),
        ])

    static let credential = ObjectSpec(
        "credential",
        [
            FieldSpec(
                "name", .string(.text), required: true, doc: "Name of the credential, unique within the principal."),
            FieldSpec(
                "type", .enumeration(["password", "certificate"]), required: true, doc: "password | certificate."),
            FieldSpec("lifetime", .string(.duration), default: "90d", doc: "Password lifetime (password only)."),
            FieldSpec(
                "renew_before", .string(.duration), default: "a third of lifetime",
                doc: "Rotation starts when the newest password is this close to expiry (password only)."),
            FieldSpec(
                "deliver_to", .string(.sink),
                doc: "Where a new password goes: file:PATH | env-file:PATH | github-output."),
            FieldSpec(
                "certificate_file", .string(.path), doc: "PEM file with the public certificate (certificate only)."),
        ])

    static let federatedCredential = ObjectSpec(
        "federated credential",
        [
            FieldSpec("name", .string(.text), required: true, doc: "Name of the federated credential."),
            FieldSpec(
                "issuer", .string(.httpsURL), required: true, doc: "Issuer URL of the external identity provider."),
            FieldSpec("subject", .string(.text), required: true, doc: "Subject claim the external token must carry."),
            FieldSpec(
                "audiences", .array(.string(.text), minItems: 1),
                default:
                    "[api://AzureADTokenExchange] (AzureChinaCloud: api://AzureADTokenExchangeChina, AzureUSGovernment: api://AzureADTokenExchangeUSGov)",
                doc: "Audience of the external token (Entra accepts exactly one)."),
            FieldSpec("description", .string(.text), doc: "Free text."),
        ])

    static let servicePrincipal = ObjectSpec(
        "ServicePrincipal spec",
        [
            FieldSpec(
                "display_name", .string(.text), default: "metadata.name", doc: "Display name of the application."),
            FieldSpec("credentials", .array(.object(credential), minItems: 0), doc: "Passwords and certificates."),
            FieldSpec(
                "federated_credentials", .array(.object(federatedCredential), minItems: 0),
                doc: "Workload identity federation: log in with no secret."),
            FieldSpec(
                "adopt", .boolean, default: "false", doc: "Take over a matching application that amlauth does not own."),
        ])

    static let principal = ObjectSpec(
        "principal", exactlyOne: ["service_principal", "object_id"],
        [
            FieldSpec(
                "service_principal", .string(.reference(.servicePrincipal)),
                doc: "A ServicePrincipal of these manifests."),
            FieldSpec("object_id", .string(.guid), env: true, doc: "Object ID of an existing principal."),
            FieldSpec(
                "type", .enumeration(["User", "Group", "ServicePrincipal"]),
                doc: "Type of object_id (required with it)."),
        ])

    static let scope = ObjectSpec(
        "scope", exactlyOne: ["workspace", "resource_group", "subscription", "id"],
        [
            FieldSpec("workspace", .string(.reference(.workspace)), doc: "A Workspace of these manifests."),
            FieldSpec("resource_group", .string(.text), env: true, doc: "A resource group of the target subscription."),
            FieldSpec("subscription", .boolean, doc: "The target subscription (write 'true')."),
            FieldSpec("id", .string(.resourceID), env: true, doc: "Any ARM scope ID."),
        ])

    static let roleAssignment = ObjectSpec(
        "RoleAssignment spec",
        [
            FieldSpec("principal", .object(principal), required: true, doc: "Who gets the role."),
            FieldSpec(
                "role", .string(.role), required: true, env: true,
                doc:
                    "Built-in role name, a RoleDefinition of these manifests (metadata.name or role_name), or a role-definition GUID."
            ),
            FieldSpec("scope", .object(scope), required: true, doc: "Where the role applies."),
            FieldSpec("description", .string(.text), doc: "Free text, appended to amlauth's ownership marker."),
            FieldSpec(
                "adopt", .boolean, default: "false", doc: "Take over an identical assignment amlauth does not own."),
        ])

    /// Field names follow the Azure CLI's role-definition JSON (`az role definition create`),
    /// snake_case; `assignable_scopes` items are written like a RoleAssignment's `scope`.
    static let roleDefinition = ObjectSpec(
        "RoleDefinition spec",
        [
            FieldSpec(
                "role_name", .string(.text), default: "metadata.name",
                doc: "The role's name in Azure (unique in the tenant); RoleAssignments may name it."),
            FieldSpec("description", .string(.text), doc: "Free text; amlauth appends its ownership marker."),
            FieldSpec(
                "actions", .array(.string(.action), minItems: 0),
                doc: "Control-plane operations granted, such as Microsoft.MachineLearningServices/workspaces/read."),
            FieldSpec("not_actions", .array(.string(.action), minItems: 0), doc: "Operations taken out of actions."),
            FieldSpec("data_actions", .array(.string(.action), minItems: 0), doc: "Data-plane operations granted."),
            FieldSpec(
                "not_data_actions", .array(.string(.action), minItems: 0), doc: "Operations taken out of data_actions."
            ),
            FieldSpec(
                "assignable_scopes", .array(.object(scope), minItems: 1), required: true,
                doc: "Where the role may be assigned, each written like a RoleAssignment's scope."),
            FieldSpec(
                "adopt", .boolean, default: "false",
                doc: "Take over a custom role of the same role_name that amlauth does not own."),
        ])

    static let keyRotation = ObjectSpec(
        "key_rotation",
        [
            FieldSpec("primary", .integer(minimum: 0), default: "0", doc: "Raise to regenerate the primary key."),
            FieldSpec("secondary", .integer(minimum: 0), default: "0", doc: "Raise to regenerate the secondary key."),
        ])

    static let webservice = ObjectSpec(
        "Webservice spec",
        [
            FieldSpec(
                "workspace", .string(.reference(.workspace)), required: true, doc: "The Workspace the service lives in."
            ),
            FieldSpec("compute_type", .enumeration(["ACI", "AKS"]), required: true, doc: "ACI | AKS."),
            FieldSpec("compute_target", .string(.text), doc: "AKS compute name (AKS only, required there)."),
            FieldSpec(
                "models", .array(.string(.versionedName), minItems: 1), required: true, doc: "Models as name:version."),
            FieldSpec(
                "entry_script", .string(.path), required: true,
                doc:
                    "Scoring script. Required: amlauth has no no-code deployment (the SDK's Model.deploy without an InferenceConfig)."
            ),
            FieldSpec(
                "environment", .string(.versionedName), required: true,
                doc: "Environment as name:version. Required, with entry_script."),
            FieldSpec("cpu_cores", .number(exclusiveMinimum: 0), default: "0.1", doc: "CPU cores reserved."),
            FieldSpec("memory_gb", .number(exclusiveMinimum: 0), default: "0.5", doc: "Memory reserved, in GB."),
            FieldSpec("auth_enabled", .boolean, default: "AKS: not token_auth_enabled; ACI: false", doc: "Key auth."),
            FieldSpec("token_auth_enabled", .boolean, default: "false", doc: "Azure ML token auth (AKS only)."),
            FieldSpec("key_rotation", .object(keyRotation), doc: "Key generations; raising one regenerates that key."),
            FieldSpec(
                "token_clients", .array(.string(.reference(.servicePrincipal)), minItems: 0),
                doc: "ServicePrincipals that fetch tokens; policy checks their roles."),
            FieldSpec("description", .string(.text), doc: "Free text."),
            FieldSpec("adopt", .boolean, default: "false", doc: "Take over a matching service amlauth does not own."),
        ])

    // Field names follow `az ml online-endpoint` / `online-deployment` v2 YAML (azure-ai-ml
    // `_schema/_deployment/online/online_endpoint.py`, `online_deployment.py`), snake_case.
    static let onlineEndpoint = ObjectSpec(
        "OnlineEndpoint spec",
        [
            FieldSpec(
                "workspace", .string(.reference(.workspace)), required: true,
                doc: "The Workspace the endpoint lives in."),
            FieldSpec(
                "compute", .string(.text), default: "managed",
                doc: "managed, or the name of an attached Kubernetes compute; changing it replaces the endpoint."),
            FieldSpec(
                "auth_mode", .enumeration(OnlineEndpointAuth.allCases.map(\.rawValue)), default: "key",
                doc: "key | aml_token | aad_token (managed only). v2 has no unauthenticated endpoints."),
            FieldSpec("key_rotation", .object(keyRotation), doc: "Key generations; raising one regenerates that key."),
            FieldSpec(
                "token_clients", .array(.string(.reference(.servicePrincipal)), minItems: 0),
                doc:
                    "ServicePrincipals that fetch keys or tokens, or score with Entra tokens; policy checks their roles."
            ),
            FieldSpec(
                "traffic", .map(keys: [], .integer(minimum: 0)),
                doc: "Deployment name → percent; the percents sum to 100, or 0 for no traffic."),
            FieldSpec(
                "public_network_access", .enumeration(["enabled", "disabled"]), default: "enabled",
                doc: "enabled | disabled."),
            FieldSpec("description", .string(.text), doc: "Free text."),
            FieldSpec(
                "tags", .map(keys: [], .string(.text)), doc: "ARM tags; amlauth adds its ownership markers beside them."
            ),
            FieldSpec("adopt", .boolean, default: "false", doc: "Take over a matching endpoint amlauth does not own."),
            FieldSpec(
                "keys_from", .object(keysFrom),
                doc:
                    "Key auth only: copy a v1 web service's primary and secondary keys into the endpoint once, so its callers keep working after cutover."
            ),
        ])

    /// `keys_from` of an OnlineEndpoint: the v1 service whose keys move to v2.
    static let keysFrom = ObjectSpec(
        "keys_from",
        [
            FieldSpec(
                "webservice", .string(.text), required: true,
                doc: "A Webservice of these manifests, or the name of a live v1 service in the endpoint's workspace."
            )
        ])

    static let onlineDeployment = ObjectSpec(
        "OnlineDeployment spec",
        [
            FieldSpec(
                "endpoint", .string(.reference(.onlineEndpoint)), required: true,
                doc: "The OnlineEndpoint of these manifests the deployment serves."),
            FieldSpec(
                "name", .string(.text), required: true,
                doc: "The deployment's name within its endpoint (such as blue), which traffic names."),
            FieldSpec("model", .string(.versionedName), required: true, doc: "Model as name:version."),
            FieldSpec("environment", .string(.text), doc: "Environment reference, such as name:version."),
            FieldSpec("instance_type", .string(.text), doc: "VM size (managed) or instance type (Kubernetes)."),
            FieldSpec("instance_count", .integer(minimum: 1), default: "1", doc: "Number of instances."),
            FieldSpec(
                "code", .string(.text),
                doc:
                    "Directory of the scoring code, relative to this manifest; uploaded as a code asset named by its content digest (at most 100 MB, no symlinks leaving it). Requires scoring_script."
            ),
            FieldSpec(
                "scoring_script", .string(.text),
                doc: "The scoring script's path inside code (such as score.py). Requires code."),
        ])
}
