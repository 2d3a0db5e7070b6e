import AMLAuthCore
import AuthCrypto
import Foundation
import WireFormat

/// The Azure ML v1 model-management service ("MMS"), under
/// `/modelmanagement/v1.0/subscriptions/{s}/resourceGroups/{rg}/providers/Microsoft.MachineLearningServices/workspaces/{ws}/`:
/// web services (as long-running operations), keys, tokens, operations and registered models.
struct ModelManagementRoutes {
    let cloud: LocalCloud
    let context: RequestContext
    var request: CloudRequest { context.request }

    func handle(_ segments: [String]) async -> CloudResponse {
        let lower = segments.map { $0.lowercased() }
        guard lower.count >= 9, lower[0] == "v1.0", lower[1] == "subscriptions", lower[3] == "resourcegroups",
            lower[5] == "providers",
            lower[6] == "microsoft.machinelearningservices", lower[7] == "workspaces"
        else { return mmsError(404, "NotFound", "No model-management route '\(request.path)'.") }
        let state = await cloud.store.state
        guard lower[2] == state.subscriptionID else {
            return mmsError(404, "SubscriptionNotFound", "The subscription '\(segments[2])' could not be found.")
        }
        guard
            let workspace = state.workspaces.first(where: {
                $0.resourceGroup.lowercased() == lower[4] && $0.name.lowercased() == lower[8]
            })
        else {
            return mmsError(
                404, "WorkspaceNotFound", "Workspace '\(segments[8])' in resource group '\(segments[4])' was not found."
            )
        }
        let caller: Caller
        switch BearerCheck.authenticate(
            context, cloud: cloud, tenantID: state.tenantID, audiences: Audience.resourceManager(base: context.base),
            style: .resourceManager)
        {
        case .success(let value): caller = value
        case .failure(let response): return response
        }
        let scope = ServiceScope(subscriptionID: state.subscriptionID, workspace: workspace, base: context.base)
        let rest = Array(segments.dropFirst(9))
        let action = ServiceActions(routes: self, caller: caller, scope: scope)
        switch (request.method, rest.count, rest.first?.lowercased(), rest.count > 2 ? rest[2].lowercased() : nil) {
        case ("GET", 1, "services", _): return action.list(state)
        case ("POST", 1, "services", _): return await action.create(state)
        case ("GET", 2, "services", _): return action.get(rest[1], state)
        case ("PATCH", 2, "services", _): return await action.patch(rest[1], state)
        case ("DELETE", 2, "services", _): return await action.delete(rest[1], state)
        case ("POST", 3, "services", "listkeys"): return action.listKeys(rest[1], state)
        case ("POST", 3, "services", "regeneratekeys"): return await action.regenerateKeys(rest[1], state)
        case ("POST", 3, "services", "token"): return action.token(rest[1], state)
        case ("GET", 2, "operations", _): return await action.operation(rest[1], state)
        case ("GET", 1, "models", _):
            return ModelRegistryRoutes(routes: self, caller: caller, scope: scope).list(state)
        case ("GET", 2, "models", _):
            return ModelRegistryRoutes(routes: self, caller: caller, scope: scope).get(rest[1], state)
        default: return mmsError(404, "NotFound", "No model-management route \(request.method) '\(request.path)'.")
        }
    }

    func mmsError(_ status: Int, _ code: String, _ message: String) -> CloudResponse {
        ErrorBody.modelManagement(status, code, message, requestID: context.requestID)
    }
}

/// Names and URLs of one workspace's services.
struct ServiceScope {
    let subscriptionID: String
    let workspace: WorkspaceRecord
    let base: String

    var workspaceID: String {
        "/subscriptions/\(subscriptionID)/resourceGroups/\(workspace.resourceGroup)/providers/Microsoft.MachineLearningServices/workspaces/\(workspace.name)"
    }
    var mmsBase: String { base + "/modelmanagement/v1.0" + workspaceID }

