public import AMLAuthCore
import HTTPClient
import WireFormat

/// Azure ML v2 online endpoints and their deployments over ARM (audience: the resource
/// manager's), with ARM long-running operations followed by `ARMPoller`. The JSON names of the
/// wire format live here and nowhere else.
///
/// api-versions are the ones azure-ai-ml 1.35.2 sends, so the service sees what it sees from the
/// official SDK: `2022-02-01-preview` for endpoints (`_ml_client.py`: `ServiceClient022022Preview`,
/// which `OnlineEndpointOperations` is built with) and `2023-04-01-preview` for deployments
/// (`ServiceClient042023Preview`, given to `OnlineDeploymentOperations`).
public struct OnlineEndpointsClient: Sendable {
    public let pipeline: AzurePipeline
    public let cloud: AzureCloudEndpoints
    /// How the client follows long-running operations (poll interval, limit).
    public var poller: ARMPoller

    public static let endpointAPIVersion = "2022-02-01-preview"
    public static let deploymentAPIVersion = "2023-04-01-preview"

    public init(pipeline: AzurePipeline, cloud: AzureCloudEndpoints) {
        self.pipeline = pipeline
        self.cloud = cloud
        poller = ARMPoller(pipeline: pipeline, audience: cloud.resourceManagerAudience)
    }

    private func url(_ id: AzureResourceID, _ suffix: String = "", apiVersion: String = endpointAPIVersion) -> String {
        cloud.resourceManager.trimmingSuffixSlash + id.description + suffix + "?api-version=" + apiVersion
    }

    private func arm(_ method: String, _ url: String, json: JSONValue? = nil, accept: Set<Int> = [])
        -> AzurePipeline.Request
    {
        AzurePipeline.Request(
            method, url, service: .resourceManager, audience: cloud.resourceManagerAudience, json: json, accept: accept)
    }

    // MARK: Reading

    public func onlineEndpoints(workspaceID: AzureResourceID) async throws(AzureError) -> [OnlineEndpoint] {
        try await pipeline.listAll(arm("GET", url(workspaceID, "/onlineEndpoints"))).compactMap(Self.endpoint)
    }

    /// Lists with the endpoints' api-version, as azure-ai-ml's `online_endpoints.get` lists an
    /// endpoint's deployments (its `OnlineEndpointOperations` holds the 2022-02-01-preview client's
    /// `online_deployments`).
    public func onlineDeployments(endpointID: AzureResourceID) async throws(AzureError) -> [OnlineDeployment] {
        try await pipeline.listAll(arm("GET", url(endpointID, "/deployments"))).compactMap(Self.deployment)
    }

    /// The endpoint; nil when it does not exist.
    public func onlineEndpoint(id: AzureResourceID) async throws(AzureError) -> OnlineEndpoint? {
        let response = try await pipeline.send(arm("GET", url(id), accept: [404]))
        guard response.status != 404 else { return nil }
        return (try? JSONParser.parse(response.body)).flatMap(Self.endpoint)
    }

    static func resourceID(_ json: JSONValue) -> AzureResourceID? {
        json["id"]?.stringValue.flatMap { try? AzureResourceID.parse($0).get() }
    }

    static func strings(_ json: JSONValue?) -> [String: String] {
        Dictionary(
            (json?.objectValue ?? []).compactMap { key, value in value.stringValue.map { (key, $0) } },
            uniquingKeysWith: { _, last in last })
    }

    static func endpoint(_ json: JSONValue) -> OnlineEndpoint? {
        guard let id = resourceID(json), let properties = json["properties"] else { return nil }
        let mode = properties["authMode"]?.stringValue ?? ""
        guard
            let authMode = OnlineEndpointAuthMode.allCases.first(where: {
                $0.rawValue.lowercased() == mode.lowercased()
            })
        else { return nil }
        let compute: OnlineEndpointCompute =
            properties["compute"]?.stringValue.flatMap { try? AzureResourceID.parse($0).get() }.map {
                .kubernetes(computeID: $0)
            } ?? .managed
        let traffic = Dictionary(
            (properties["traffic"]?.objectValue ?? []).compactMap { key, value in
                value.numberValue.map { (key, Int($0)) }
            }, uniquingKeysWith: { _, last in last })
        return OnlineEndpoint(
            id: id, name: json["name"]?.stringValue ?? id.segments.last?.name ?? "",
            location: json["location"]?.stringValue ?? "", authMode: authMode, compute: compute, traffic: traffic,
            publicNetworkAccess: properties["publicNetworkAccess"]?.stringValue,
            description: properties["description"]?.stringValue, tags: strings(json["tags"]),
            provisioningState: properties["provisioningState"]?.stringValue,
            scoringURI: properties["scoringUri"]?.stringValue)
    }

