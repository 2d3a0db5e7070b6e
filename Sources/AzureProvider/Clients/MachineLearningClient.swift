public import AMLAuthCore
public import HTTPClient

/// Azure ML v1: the workspace (ARM), its discovery document, and the model-management services API
/// with long-running operations polled through `Operation-Location`.
public struct MachineLearningClient: Sendable {
    public let pipeline: AzurePipeline
    public let cloud: AzureCloudEndpoints
    /// Seconds between operation polls when the service gives no Retry-After (the SDK uses 5).
    public var pollInterval = 5.0
    /// Polls before giving up on an operation.
    public var maxPolls = 360

    public init(pipeline: AzurePipeline, cloud: AzureCloudEndpoints) {
        self.pipeline = pipeline
        self.cloud = cloud
    }

    public struct Workspace: Sendable {
        public var id: String
        public var name: String
        public var location: String
        public var discoveryURL: String
    }

    private func arm(_ method: String, _ url: String, json: JSONValue? = nil, accept: Set<Int> = []) -> AzurePipeline.Request {
        AzurePipeline.Request(method, url, service: .resourceManager, audience: cloud.resourceManagerAudience, json: json, accept: accept)
    }

    public func workspace(subscriptionID: String, resourceGroup: String, name: String) async throws(AzureError) -> Workspace? {
        let id = "/subscriptions/\(subscriptionID)/resourceGroups/\(resourceGroup)/providers/Microsoft.MachineLearningServices/workspaces/\(name)"
        let response = try await pipeline.send(arm("GET", cloud.resourceManager.trimmingSuffixSlash + id + "?api-version=2022-05-01", accept: [404]))
        guard response.status != 404, let json = try? JSONParser.parse(response.body) else { return nil }
        return Workspace(
            id: json["id"]?.stringValue ?? id, name: json["name"]?.stringValue ?? name, location: json["location"]?.stringValue ?? "",
            discoveryURL: json["properties"]?["discoveryUrl"]?.stringValue ?? "")
    }

    /// The region of a workspace compute (`properties.computeLocation`, else `location`); nil when absent.
    public func computeLocation(id: String) async throws(AzureError) -> String? {
        let response = try await pipeline.send(arm("GET", cloud.resourceManager.trimmingSuffixSlash + id + "?api-version=2022-05-01", accept: [404]))
        guard response.status != 404, let json = try? JSONParser.parse(response.body) else { return nil }
        return json["properties"]?["computeLocation"]?.stringValue ?? json["location"]?.stringValue
    }

    /// The model-management base URL of a workspace, from its discovery document (fetched without
    /// credentials, as azureml-core does).
    public func modelManagementBase(for workspace: Workspace) async throws(AzureError) -> String {
        let discovery = try await pipeline.json(AzurePipeline.Request("GET", workspace.discoveryURL, service: .modelManagement, audience: nil))
        guard let host = discovery["modelmanagement"]?.stringValue else {
            throw AzureError(service: .modelManagement, status: 200, code: "InvalidResponse", message: "the discovery document names no modelmanagement host", target: "GET \(workspace.discoveryURL)")
        }
        return host.trimmingSuffixSlash + "/modelmanagement/v1.0" + workspace.id
    }

    private func mms(_ method: String, _ url: String, json: JSONValue? = nil, accept: Set<Int> = []) -> AzurePipeline.Request {
        var request = AzurePipeline.Request(method, url, service: .modelManagement, audience: cloud.resourceManagerAudience, json: json, accept: accept)
        if method == "PATCH" { request.headers = [("Content-Type", "application/json-patch+json")] }
        return request
    }

    public func services(base: String) async throws(AzureError) -> [JSONValue] {
        try await pipeline.listAll(mms("GET", base + "/services?expand=true"))
    }

    public func service(base: String, name: String) async throws(AzureError) -> JSONValue? {
        let response = try await pipeline.send(mms("GET", base + "/services/\(name)?expand=true", accept: [404]))
        return response.status == 404 ? nil : try? JSONParser.parse(response.body)
    }

    /// Creates a service and waits for its operation.
    public func createService(base: String, _ payload: JSONValue) async throws(AzureError) -> JSONValue {
        try await waitForOperation(base: base, try await pipeline.send(mms("POST", base + "/services", json: payload)))
    }