    func serviceID(_ name: String) -> String { workspaceID + "/services/" + name }
    func scoringURI(_ name: String) -> String { base + "/scoring/\(workspace.workspaceID)/\(name)/score" }
    func operationURL(_ id: String) -> String { mmsBase + "/operations/" + id }
}

/// The service operations themselves, with RBAC on the service's ARM ID.
struct ServiceActions {
    let routes: ModelManagementRoutes
    let caller: Caller
    let scope: ServiceScope
    var context: RequestContext { routes.context }
    var cloud: LocalCloud { routes.cloud }

    private func authorize(_ verb: String, computeType: String, name: String?, state: CloudState) -> CloudResponse? {
        let action = "Microsoft.MachineLearningServices/workspaces/services/\(computeType.lowercased())/\(verb)"
        let target = name.map(scope.serviceID) ?? scope.workspaceID
        return Authorization.isAllowed(caller.objectID, action, at: target, in: state)
            ? nil : Authorization.denied(caller, action, target)
    }

    /// Seconds after which a delete nobody polls has finished anyway, as Azure's would.
    static let deleteSeconds = 2.0

    /// A service whose asynchronous delete has finished: invisible, its name free.
    private func isGone(_ service: ServiceRecord) -> Bool {
        service.state == "Deleting" && context.now - service.updatedTime >= Self.deleteSeconds
    }

    private func find(_ name: String, _ state: CloudState) -> ServiceRecord? {
        state.services.first {
            $0.workspace == scope.workspace.name && $0.resourceGroup == scope.workspace.resourceGroup && $0.name == name
                && !isGone($0)
        }
    }

    private func notFound(_ name: String) -> CloudResponse {
        routes.mmsError(404, "NotFound", "Service \(name) not found in workspace \(scope.workspace.name).")
    }

    func body(_ service: ServiceRecord) -> JSONValue {
        var pairs: [(String, JSONValue)] = [
            ("id", .string(service.id)), ("name", .string(service.name)),
            ("description", service.description.map(JSONValue.string) ?? .null),
            ("kvTags", .object(service.kvTags.keys.sorted().map { ($0, .string(service.kvTags[$0]!)) })),
            ("properties", .object(service.properties.keys.sorted().map { ($0, .string(service.properties[$0]!)) })),
            ("computeType", .string(service.computeType)),
            ("createdTime", .string(ISOTime.format(service.createdTime))),
            ("updatedTime", .string(ISOTime.format(service.updatedTime))), ("state", .string(service.state)),
            ("error", .null),
            ("createdBy", .null), ("operationId", service.operationID.map(JSONValue.string) ?? .null),
            ("scoringUri", .string(scope.scoringURI(service.name))),
            (
                "swaggerUri",
                .string(scope.base + "/scoring/\(scope.workspace.workspaceID)/\(service.name)/swagger.json")
            ),
            ("authEnabled", .bool(service.authEnabled)), ("appInsightsEnabled", .bool(false)),
            (
                "containerResourceRequirements",
                .object([
                    ("cpu", .number(service.cpu)), ("cpuLimit", .number(service.cpu)),
                    ("memoryInGB", .number(service.memoryInGB)),
                    ("memoryInGBLimit", .number(service.memoryInGB)), ("gpu", .number(0)),
                ])
            ),
        ]
        // The definition as created (or last patched): the image request and its models.
        if let request = (try? JSONParser.parse(service.payload))?["environmentImageRequest"] {
            pairs.append(("environmentImageRequest", request))
            let models = (request["modelIds"]?.arrayValue ?? []).compactMap(\.stringValue).map { id -> JSONValue in
                Self.modelBody(id, registered: service.createdTime)
            }
            pairs.append(("models", .array(models)))
        }
        if service.computeType == "AKS" {
            pairs += [
                ("computeName", .string(service.computeName ?? "")), ("aadAuthEnabled", .bool(service.aadAuthEnabled)),
                (
                    "autoScaler",
                    .object([
                        ("autoscaleEnabled", .bool(false)), ("minReplicas", .number(1)), ("maxReplicas", .number(1)),
                        ("refreshPeriodInSeconds", .number(1)), ("targetUtilization", .number(70)),
                    ])
                ),
                ("dataCollection", .object([("eventHubEnabled", .bool(false)), ("storageEnabled", .bool(false))])),
                ("maxConcurrentRequestsPerContainer", .number(1)), ("maxQueueWaitMs", .number(500)),
                ("numReplicas", .number(1)),
                ("scoringTimeoutMs", .number(60_000)), ("namespace", .string("azureml-\(scope.workspace.name)")),
                (
                    "livenessProbeRequirements",
                    .object([
                        ("periodSeconds", .number(10)), ("initialDelaySeconds", .number(310)),
                        ("timeoutSeconds", .number(2)), ("failureThreshold", .number(3)),
                        ("successThreshold", .number(1)),
                    ])
                ),
            ]
        } else {
            pairs += [
                ("location", .string(scope.workspace.location)), ("sslEnabled", .bool(false)),
                ("sslCertificate", .null), ("sslKey", .null),
                ("cname", .null), ("publicIp", .null), ("publicFqdn", .null),
            ]
        }
        return .object(pairs)
    }