    static func deployment(_ json: JSONValue) -> OnlineDeployment? {
        guard let id = resourceID(json), let properties = json["properties"] else { return nil }
        let endpointName = id.segments.dropLast().last?.name ?? ""
        return OnlineDeployment(
            id: id, endpointName: endpointName, name: json["name"]?.stringValue ?? id.segments.last?.name ?? "",
            model: properties["model"]?.stringValue, environment: properties["environmentId"]?.stringValue,
            codeID: properties["codeConfiguration"]?["codeId"]?.stringValue,
            scoringScript: properties["codeConfiguration"]?["scoringScript"]?.stringValue,
            instanceType: properties["instanceType"]?.stringValue,
            instanceCount: json["sku"]?["capacity"]?.numberValue.map { Int($0) } ?? 1, tags: strings(json["tags"]),
            provisioningState: properties["provisioningState"]?.stringValue)
    }

    // MARK: Writing

    static func tags(_ tags: [String: String]) -> JSONValue {
        .object(tags.keys.sorted().map { ($0, .string(tags[$0] ?? "")) })
    }

    /// The body azure-ai-ml's `OnlineEndpoint._to_rest_online_endpoint` sends: location, a
    /// system-assigned identity, tags, and properties (`authMode`, `traffic`, `compute` for a
    /// Kubernetes endpoint, `description`, `publicNetworkAccess`).
    static func payload(_ definition: OnlineEndpointDefinition) -> JSONValue {
        var properties: [(String, JSONValue)] = [
            ("authMode", .string(definition.authMode.rawValue)),
            (
                "traffic",
                .object(definition.traffic.keys.sorted().map { ($0, .number(Double(definition.traffic[$0] ?? 0))) })
            ),
        ]
        switch definition.compute {
        case .managed: break
        case .kubernetes(let computeID): properties.append(("compute", .string(computeID.description)))
        }
        if let description = definition.description { properties.append(("description", .string(description))) }
        if let access = definition.publicNetworkAccess { properties.append(("publicNetworkAccess", .string(access))) }
        return .object([
            ("location", .string(definition.location)),
            ("identity", .object([("type", .string("SystemAssigned"))])),
            ("tags", tags(definition.tags)), ("properties", .object(properties)),
        ])
    }

    public func putOnlineEndpoint(_ definition: OnlineEndpointDefinition) async throws(AzureError) -> OnlineEndpoint {
        let resource = url(definition.id)
        let json = try await poller.putAndWait(
            arm("PUT", resource, json: Self.payload(definition)), resourceURL: resource)
        guard let endpoint = Self.endpoint(json) else {
            throw AzureError(
                service: .resourceManager, status: 200, code: "InvalidResponse",
                message: "the endpoint answer lacks id, properties or a known authMode",
                target: "GET \(AzurePipeline.withoutQuery(resource))")
        }
        return endpoint
    }

    /// The body azure-ai-ml's `ManagedOnlineDeployment` / `KubernetesOnlineDeployment`
    /// `_to_rest_object` sends (the fields amlauth manages): `endpointComputeType` by the
    /// endpoint's compute, model and environment ids, code configuration, instance type; the
    /// instance count as `sku.capacity` with sku name `Default`.
    static func payload(_ definition: OnlineDeploymentDefinition, kubernetes: Bool) -> JSONValue {
        var properties: [(String, JSONValue)] = [
            ("endpointComputeType", .string(kubernetes ? "Kubernetes" : "Managed"))
        ]
        if let model = definition.model { properties.append(("model", .string(model))) }
        if let environment = definition.environment { properties.append(("environmentId", .string(environment))) }
        if definition.codeID != nil || definition.scoringScript != nil {
            var code: [(String, JSONValue)] = []
            if let codeID = definition.codeID { code.append(("codeId", .string(codeID))) }
            if let script = definition.scoringScript { code.append(("scoringScript", .string(script))) }
            properties.append(("codeConfiguration", .object(code)))
        }
        if let instanceType = definition.instanceType { properties.append(("instanceType", .string(instanceType))) }
        return .object([
            ("location", .string(definition.location)), ("tags", tags(definition.tags)),
            ("properties", .object(properties)),
            (
                "sku",
                .object([("name", .string("Default")), ("capacity", .number(Double(definition.instanceCount)))])
            ),
        ])
    }

