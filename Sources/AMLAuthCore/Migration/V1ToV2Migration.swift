/// `amlauth migrate`: the Azure ML v2 manifests that replace a set's v1 Webservices, as the
/// migration guide maps them (fidelity-audit §5, learn.microsoft.com "Upgrade deployment endpoints
/// to SDK v2"): ACI → a managed endpoint, AKS → a Kubernetes endpoint on the same compute; key auth
/// → `key`, token auth → `aml_token`, no auth → `key` (v2 has no unauthenticated endpoints); one
/// deployment `blue` taking all traffic, with the service's first model and its environment; each
/// token client keeps its access through a custom role, `<endpoint>-token-reader`, that grants the
/// endpoint's client action (and reading the endpoint) and nothing else. Pure: the command reads
/// the manifests and writes the text.
public enum V1ToV2Migration {
    /// The YAML to write, and what a reviewer must know (one line each).
    public struct Result: Sendable, Equatable {
        public var yaml: String
        public var notes: [String]
        public var endpoints: Int
    }

    /// The instance type given to managed deployments: the migration guide's examples use it, and
    /// the reviewer is told to choose.
    public static let managedInstanceType = "Standard_DS3_v2"
    /// The name of the custom role a migrated endpoint's token clients get.
    public static func tokenReaderRole(_ endpoint: String) -> String { "\(endpoint)-token-reader" }
    /// Reading the endpoint (its scoring URI), which the token readers get beside their action.
    public static let endpointRead = "Microsoft.MachineLearningServices/workspaces/onlineEndpoints/read"

    /// `keepKeys`: each key-auth service's endpoint takes over its keys (`keys_from`).
    public static func migrate(_ manifests: ManifestSet, keepKeys: Bool = false) -> Result {
        var notes: [String] = []
        var documents: [String] = []
        let taken = Set(
            manifests.onlineEndpoints.map(\.name) + manifests.onlineDeployments.map(\.name)
                + manifests.roleAssignments.map(\.name) + manifests.roleDefinitions.map(\.name))
        let principals = Set(manifests.servicePrincipals.map(\.name))
        var count = 0
        for service in manifests.webservices.sorted(by: { $0.name < $1.name }) {
            let name = service.name
            guard !taken.contains(name) else {
                notes.append("\(name): an OnlineEndpoint of that name exists already; not migrated")
                continue
            }
            count += 1
            let auth: String
            if service.tokenAuthEnabled {
                auth = "aml_token"
            } else {
                auth = "key"
                if !service.authEnabled {
                    notes.append(
                        "\(name): had no auth; v2 endpoints always authenticate, so it gets key auth and its callers need a key"
                    )
                }
            }
            let compute: String
            switch service.computeType {
            case .aci: compute = "managed"
            case .aks: compute = service.computeTarget ?? "managed"
            }
            var endpoint = [
                "apiVersion: amlauth/v1", "kind: OnlineEndpoint", "metadata: {name: \(quoted(name))}", "spec:",
                "  workspace: \(quoted(service.workspace))", "  compute: \(quoted(compute))", "  auth_mode: \(auth)",
            ]
            if auth == "key" {
                endpoint.append(
                    "  key_rotation: {primary: \(service.keyRotation.primary), secondary: \(service.keyRotation.secondary)}"
                )
            }
            if keepKeys, auth == "key", service.authEnabled { endpoint.append(keysFromLine(name)) }
            if !service.tokenClients.isEmpty {
                endpoint.append("  token_clients: [\(service.tokenClients.map(quoted).joined(separator: ", "))]")
            }
            endpoint.append("  traffic: {blue: 100}")
            endpoint.append("  description: \(quoted("migrated from the v1 web service \(name)"))")
            documents.append(endpoint.joined(separator: "\n"))

            guard let model = service.models.first else { continue }
            if service.models.count > 1 {
                notes.append("\(name): a v2 deployment serves one model; \(model) was kept, the others were not")
            }
            var deployment = [
                "apiVersion: amlauth/v1", "kind: OnlineDeployment", "metadata: {name: \(quoted(name + "-blue"))}",
                "spec:", "  endpoint: \(quoted(name))", "  name: blue", "  model: \(quoted(model.description))",
                "  environment: \(quoted(service.environment.description))",
            ]
            if service.computeType == .aci {
                deployment.append("  instance_type: \(managedInstanceType)")
                notes.append(
                    "\(name): instance_type \(managedInstanceType) was chosen for \(service.cpuCores) cores and \(service.memoryGB) GB; choose the size you need"
                )
            }
            deployment.append("  instance_count: 1")
            documents.append(deployment.joined(separator: "\n"))
            notes.append(
                "\(name): its entry script \(service.entryScript) is not carried over (a v2 deployment takes a code directory, not one file); give the deployment `code` (a directory holding the script) and `scoring_script` before cutover"
            )

            let clients = service.tokenClients.filter { client in
                guard principals.contains(client) else {
                    notes.append(
                        "\(name): token client \(client) is not a ServicePrincipal of these manifests; grant it \(auth == "key" ? "listKeys" : "token")/action on the endpoint yourself"
                    )
                    return false
                }
                return true
            }
            let role = tokenReaderRole(name)
            guard !clients.isEmpty, !taken.contains(role) else { continue }
            // v2 gates keys and tokens by action, which Reader does not grant: a custom role with
            // just the endpoint's client action, as policy AMLA008 recommends.
            let action = (auth == "key" ? OnlineEndpointAuth.key : OnlineEndpointAuth.amlToken).clientAction
            documents.append(
                [
                    "# v2 gates keys and tokens by action, which Reader does not grant: this role grants",
                    "# the one action \(name)'s clients need, and reading the endpoint.",
                    "apiVersion: amlauth/v1", "kind: RoleDefinition", "metadata: {name: \(quoted(role))}", "spec:",
                    "  description: \(quoted("may fetch \(auth == "key" ? "keys" : "tokens") for the online endpoint \(name)"))",
                    "  actions: [\(quoted(action)), \(quoted(endpointRead))]",
                    "  assignable_scopes: [{workspace: \(quoted(service.workspace))}]",
                ].joined(separator: "\n"))
            for client in clients {
                let assignment = "\(name)-\(client)-v2-access"
                guard !taken.contains(assignment) else { continue }
                documents.append(
                    [
                        "apiVersion: amlauth/v1", "kind: RoleAssignment", "metadata: {name: \(quoted(assignment))}",
                        "spec:", "  principal: {service_principal: \(quoted(client))}", "  role: \(quoted(role))",
                        "  scope: {workspace: \(quoted(service.workspace))}",
                    ].joined(separator: "\n"))
            }
        }
        let header = [
            "# Written by `amlauth migrate`: the Azure ML v2 online endpoints that replace this set's v1",
            "# web services. The next plan shows them beside the v1 services; once callers use the new",
            "# scoring URIs (amlauth output), remove the Webservice manifests and plan their deletion.",
        ]
        let yaml = (header + [documents.joined(separator: "\n---\n")]).joined(separator: "\n") + "\n"
        return Result(yaml: count == 0 ? "" : yaml, notes: notes, endpoints: count)
    }

    static func quoted(_ text: String) -> String { ManifestWriter.quoted(text) }
}