    /// A registered model as MMS returns it inside an expanded service: azureml-core's
    /// `Model._initialize` (azureml/core/model.py) reads every one of these keys without a default.
    static func modelBody(_ id: String, registered: Double) -> JSONValue {
        let parts = id.split(separator: ":", maxSplits: 1).map(String.init)
        let name = parts.first ?? id
        return .object([
            ("id", .string(id)), ("name", .string(name)), ("version", .number(Double(parts.last ?? "") ?? 0)),
            ("createdTime", .string(ISOTime.format(registered))), ("createdBy", .null), ("description", .null),
            ("mimeType", .string("application/octet-stream")), ("framework", .string("Custom")),
            ("frameworkVersion", .null), ("kvTags", .object([])), ("properties", .object([])),
            ("unpack", .bool(false)), ("url", .string("aml://asset/\(name)")), ("experimentName", .null),
            ("runId", .null), ("datasets", .array([])), ("parentModelId", .null), ("derivedModelIds", .array([])),
            ("resourceRequirements", .null), ("sampleInputData", .null), ("sampleOutputData", .null),
        ])
    }

    // MARK: Read

    func list(_ state: CloudState) -> CloudResponse {
        if let denied = authorize("read", computeType: "aks", name: nil, state: state) { return denied }
        var services = state.services.filter {
            $0.workspace == scope.workspace.name && $0.resourceGroup == scope.workspace.resourceGroup && !isGone($0)
        }
        if let type = context.request.query("computeType") {
            services = services.filter { $0.computeType.lowercased() == type.lowercased() }
        }
        if let tags = context.request.query("tags") {
            for tag in tags.split(separator: ",") {
                let parts = tag.split(separator: "=", maxSplits: 1).map(String.init)
                services = services.filter {
                    parts.count == 2 ? $0.kvTags[parts[0]] == parts[1] : $0.kvTags[parts[0]] != nil
                }
            }
        }
        let pageSize = 100
        let offset = Int(context.request.query("skipToken") ?? "") ?? 0
        var pairs: [(String, JSONValue)] = [("value", .array(services.dropFirst(offset).prefix(pageSize).map(body)))]
        if offset + pageSize < services.count {
            let kept = context.request.query.filter { $0.0 != "skipToken" }.map {
                "\(FormEncoding.percentEncode($0.0))=\(FormEncoding.percentEncode($0.1))"
            }
            pairs.append(
                (
                    "nextLink",
                    .string(
                        scope.base + context.request.path + "?"
                            + (kept + ["skipToken=\(offset + pageSize)"]).joined(separator: "&"))
                ))
        }
        return .json(200, .object(pairs))
    }