    /// Applies JSON-patch operations and waits when the service answers with an operation.
    public func updateService(base: String, name: String, patch: [JSONValue]) async throws(AzureError) -> JSONValue {
        try await waitForOperation(base: base, try await pipeline.send(mms("PATCH", base + "/services/\(name)", json: .array(patch))))
    }

    public func deleteService(base: String, name: String) async throws(AzureError) {
        _ = try await pipeline.send(mms("DELETE", base + "/services/\(name)"))
    }

    public func listKeys(base: String, name: String) async throws(AzureError) -> (primary: String, secondary: String) {
        let json = try await pipeline.json(mms("POST", base + "/services/\(name)/listkeys"))
        guard let primary = json["primaryKey"]?.stringValue, let secondary = json["secondaryKey"]?.stringValue else {
            throw AzureError(service: .modelManagement, status: 200, code: "InvalidResponse", message: "listkeys answered without both keys", target: "POST services/\(name)/listkeys")
        }
        return (primary, secondary)
    }

    public func regenerateKey(base: String, name: String, primary: Bool) async throws(AzureError) -> JSONValue {
        let response = try await pipeline.send(mms("POST", base + "/services/\(name)/regenerateKeys", json: .object([("keyType", .string(primary ? "Primary" : "Secondary"))])))
        return try await waitForOperation(base: base, response)
    }

    public struct ServiceToken: Sendable {
        public var accessToken: String
        public var refreshAfter: Double
        public var expiryOn: Double
    }

    public func token(base: String, name: String) async throws(AzureError) -> ServiceToken {
        let json = try await pipeline.json(mms("POST", base + "/services/\(name)/token"))
        guard let token = json["accessToken"]?.stringValue, let refresh = json["refreshAfter"]?.numberValue, let expiry = json["expiryOn"]?.numberValue else {
            throw AzureError(service: .modelManagement, status: 200, code: "InvalidResponse", message: "the token response is incomplete", target: "POST services/\(name)/token")
        }
        return ServiceToken(accessToken: token, refreshAfter: refresh, expiryOn: expiry)
    }

    /// Polls `Operation-Location` until the operation ends; returns the final operation. A failed
    /// operation is thrown with its error.
    public func waitForOperation(base: String, _ response: HTTPResponse) async throws(AzureError) -> JSONValue {
        guard response.status == 202, let location = response.header("Operation-Location") else { return .object([]) }
        // The SDK rebuilds the URL from the operation id; so does amlauth (same host, same prefix).
        let id = location.split(separator: "/").last.map(String.init) ?? location
        let url = base + "/operations/" + id
        var wait: Double?
        for _ in 0..<maxPolls {
            if let wait {
                do { try await pipeline.runtime.sleep(wait) } catch {
                    throw AzureError(service: .modelManagement, status: nil, code: "Cancelled", message: "cancelled while waiting for operation \(id)", target: "GET operations/\(id)")
                }
            }
            let response = try await pipeline.send(mms("GET", url))
            guard let operation = try? JSONParser.parse(response.body) else {
                throw AzureError(service: .modelManagement, status: response.status, code: "InvalidResponse", message: "the operation status is not JSON", target: "GET operations/\(id)")
            }
            // The service's Retry-After when it gives one, the SDK's fixed interval otherwise.
            wait = RetryPolicy.retryAfter({ response.header($0) }, now: pipeline.runtime.now()) ?? pollInterval
            switch operation["state"]?.stringValue ?? "" {
            case "Succeeded": return operation
            case "Failed", "Cancelled", "TimedOut":
                let message = operation["error"]?["message"]?.stringValue ?? "operation \(id) ended \(operation["state"]?.stringValue ?? "")"
                throw AzureError(service: .modelManagement, status: 200, code: operation["error"]?["code"]?.stringValue ?? "OperationFailed", message: message, target: "GET operations/\(id)")
            default: continue
            }
        }
        throw AzureError(service: .modelManagement, status: nil, code: "Timeout", message: "operation \(id) did not finish after \(maxPolls) polls", target: "GET operations/\(id)")
    }
}
