public import AMLAuthCore
public import HTTPClient
public import WireFormat

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
        public var id: AzureResourceID
        public var name: String
        public var location: String
        public var discoveryURL: String

        public init(id: AzureResourceID, name: String, location: String, discoveryURL: String) {
            self.id = id
            self.name = name
            self.location = location
            self.discoveryURL = discoveryURL
        }
    }

    /// A v1 web service as model management lists it (`expand=true`).
    public struct Service: Sendable, Equatable {
        public var name: String
        public var computeType: String
        public var computeName: String?
        public var authEnabled: Bool
        public var aadAuthEnabled: Bool
        public var cpuCores: Double
        public var memoryGB: Double
        public var kvTags: [String: String]
        public var models: [String]
        public var entryScript: String?
        /// The short digest of the entry script's content when amlauth uploaded it (see
        /// `entryScriptDigest(_:)`), nil otherwise.
        public var entryScriptDigest: String?
        /// The artifact (`{origin}/{container}/{path}`) holding the entry script when another tool
        /// uploaded it (azureml-core's `Model.deploy`): its content can be read and hashed, since
        /// its container says nothing about it.
        public var entryScriptArtifact: String?
        /// Deployed with azureml-core's `source_directory`: the script runs from an unpacked
        /// directory, which a Webservice manifest (one `entry_script` file) cannot describe.
        public var hasSourceDirectory = false
        public var environment: String?
        public var state: String?
        /// Where clients send scoring requests (`scoringUri`, as azureml-core's
        /// `Webservice.scoring_uri` reads it; the reference azure-api.md lists it for ACI and AKS); nil while
        /// the service is still being created.
        public var scoringURI: String?

        public init(
            name: String, computeType: String, computeName: String?, authEnabled: Bool, aadAuthEnabled: Bool,
            cpuCores: Double, memoryGB: Double, kvTags: [String: String]
        ) {
            self.name = name
            self.computeType = computeType
            self.computeName = computeName
            self.authEnabled = authEnabled
            self.aadAuthEnabled = aadAuthEnabled
            self.cpuCores = cpuCores
            self.memoryGB = memoryGB
            self.kvTags = kvTags
            models = []
        }

        init?(_ json: JSONValue) {
            guard let name = json["name"]?.stringValue else { return nil }
            let resources = json["containerResourceRequirements"]
            self.init(
                name: name, computeType: json["computeType"]?.stringValue ?? "",
                computeName: json["computeName"]?.stringValue,
                authEnabled: json["authEnabled"]?.boolValue ?? false,
                aadAuthEnabled: json["aadAuthEnabled"]?.boolValue ?? false,
                cpuCores: resources?["cpu"]?.numberValue ?? 0, memoryGB: resources?["memoryInGB"]?.numberValue ?? 0,
                kvTags: Dictionary(
                    (json["kvTags"]?.objectValue ?? []).compactMap { key, value in value.stringValue.map { (key, $0) }
                    }, uniquingKeysWith: { _, last in last }))
            // The model ids (`name:version`) and the image request's script and environment, as
            // azureml-core's Webservice reads them.
            models = (json["models"]?.arrayValue ?? []).compactMap { $0["id"]?.stringValue ?? $0.stringValue }
            if models.isEmpty {
                models = json["environmentImageRequest"]?["modelIds"]?.arrayValue?.compactMap(\.stringValue) ?? []
            }
            let imageRequest = json["environmentImageRequest"]
            entryScript = imageRequest?["driverProgram"]?.stringValue
            entryScriptDigest = MachineLearningClient.entryScriptDigest(imageRequest)
            let assets = imageRequest?["assets"]?.arrayValue ?? []
            hasSourceDirectory = assets.contains { $0["unpack"]?.boolValue == true }
            // azureml-core's layout (`InferenceConfig._handle_assets`, azureml/core/model.py lines
            // 2408-2455): the driver is a generated wrapper (`tmpXXXX.py`) that loads the user's
            // script, which is a second asset and is named by the inline environment's
            // `AZUREML_ENTRY_SCRIPT` variable. The user's script is the entry script.
            if entryScriptDigest == nil, !hasSourceDirectory,
                let named = imageRequest?["environment"]?["environmentVariables"]?["AZUREML_ENTRY_SCRIPT"]?
                    .stringValue,
                let script = assets.first(where: {
                    $0["id"]?.stringValue == EntryScriptFile.assetName(named)
                        && $0["id"]?.stringValue != entryScript
                }),
                let id = script["id"]?.stringValue
            {
                entryScript = id
                entryScriptArtifact = script["url"]?.stringValue.flatMap { url in
                    url.hasPrefix("aml://artifact/") ? String(url.dropFirst("aml://artifact/".count)) : nil
                }
            }
            // A registered environment by reference (what amlauth sends), else the inline one the
            // SDK sends (its serialized Environment has `name` and `version` too).
            let environment =
                json["environmentImageRequest"]?["environmentReference"]
                ?? json["environmentImageRequest"]?["environment"]
            self.environment = environment?["name"]?.stringValue.map { name in
                environment?["version"]?.stringValue.map { "\(name):\($0)" } ?? name
            }
            state = json["state"]?.stringValue
            scoringURI = json["scoringUri"]?.stringValue
        }
    }

    private func arm(_ method: String, _ url: String, json: JSONValue? = nil, accept: Set<Int> = [])
        -> AzurePipeline.Request
    {
        AzurePipeline.Request(
            method, url, service: .resourceManager, audience: cloud.resourceManagerAudience, json: json, accept: accept)
    }

    public func workspace(subscriptionID: String, resourceGroup: String, name: String) async throws(AzureError)
        -> Workspace?
    {
        let id = AzureResourceID(
            subscription: GUID(subscriptionID), resourceGroup: resourceGroup,
            providerNamespace: "Microsoft.MachineLearningServices",
            segments: [.init(type: "workspaces", name: name)])
        return try await workspace(id: id)
    }

    /// The workspace with this ARM ID; nil when it does not exist.
    public func workspace(id: AzureResourceID) async throws(AzureError) -> Workspace? {
        let response = try await pipeline.send(
            arm(
                "GET", cloud.resourceManager.trimmingSuffixSlash + id.description + "?api-version=2022-05-01",
                accept: [404]))
        guard response.status != 404, let json = try? JSONParser.parse(response.body) else { return nil }
        let returned = json["id"]?.stringValue.flatMap { try? AzureResourceID.parse($0).get() }
        return Workspace(
            id: returned ?? id, name: json["name"]?.stringValue ?? id.segments.last?.name ?? "",
            location: json["location"]?.stringValue ?? "",
            discoveryURL: json["properties"]?["discoveryUrl"]?.stringValue ?? "")
    }

    /// Every workspace of a subscription the caller may read, across pages: where services a Target
    /// owns may live when no manifest declares their workspace any more.
    public func workspaces(subscriptionID: String) async throws(AzureError) -> [Workspace] {
        let url =
            cloud.resourceManager.trimmingSuffixSlash
            + "/subscriptions/\(subscriptionID)/providers/Microsoft.MachineLearningServices/workspaces?api-version=2022-05-01"
        return try await pipeline.listAll(arm("GET", url)).compactMap { json in
            guard let id = json["id"]?.stringValue.flatMap({ try? AzureResourceID.parse($0).get() }) else { return nil }
            return Workspace(
                id: id, name: json["name"]?.stringValue ?? id.segments.last?.name ?? "",
                location: json["location"]?.stringValue ?? "",
                discoveryURL: json["properties"]?["discoveryUrl"]?.stringValue ?? "")
        }
    }

    /// The region of a workspace compute (`properties.computeLocation`, else `location`); nil when absent.
    public func computeLocation(id: AzureResourceID) async throws(AzureError) -> String? {
        try await computeLocation(id: id.description)
    }

    /// The region of a workspace compute by its ID text.
    public func computeLocation(id: String) async throws(AzureError) -> String? {
        let response = try await pipeline.send(
            arm("GET", cloud.resourceManager.trimmingSuffixSlash + id + "?api-version=2022-05-01", accept: [404]))
        guard response.status != 404, let json = try? JSONParser.parse(response.body) else { return nil }
        return json["properties"]?["computeLocation"]?.stringValue ?? json["location"]?.stringValue
    }

    /// The model-management base URL of a workspace, from its discovery document (fetched without
    /// credentials, as azureml-core does). The host it names gets tokens, so it must be one of the
    /// cloud's (`pipeline.tokenHosts`: `*.api.azureml.ms` in the public cloud); any other is an
    /// error that names it.
    public func modelManagementBase(for workspace: Workspace) async throws(AzureError) -> String {
        let target = "GET \(AzurePipeline.withoutQuery(workspace.discoveryURL))"
        let discovery = try await pipeline.json(
            AzurePipeline.Request("GET", workspace.discoveryURL, service: .modelManagement, audience: nil))
        guard let host = discovery["modelmanagement"]?.stringValue else {
            throw AzureError(
                service: .modelManagement, status: 200, code: "InvalidResponse",
                message: "the discovery document names no modelmanagement host", target: target)
        }
        if let refusal = pipeline.tokenHosts.refusal(for: host) {
            throw AzureError(
                service: .modelManagement, status: 200, code: "UntrustedHost",
                message: "the discovery document names modelmanagement host '\(host)'; \(refusal)", target: target)
        }
        return host.trimmingSuffixSlash + "/modelmanagement/v1.0" + workspace.id.description
    }

    /// The model-management base URL of the workspace with this ID: the one place that goes from
    /// a workspace to its services (ARM GET, then discovery).
    public func modelManagementBase(workspaceID: AzureResourceID) async throws(AzureError) -> String {
        guard let workspace = try await workspace(id: workspaceID) else {
            throw AzureError(
                service: .resourceManager, status: 404, code: "WorkspaceNotFound",
                message: "workspace \(workspaceID) was not found", target: "GET \(workspaceID)")
        }
        return try await modelManagementBase(for: workspace)
    }

    private func mms(_ method: String, _ url: String, json: JSONValue? = nil, accept: Set<Int> = [])
        -> AzurePipeline.Request
    {
        var request = AzurePipeline.Request(
            method, url, service: .modelManagement, audience: cloud.machineLearningAudience, json: json, accept: accept)
        if method == "PATCH" { request.headers = [("Content-Type", "application/json-patch+json")] }
        return request
    }

    /// The model-management audience's token, fetched now (see `ModelManagementService`); a
    /// failure is left to the request that needs the token.
    public func prefetchToken() async {
        _ = try? await pipeline.tokens?.token(audience: cloud.machineLearningAudience)
    }

    public func services(base: String) async throws(AzureError) -> [Service] {
        try await pipeline.listAll(mms("GET", base + "/services?expand=true")).compactMap(Service.init)
    }

    public func service(base: String, name: String) async throws(AzureError) -> Service? {
        let response = try await pipeline.send(mms("GET", base + "/services/\(name)?expand=true", accept: [404]))
        return response.status == 404 ? nil : (try? JSONParser.parse(response.body)).flatMap(Service.init)
    }

    /// Creates a service and waits for its operation. Repeating the POST is safe because names are
    /// unique in a workspace: when a repeat answers 409, an earlier attempt created the service.
    public func createService(base: String, _ definition: ServiceDefinition) async throws(AzureError) {
        let driver = try await uploadEntryScript(
            base: base, name: EntryScriptFile.assetName(definition.entryScript), file: definition.entryScriptFile)
        var create = mms("POST", base + "/services", json: Self.payload(definition, driver: driver))
        create.idempotent = true
        let response: HTTPResponse
        do {
            response = try await pipeline.send(create)
        } catch  where error.status == 409 && error.attempts > 1 {
            return
        }
        _ = try await waitForOperation(base: base, response)
    }

    /// The image request: the uploaded entry script as the driver program, the models by id and
    /// the environment by reference. azureml-core's `_build_environment_image_request`
    /// (azureml/core/model.py lines 2376-2406, with `_handle_assets` lines 2408-2455) sends the
    /// same `driverProgram` (the id of an asset in `assets`), `assets` and `modelIds`. It differs
    /// deliberately in two ways: the SDK sends the full serialized `environment` (`Environment.
    /// _serialize_to_dict`), amlauth a registered one by `environmentReference` {name, version}
    /// (the REST model's field, azureml/_restclient/models/environment_image_request.py line 40),
    /// since it manages no environment definitions; and the SDK's driver asset is a generated
    /// wrapper (`wrap_execution_script_with_source_directory`) with the script as a second asset,
    /// while amlauth's driver is the script itself, which defines `init()` and `run()` as the
    /// wrapper's do (UNVERIFIED that MMS builds such an image the same way).
    static func imageRequest(models: [VersionedName], driver: DriverAsset, environment: VersionedName) -> JSONValue {
        .object([
            ("driverProgram", .string(driver.id)),
            (
                "assets",
                .array([
                    .object([
                        ("id", .string(driver.id)), ("url", .string(driver.url)),
                        ("mimeType", .string("application/x-python")),
                    ])
                ])
            ),
            ("modelIds", .array(models.map { .string($0.description) })),
            (
                "environmentReference",
                .object([("name", .string(environment.name)), ("version", .string(String(environment.version)))])
            ),
        ])
    }

    static func payload(_ definition: ServiceDefinition, driver: DriverAsset) -> JSONValue {
        var pairs: [(String, JSONValue)] = [
            ("name", .string(definition.name)), ("computeType", .string(definition.computeType.rawValue)),
            ("authEnabled", .bool(definition.authEnabled)),
            (
                "containerResourceRequirements",
                .object([("cpu", .number(definition.cpuCores)), ("memoryInGB", .number(definition.memoryGB))])
            ),
            (
                "kvTags",
                .object(definition.kvTags.keys.sorted().map { ($0, JSONValue.string(definition.kvTags[$0] ?? "")) })
            ),
            (
                "environmentImageRequest",
                imageRequest(models: definition.models, driver: driver, environment: definition.environment)
            ),
        ]
        if definition.computeType == .aks {
            pairs.append(("computeName", .string(definition.computeTarget ?? "")))
            pairs.append(("aadAuthEnabled", .bool(definition.tokenAuthEnabled)))
        }
        if let description = definition.description { pairs.append(("description", .string(description))) }
        return .object(pairs)
    }

    /// Applies in-place changes as JSON-patch and waits when the service answers with an operation.
    public func updateService(base: String, name: String, patches: [ServicePatch]) async throws(AzureError) {
        // A new definition uploads its entry script first, as the SDK's `update(inference_config=…)` does.
        var drivers: [String: DriverAsset] = [:]
        for patch in patches {
            if case .definition(_, let entryScript, _, let script) = patch {
                drivers[entryScript] = try await uploadEntryScript(
                    base: base, name: EntryScriptFile.assetName(entryScript), file: script)
            }
        }
        let operations: [JSONValue] = patches.compactMap { (patch: ServicePatch) -> JSONValue? in
            func replace(_ path: String, _ value: JSONValue) -> JSONValue {
                .object([("op", .string("replace")), ("path", .string(path)), ("value", value)])
            }
            return switch patch {
            case .kvTags(let tags):
                replace("/kvTags", .object(tags.keys.sorted().map { ($0, .string(tags[$0] ?? "")) }))
            case .authEnabled(let flag): replace("/authEnabled", .bool(flag))
            case .tokenAuthEnabled(let flag): replace("/aadAuthEnabled", .bool(flag))
            case .cpuCores(let cores): replace("/containerResourceRequirements/cpu", .number(cores))
            case .memoryGB(let memory): replace("/containerResourceRequirements/memoryInGB", .number(memory))
            case .definition(let models, let entryScript, let environment, _):
                drivers[entryScript].map { driver in
                    replace(
                        "/environmentImageRequest",
                        Self.imageRequest(models: models, driver: driver, environment: environment))
                }
            }
        }
        _ = try await waitForOperation(
            base: base, try await pipeline.send(mms("PATCH", base + "/services/\(name)", json: .array(operations))))
    }

    /// Deletes a service and waits until the delete has finished, so the name is free for a
    /// replacement (MMS deletes asynchronously: 202 and an operation, as azureml-core's
    /// `Webservice.delete()` follows; 200 or 204 when there is nothing to wait for). One already
    /// gone (an earlier attempt deleted it) is not an error.
    public func deleteService(base: String, name: String) async throws(AzureError) {
        do {
            _ = try await waitForOperation(
                base: base, try await pipeline.send(mms("DELETE", base + "/services/\(name)")))
        } catch  where error.status == 404 && error.attempts > 1 {
            return
        }
    }

    public func listKeys(base: String, name: String) async throws(AzureError) -> (primary: String, secondary: String) {
        // A POST that only reads: safe to repeat, retried as a read.
        var list = mms("POST", base + "/services/\(name)/listkeys")
        list.idempotent = true
        list.read = true
        let json = try await pipeline.json(list)
        guard let primary = json["primaryKey"]?.stringValue, let secondary = json["secondaryKey"]?.stringValue else {
            throw AzureError(
                service: .modelManagement, status: 200, code: "InvalidResponse",
                message: "listkeys answered without both keys", target: "POST services/\(name)/listkeys")
        }
        return (primary, secondary)
    }

    public func regenerateKey(base: String, name: String, key: ServiceKey) async throws(AzureError) {
        let keyType =
            switch key {
            case .primary: "Primary"
            case .secondary: "Secondary"
            }
        // Regenerating twice leaves a fresh key, which is what was asked: safe to repeat.
        var regenerate = mms(
            "POST", base + "/services/\(name)/regenerateKeys", json: .object([("keyType", .string(keyType))]))
        regenerate.idempotent = true
        let response = try await pipeline.send(regenerate)
        _ = try await waitForOperation(base: base, response)
    }

    public struct ServiceToken: Sendable {
        public var accessToken: String
        public var refreshAfter: Double
        public var expiryOn: Double
    }

    public func token(base: String, name: String) async throws(AzureError) -> ServiceToken {
        // Each call mints a fresh token and changes nothing else: safe to repeat.
        var mint = mms("POST", base + "/services/\(name)/token")
        mint.idempotent = true
        mint.read = true
        let json = try await pipeline.json(mint)
        guard let token = json["accessToken"]?.stringValue, let refresh = json["refreshAfter"]?.numberValue,
            let expiry = json["expiryOn"]?.numberValue
        else {
            throw AzureError(
                service: .modelManagement, status: 200, code: "InvalidResponse",
                message: "the token response is incomplete", target: "POST services/\(name)/token")
        }
        return ServiceToken(accessToken: token, refreshAfter: refresh, expiryOn: expiry)
    }

    /// Polls the operation a response started until it ends; returns the final operation. A failed
    /// operation is thrown with its error. MMS names the operation in two ways, and azureml-core
    /// follows both (aks.py `update()`): a 202 with `Operation-Location`, or a 200 whose body
    /// carries `operationId` (fidelity audit D9).
    public func waitForOperation(base: String, _ response: HTTPResponse) async throws(AzureError) -> JSONValue {
        let id: String
        if response.status == 202, let location = response.header("Operation-Location") {
            // The SDK rebuilds the URL from the operation id; so does amlauth (same host, same prefix).
            id = location.split(separator: "/").last.map(String.init) ?? location
        } else if response.status == 200,
            let operationID = (try? JSONParser.parse(response.body))?["operationId"]?.stringValue,
            !operationID.isEmpty
        {
            id = operationID
        } else {
            return .object([])
        }
        let url = base + "/operations/" + id
        var wait: Double?
        for _ in 0..<maxPolls {
            if let wait {
                do { try await pipeline.runtime.sleep(wait) } catch {
                    throw AzureError(
                        service: .modelManagement, status: nil, code: "Cancelled",
                        message: "cancelled while waiting for operation \(id)", target: "GET operations/\(id)")
                }
            }
            let response = try await pipeline.send(mms("GET", url))
            guard let operation = try? JSONParser.parse(response.body) else {
                throw AzureError(
                    service: .modelManagement, status: response.status, code: "InvalidResponse",
                    message: "the operation status is not JSON", target: "GET operations/\(id)")
            }
            // The service's Retry-After when it gives one, the SDK's fixed interval otherwise.
            wait = RetryPolicy.retryAfter({ response.header($0) }, now: pipeline.runtime.now()) ?? pollInterval
            switch operation["state"]?.stringValue ?? "" {
            case "Succeeded": return operation
            case "Failed", "Cancelled", "TimedOut":
                let message =
                    operation["error"]?["message"]?.stringValue
                    ?? "operation \(id) ended \(operation["state"]?.stringValue ?? "")"
                throw AzureError(
                    service: .modelManagement, status: 200,
                    code: operation["error"]?["code"]?.stringValue ?? "OperationFailed", message: message,
                    target: "GET operations/\(id)")
            default: continue
            }
        }
        throw AzureError(
            service: .modelManagement, status: nil, code: "Timeout",
            message: "operation \(id) did not finish after \(maxPolls) polls", target: "GET operations/\(id)")
    }
}