    func get(_ name: String, _ state: CloudState) -> CloudResponse {
        guard let service = find(name, state) else {
            if let denied = authorize("read", computeType: "aks", name: name, state: state) { return denied }
            return notFound(name)
        }
        if let denied = authorize("read", computeType: service.computeType, name: name, state: state) { return denied }
        return .json(200, body(service))
    }

    // MARK: Write

    /// The auth rules of Azure ML v1: token auth is AKS only, and excludes key auth.
    private func validate(_ service: ServiceRecord) -> CloudResponse? {
        if service.computeType == "ACI", service.aadAuthEnabled {
            return routes.mmsError(
                400, "BadArgument", "Token authentication (aadAuthEnabled) is only supported for AKS services.")
        }
        if service.authEnabled, service.aadAuthEnabled {
            return routes.mmsError(
                400, "BadArgument",
                "authEnabled and aadAuthEnabled cannot both be true: key auth and token auth are mutually exclusive.")
        }
        return nil
    }

    private func newOperation(_ type: String, service: String) -> OperationRecord {
        OperationRecord(
            id: SecureRandom.uuid(), operationType: type, serviceName: service,
            resourceGroup: scope.workspace.resourceGroup,
            workspace: scope.workspace.name, createdTime: context.now, state: "Running", polls: 0)
    }

    private static func serviceKey() -> String {
        let alphabet = Array("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789")
        return String(SecureRandom.bytes(32).map { alphabet[Int($0) % alphabet.count] })
    }

    func create(_ state: CloudState) async -> CloudResponse {
        guard let json = try? JSONParser.parse(context.request.body), json.objectValue != nil else {
            return routes.mmsError(400, "BadArgument", "The request body must be a JSON object.")
        }
        guard let name = json["name"]?.stringValue, Self.isServiceName(name) else {
            return routes.mmsError(
                400, "BadArgument",
                "Service name must be 3 to 32 characters of lower-case letters, digits and '-', starting with a letter and ending with a letter or digit."
            )
        }
        guard let computeType = json["computeType"]?.stringValue?.uppercased(), ["ACI", "AKS"].contains(computeType)
        else {
            return routes.mmsError(400, "BadArgument", "computeType must be ACI or AKS.")
        }
        if let denied = authorize("write", computeType: computeType, name: name, state: state) { return denied }
        let computeName = json["computeName"]?.stringValue
        if computeType == "AKS" {
            guard let computeName,
                state.computes.contains(where: { $0.workspace == scope.workspace.name && $0.name == computeName })
            else {
                return routes.mmsError(
                    400, "BadArgument",
                    "Compute '\(computeName ?? "")' was not found in workspace \(scope.workspace.name).")
            }
        }
        if let existing = find(name, state) {
            // UNVERIFIED wording: MMS frees a name only when the delete operation has finished
            // (azureml-core's delete() waits for it before returning); until then a create conflicts.
            let detail = existing.state == "Deleting" ? " and is being deleted; retry when the delete has finished" : ""
            return routes.mmsError(
                409, "Conflict",
                "A service with name \(name) already exists in workspace \(scope.workspace.name)\(detail).")
        }
        if let problem = ImageRequestCheck(workspace: scope.workspace, state: state).problem(
            json["environmentImageRequest"])
        {
            return routes.mmsError(400, "BadArgument", problem)
        }
        let aad = json["aadAuthEnabled"]?.boolValue ?? false
        let resources = json["containerResourceRequirements"] ?? .object([])
        let operation = newOperation("Service", service: name)
        let service = ServiceRecord(
            id: SecureRandom.uuid(), name: name, resourceGroup: scope.workspace.resourceGroup,
            workspace: scope.workspace.name,
            computeType: computeType, computeName: computeType == "AKS" ? computeName : nil,
            authEnabled: json["authEnabled"]?.boolValue ?? (computeType == "AKS" && !aad), aadAuthEnabled: aad,
            primaryKey: json["keys"]?["primaryKey"]?.stringValue ?? Self.serviceKey(),
            secondaryKey: json["keys"]?["secondaryKey"]?.stringValue ?? Self.serviceKey(),
            kvTags: Self.strings(json["kvTags"]), properties: Self.strings(json["properties"]),
            description: json["description"]?.stringValue,
            cpu: resources["cpu"]?.numberValue ?? 0.1, memoryInGB: resources["memoryInGB"]?.numberValue ?? 0.5,
            state: "Transitioning",
            createdTime: context.now, updatedTime: context.now, payload: json.compact(), operationID: operation.id)
        if let invalid = validate(service) { return invalid }
        do {
            try await cloud.store.write { state in
                state.services.removeAll {
                    $0.workspace == service.workspace && $0.resourceGroup == service.resourceGroup
                        && $0.name == service.name
                }
                state.services.append(service)
                state.operations.append(operation)
            }
        } catch {
            return routes.mmsError(500, "InternalServerError", "The local cloud could not persist the change: \(error)")
        }
        return .empty(202, headers: [("Operation-Location", scope.operationURL(operation.id))])
    }

