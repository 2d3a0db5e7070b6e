import AMLAuthCore
import WireFormat

/// Where a workspace's online endpoints live, and the names and actions ARM gives them.
struct OnlineEndpointScope {
    let subscriptionID: String
    let workspace: WorkspaceRecord
    let base: String

    static let type = "Microsoft.MachineLearningServices/workspaces/onlineEndpoints"

    /// The RBAC action of an endpoint operation (`…/onlineEndpoints/read`, `…/listKeys/action`).
    static func endpointAction(_ verb: String) -> String { type + "/" + verb }
    /// The RBAC action of a deployment operation (`…/onlineEndpoints/deployments/write`).
    static func deploymentAction(_ verb: String) -> String { type + "/deployments/" + verb }

    var workspaceID: String {
        "/subscriptions/\(subscriptionID)/resourceGroups/\(workspace.resourceGroup)/providers/Microsoft.MachineLearningServices/workspaces/\(workspace.name)"
    }

    func endpointID(_ name: String) -> String { workspaceID + "/onlineEndpoints/" + name }
    func deploymentID(_ endpoint: String, _ name: String) -> String { endpointID(endpoint) + "/deployments/" + name }

    /// Path-based on the cloud's origin, standing in for `https://{name}.{region}.inference.ml.azure.com/score`
    /// (endpoint names are unique per region, so region and name identify one).
    static func scoringURI(base: String, location: String, name: String) -> String {
        base + "/inference/\(location)/\(name)/score"
    }

    static func id(of endpoint: OnlineEndpointRecord, _ state: CloudState) -> String {
        "/subscriptions/\(state.subscriptionID)/resourceGroups/\(endpoint.resourceGroup)/providers/Microsoft.MachineLearningServices/workspaces/\(endpoint.workspace)/onlineEndpoints/\(endpoint.name)"
    }

    static func endpointID(of deployment: OnlineDeploymentRecord, _ state: CloudState) -> String {
        "/subscriptions/\(state.subscriptionID)/resourceGroups/\(deployment.resourceGroup)/providers/Microsoft.MachineLearningServices/workspaces/\(deployment.workspace)/onlineEndpoints/\(deployment.endpoint)"
    }

    static func id(of deployment: OnlineDeploymentRecord, _ state: CloudState) -> String {
        endpointID(of: deployment, state) + "/deployments/" + deployment.name
    }

    func endpoints(_ state: CloudState) -> [OnlineEndpointRecord] {
        (state.onlineEndpoints ?? []).filter {
            $0.workspace == workspace.name && $0.resourceGroup == workspace.resourceGroup
        }
    }

    func endpoint(_ name: String, _ state: CloudState) -> OnlineEndpointRecord? {
        endpoints(state).first { $0.name.lowercased() == name.lowercased() }
    }

    func deployments(of endpoint: String, _ state: CloudState) -> [OnlineDeploymentRecord] {
        (state.onlineDeployments ?? []).filter {
            $0.workspace == workspace.name && $0.resourceGroup == workspace.resourceGroup
                && $0.endpoint.lowercased() == endpoint.lowercased()
        }
    }

    /// Azure's rule for endpoint and deployment names, as azure-ai-ml checks it before sending
    /// (`validate_endpoint_or_deployment_name`: 3–32 characters, a letter first, then letters,
    /// digits and hyphens, no hyphen last).
    static func isValidName(_ name: String) -> Bool {
        let bytes = Array(name.utf8)
        guard (3...32).contains(bytes.count), let first = bytes.first, let last = bytes.last else { return false }
        func letter(_ byte: UInt8) -> Bool {
            (UInt8(ascii: "a")...UInt8(ascii: "z")).contains(byte)
                || (UInt8(ascii: "A")...UInt8(ascii: "Z")).contains(byte)
        }
        func digit(_ byte: UInt8) -> Bool { (UInt8(ascii: "0")...UInt8(ascii: "9")).contains(byte) }
        return letter(first) && last != UInt8(ascii: "-")
            && bytes.allSatisfy { letter($0) || digit($0) || $0 == UInt8(ascii: "-") }
    }

    /// The ML resource provider's validation error: ARM envelope, `UserError` outside, the specific
    /// code inside (shape as azure-ai-ml's error parsing expects; exact codes UNVERIFIED).
    static func userError(_ status: Int, _ code: String, _ message: String) -> CloudResponse {
        .json(
            status,
            .object([
                (
                    "error",
                    .object([
                        ("code", .string("UserError")), ("message", .string(message)),
                        ("details", .array([.object([("code", .string(code)), ("message", .string(message))])])),
                        ("innerError", .object([("code", .string(code))])),
                    ])
                )
            ]))
    }

    static func systemData(created: Double, by: String, updated: Double) -> JSONValue {
        .object([
            ("createdAt", .string(ISOTime.format(created))), ("createdBy", .string(by)),
            ("createdByType", .string("Application")),
            ("lastModifiedAt", .string(ISOTime.format(updated))), ("lastModifiedBy", .string(by)),
            ("lastModifiedByType", .string("Application")),
        ])
    }
}