    /// Reads the endpoint first (its compute decides the deployment's type; azure-ai-ml reads it
    /// too, to fail before deploying to an endpoint that does not exist), then PUTs and waits.
    public func putOnlineDeployment(_ definition: OnlineDeploymentDefinition) async throws(AzureError)
        -> OnlineDeployment
    {
        guard let endpoint = try await onlineEndpoint(id: definition.endpointID) else {
            throw AzureError(
                service: .resourceManager, status: 404, code: "ResourceNotFound",
                message: "online endpoint \(definition.endpointID) was not found",
                target: "GET \(definition.endpointID)")
        }
        let kubernetes =
            switch endpoint.compute {
            case .managed: false
            case .kubernetes: true
            }
        let resource = url(
            definition.endpointID.child("deployments", definition.name), apiVersion: Self.deploymentAPIVersion)
        let json = try await poller.putAndWait(
            arm("PUT", resource, json: Self.payload(definition, kubernetes: kubernetes)), resourceURL: resource)
        guard let deployment = Self.deployment(json) else {
            throw AzureError(
                service: .resourceManager, status: 200, code: "InvalidResponse",
                message: "the deployment answer lacks id or properties",
                target: "GET \(AzurePipeline.withoutQuery(resource))")
        }
        return deployment
    }

    private func delete(_ resource: String) async throws(AzureError) {
        let response = try await pipeline.send(arm("DELETE", resource, accept: [404]))
        guard response.status != 404 else { return }
        try await poller.wait(for: response, target: "DELETE \(AzurePipeline.withoutQuery(resource))")
    }

    /// Deletes and waits until the endpoint is gone; one already gone is success.
    public func deleteOnlineEndpoint(id: AzureResourceID) async throws(AzureError) {
        try await delete(url(id))
    }

    public func deleteOnlineDeployment(id: AzureResourceID) async throws(AzureError) {
        try await delete(url(id, apiVersion: Self.deploymentAPIVersion))
    }

    // MARK: Keys and tokens

    public func onlineEndpointKeys(id: AzureResourceID) async throws(AzureError) -> OnlineEndpointKeys {
        // A POST that only reads: safe to repeat, retried as a read.
        var list = arm("POST", url(id, "/listKeys"))
        list.idempotent = true
        list.read = true
        let json = try await pipeline.json(list)
        guard let primary = json["primaryKey"]?.stringValue, let secondary = json["secondaryKey"]?.stringValue else {
            throw AzureError(
                service: .resourceManager, status: 200, code: "InvalidResponse",
                message: "listKeys answered without both keys", target: "POST \(id)/listKeys")
        }
        return OnlineEndpointKeys(primaryKey: primary, secondaryKey: secondary)
    }

    /// `POST …/regenerateKeys` with `keyType` and, to keep a known key, `keyValue`; waits for the
    /// operation. Repeating leaves a fresh (or the given) key, which is what was asked: safe to repeat.
    public func regenerateOnlineEndpointKey(id: AzureResourceID, keyType: OnlineEndpointKeyType, keyValue: String?)
        async throws(AzureError)
    {
        var body: [(String, JSONValue)] = [("keyType", .string(keyType.rawValue))]
        if let keyValue { body.append(("keyValue", .string(keyValue))) }
        var regenerate = arm("POST", url(id, "/regenerateKeys"), json: .object(body))
        regenerate.idempotent = true
        let response = try await pipeline.send(regenerate)
        try await poller.wait(for: response, target: "POST \(id)/regenerateKeys")
    }

    public func onlineEndpointToken(id: AzureResourceID) async throws(AzureError) -> OnlineEndpointToken {
        // Each call mints a fresh token and changes nothing else: safe to repeat.
        var mint = arm("POST", url(id, "/token"))
        mint.idempotent = true
        mint.read = true
        let json = try await pipeline.json(mint)
        guard let token = json["accessToken"]?.stringValue, let expiry = json["expiryTimeUtc"]?.numberValue else {
            throw AzureError(
                service: .resourceManager, status: 200, code: "InvalidResponse",
                message: "the token response is incomplete", target: "POST \(id)/token")
        }
        return OnlineEndpointToken(
            accessToken: token, tokenType: json["tokenType"]?.stringValue ?? "Bearer", expiresOn: expiry,
            refreshAfter: json["refreshAfterTimeUtc"]?.numberValue ?? expiry)
    }
}