    static func strings(_ value: JSONValue?) -> [String: String] {
        Dictionary(
            (value?.objectValue ?? []).compactMap { key, value in value.stringValue.map { (key, $0) } },
            uniquingKeysWith: { _, last in last })
    }

    static func isServiceName(_ name: String) -> Bool {
        let scalars = Array(name.unicodeScalars)
        let lower: (Unicode.Scalar) -> Bool = { ("a"..."z").contains($0) }
        let digit: (Unicode.Scalar) -> Bool = { ("0"..."9").contains($0) }
        return (3...32).contains(scalars.count) && lower(scalars[0]) && (lower(scalars.last!) || digit(scalars.last!))
            && scalars.allSatisfy { lower($0) || digit($0) || $0 == "-" }
    }

    /// JSON Patch (`[{"op": "replace", "path": "/authEnabled", "value": true}, …]`), as the SDK's
    /// `update()` sends it.
    func patch(_ name: String, _ state: CloudState) async -> CloudResponse {
        guard var service = find(name, state) else { return notFound(name) }
        if let denied = authorize("write", computeType: service.computeType, name: name, state: state) { return denied }
        guard let operations = (try? JSONParser.parse(context.request.body))?.arrayValue else {
            return routes.mmsError(400, "BadArgument", "The request body must be a JSON Patch array.")
        }
        for item in operations {
            guard let op = item["op"]?.stringValue, ["replace", "add"].contains(op),
                let path = item["path"]?.stringValue, let value = item["value"]
            else {
                return routes.mmsError(
                    400, "BadArgument", "Each patch operation needs op (add or replace), path and value.")
            }
            let parts = path.split(separator: "/").map(String.init)
            switch (parts.first, parts.count) {
            case ("authEnabled", 1): service.authEnabled = value.boolValue ?? service.authEnabled
            case ("aadAuthEnabled", 1): service.aadAuthEnabled = value.boolValue ?? service.aadAuthEnabled
            case ("description", 1): service.description = value.stringValue
            case ("kvTags", 1): service.kvTags = Self.strings(value)
            case ("kvTags", 2): service.kvTags[parts[1]] = value.stringValue
            case ("properties", 2): service.properties[parts[1]] = value.stringValue
            case ("containerResourceRequirements", 2) where parts[1] == "cpu":
                service.cpu = value.numberValue ?? service.cpu
            case ("containerResourceRequirements", 2) where parts[1] == "memoryInGB":
                service.memoryInGB = value.numberValue ?? service.memoryInGB
            case ("environmentImageRequest", 1):
                if let problem = ImageRequestCheck(workspace: scope.workspace, state: state).problem(value) {
                    return routes.mmsError(400, "BadArgument", problem)
                }
                // A new definition: the service is rebuilt from it (no image is built here).
                service.payload = ((try? JSONParser.parse(service.payload)) ?? .object([]))
                    .setting("environmentImageRequest", to: value).compact()
            case ("imageId", 1), ("numReplicas", 1), ("scoringTimeoutMs", 1), ("appInsightsEnabled", 1):
                break  // accepted; the local cloud does not build images or scale.
            default:
                return routes.mmsError(400, "BadArgument", "Patch path '\(path)' is not supported.")
            }
        }
        if let invalid = validate(service) { return invalid }
        let operation = newOperation("ServiceUpdate", service: name)
        service.state = "Transitioning"
        service.updatedTime = context.now
        service.operationID = operation.id
        let updated = service
        do {
            try await cloud.store.write { state in
                guard let index = state.services.firstIndex(where: { $0.id == updated.id }) else { return }
                state.services[index] = updated
                state.operations.append(operation)
            }
        } catch {
            return routes.mmsError(500, "InternalServerError", "The local cloud could not persist the change: \(error)")
        }
        // UNVERIFIED which form MMS uses when: azureml-core's aks.py update() follows both, a 202
        // with Operation-Location and a 200 whose body carries `operationId` (fidelity audit D9).
        // The local cloud answers AKS updates the second way so clients must follow both.
        if updated.computeType == "AKS" { return .json(200, body(updated)) }
        return .empty(202, headers: [("Operation-Location", scope.operationURL(operation.id))])
    }

    func delete(_ name: String, _ state: CloudState) async -> CloudResponse {
        guard let service = find(name, state) else { return .empty(204) }
        if let denied = authorize("delete", computeType: service.computeType, name: name, state: state) {
            return denied
        }
        if service.state == "Deleting", let id = service.operationID {
            return .empty(202, headers: [("Operation-Location", scope.operationURL(id))])
        }
        // Deletes are asynchronous, as in Azure: 202 and an operation; the service shows as
        // `Deleting` (its name still taken) until the operation finishes (azureml-core webservice.py
        // delete() follows the Operation-Location; fidelity audit D2).
        let operation = newOperation("ServiceDelete", service: name)
        let now = context.now
        do {
            try await cloud.store.write { state in
                guard let index = state.services.firstIndex(where: { $0.id == service.id }) else { return }
                state.services[index].state = "Deleting"
                state.services[index].updatedTime = now
                state.services[index].operationID = operation.id
                state.operations.append(operation)
            }
        } catch {
            return routes.mmsError(500, "InternalServerError", "The local cloud could not persist the change: \(error)")
        }
        return .empty(202, headers: [("Operation-Location", scope.operationURL(operation.id))])
    }

    // MARK: Keys and tokens

    func listKeys(_ name: String, _ state: CloudState) -> CloudResponse {
        guard let service = find(name, state) else { return notFound(name) }
        if let denied = authorize("listkeys/action", computeType: service.computeType, name: name, state: state) {
            return denied
        }
        return .json(
            200,
            .object([("primaryKey", .string(service.primaryKey)), ("secondaryKey", .string(service.secondaryKey))]))
    }

    func regenerateKeys(_ name: String, _ state: CloudState) async -> CloudResponse {
        guard let service = find(name, state) else { return notFound(name) }
        if let denied = authorize("regeneratekeys/action", computeType: service.computeType, name: name, state: state) {
            return denied
        }
        let json = (try? JSONParser.parse(context.request.body)) ?? .object([])
        guard let keyType = json["keyType"]?.stringValue, ["Primary", "Secondary"].contains(keyType) else {
            return routes.mmsError(400, "BadArgument", "keyType must be Primary or Secondary.")
        }
        let value = json["keyValue"]?.stringValue ?? Self.serviceKey()
        let operation = newOperation("ServiceKeyRegeneration", service: name)
        do {
            try await cloud.store.write { state in
                guard let index = state.services.firstIndex(where: { $0.id == service.id }) else { return }
                if keyType == "Primary" {
                    state.services[index].primaryKey = value
                } else {
                    state.services[index].secondaryKey = value
                }
                state.services[index].updatedTime = context.now
                state.operations.append(operation)
            }
        } catch {
            return routes.mmsError(500, "InternalServerError", "The local cloud could not persist the change: \(error)")
        }
        return .empty(202, headers: [("Operation-Location", scope.operationURL(operation.id))])
    }

    /// `get_token`: AKS services with token auth only. Fetching a token is authorized as a read
    /// (Reader may score a token-auth service; keys need more).
    func token(_ name: String, _ state: CloudState) -> CloudResponse {
        guard let service = find(name, state) else { return notFound(name) }
        if let denied = authorize("read", computeType: service.computeType, name: name, state: state) { return denied }
        guard service.computeType == "AKS" else {
            return routes.mmsError(
                400, "BadArgument",
                "Token authentication is not supported for ACI services; ACI supports key auth only.")
        }
        guard service.aadAuthEnabled else {
            return routes.mmsError(400, "BadArgument", "Token authentication is not enabled for service \(name).")
        }
        let lifetime = cloud.options.tokenLifetime
        guard
            let token = try? TokenMinter(cloud: cloud, state: state, now: context.now).serviceToken(
                serviceID: scope.serviceID(name), instance: service.id, objectID: caller.objectID, lifetime: lifetime)
        else {
            return routes.mmsError(500, "InternalServerError", "Token signing failed.")
        }
        return .json(
            200,
            .object([
                ("accessToken", .string(token)), ("tokenType", .string("Bearer")),
                ("refreshAfter", .number((context.now + lifetime / 2).rounded(.down))),
                ("expiryOn", .number((context.now + lifetime).rounded(.down))),
            ]))
    }

    // MARK: Operations

    /// An operation reports Running on its first poll and Succeeded after, so clients exercise
    /// their polling loop without waiting.
    func operation(_ id: String, _ state: CloudState) async -> CloudResponse {
        guard state.operations.contains(where: { $0.id == id.lowercased() && $0.workspace == scope.workspace.name })
        else {
            return routes.mmsError(404, "NotFound", "Operation \(id) not found.")
        }
        if let denied = authorize("read", computeType: "aks", name: nil, state: state) { return denied }
        let now = context.now
        let record: OperationRecord
        do {
            record = try await cloud.store.write { state -> OperationRecord in
                let index = state.operations.firstIndex { $0.id == id.lowercased() }!
                state.operations[index].polls += 1
                if state.operations[index].polls >= 2, state.operations[index].state == "Running" {
                    state.operations[index].state = "Succeeded"
                    let serviceName = state.operations[index].serviceName
                    if let service = state.services.firstIndex(where: {
                        $0.name == serviceName && $0.workspace == state.operations[index].workspace
                    }) {
                        if state.operations[index].operationType == "ServiceDelete" {
                            state.services.remove(at: service)
                        } else {
                            state.services[service].state = "Healthy"
                            state.services[service].updatedTime = now
                        }
                    }
                }
                return state.operations[index]
            }
        } catch {
            return routes.mmsError(500, "InternalServerError", "The local cloud could not persist the change: \(error)")
        }
        let done = record.state == "Succeeded"
        // Retry-After 0: the local cloud finishes on the next poll, so clients need not wait 5 s.
        return .json(
            200,
            .object([
                ("id", .string(record.id)), ("operationType", .string(record.operationType)),
                ("state", .string(record.state)),
                ("createdTime", .string(ISOTime.format(record.createdTime))),
                ("endTime", done ? .string(ISOTime.format(now)) : .null),
                ("error", .null), ("resourceLocation", .string("/api" + scope.serviceID(record.serviceName))),
                ("operationLog", .string(done ? "Succeeded" : "Running")), ("parentRequestId", .string(record.id)),
                ("operationDetails", .object([("subOperationType", .string("DeployService"))])),
            ]), headers: done ? [] : [("Retry-After", "0")])
    }
}
