import AMLAuthCore
import AuthCrypto
import WireFormat

/// ARM long-running operations of the Azure ML resource provider, as ARM runs them
/// (azure-resource-manager-rpc `v1.0/async-api-reference.md`): a PUT answers 201/200 with
/// `Azure-AsyncOperation`, a DELETE, PATCH or regenerateKeys 202 with `Location`; the status URL
/// (`…/locations/{region}/mfeOperationsStatus/{id}`) answers `{"status":"InProgress"}` and then a
/// terminal status, the result URL (`…/mfeOperationResults/{id}`) 202 and then the result. The
/// resource shows `Creating`, `Updating` or `Deleting` meanwhile. Both resource types are real
/// provider resource types (`locations/mfeOperationsStatus`, `locations/mfeOperationResults`, in
/// the provider's registration). An operation finishes after it (or its resource) has been
/// looked at twice, or after `LocalCloudOptions.operationSeconds` when nobody looks, so clients
/// exercise their polling loop without waiting.
enum ARMOperations {
    /// Seconds in `Retry-After` while an operation runs (ARM asks for whole seconds).
    static let retryAfter = "1"

    /// Starts an operation; with `failure` (code, message) it will end `Failed` with that error and
    /// leave its resource `Failed`, as an asynchronous provisioning failure does.
    static func start(
        _ kind: String, resourceID: String, location: String, now: Double, failure: (String, String)? = nil,
        in state: inout CloudState
    ) -> ARMOperationRecord {
        let record = ARMOperationRecord(
            id: SecureRandom.uuid(), kind: kind, resourceID: resourceID.lowercased(), location: location,
            createdTime: now, polls: 0, status: "InProgress", endTime: nil, failureCode: failure?.0,
            failureMessage: failure?.1)
        state.armOperations = (state.armOperations ?? []) + [record]
        return record
    }

    /// Whether any operation is still running (so a read must write to settle it).
    static func anyRunning(_ state: CloudState) -> Bool {
        state.armOperations?.contains { $0.status == "InProgress" } == true
    }

    /// Counts one look at the operations on `resourceID` (nil: none) or at operation `id`, then
    /// finishes every operation that is due.
    static func observe(
        resourceID: String?, operationID: String?, now: Double, finishSeconds: Double, in state: inout CloudState
    ) {
        guard var operations = state.armOperations else { return }
        for index in operations.indices where operations[index].status == "InProgress" {
            if operations[index].resourceID == resourceID?.lowercased() || operations[index].id == operationID {
                operations[index].polls += 1
            }
        }
        state.armOperations = operations
        for index in operations.indices where operations[index].status == "InProgress" {
            let due = operations[index].polls >= 2 || now - operations[index].createdTime >= finishSeconds
            if due { finish(index, now: now, in: &state) }
        }
        // Finished operations are kept an hour for late pollers, then forgotten.
        state.armOperations?.removeAll { ($0.endTime ?? now) < now - 3600 }
    }

    private static func finish(_ index: Int, now: Double, in state: inout CloudState) {
        guard var operation = state.armOperations?[index] else { return }
        operation.status = operation.failureCode == nil ? "Succeeded" : "Failed"
        let resourceState = operation.status
        operation.endTime = now
        state.armOperations?[index] = operation
        let id = operation.resourceID
        switch operation.kind {
        case "Delete":
            let snapshot = state
            state.onlineEndpoints?.removeAll { OnlineEndpointScope.id(of: $0, snapshot).lowercased() == id }
            state.onlineDeployments?.removeAll {
                OnlineEndpointScope.id(of: $0, snapshot).lowercased() == id
                    || OnlineEndpointScope.endpointID(of: $0, snapshot).lowercased() == id
            }
        case "Create", "Update":
            if let endpoint = state.onlineEndpoints?.firstIndex(where: {
                OnlineEndpointScope.id(of: $0, state).lowercased() == id
            }) {
                state.onlineEndpoints?[endpoint].provisioningState = resourceState
                state.onlineEndpoints?[endpoint].updatedTime = now
            }
            if let deployment = state.onlineDeployments?.firstIndex(where: {
                OnlineEndpointScope.id(of: $0, state).lowercased() == id
            }) {
                state.onlineDeployments?[deployment].provisioningState = resourceState
                state.onlineDeployments?[deployment].updatedTime = now
            }
        default:
            break
        }
    }

    /// The operation whose resource is `resourceID` and still runs.
    static func running(on resourceID: String, _ state: CloudState) -> ARMOperationRecord? {
        state.armOperations?.last { $0.resourceID == resourceID.lowercased() && $0.status == "InProgress" }
    }

    static func statusURL(_ operation: ARMOperationRecord, base: String, subscriptionID: String, apiVersion: String)
        -> String
    {
        base
            + "/subscriptions/\(subscriptionID)/providers/Microsoft.MachineLearningServices/locations/\(operation.location)/mfeOperationsStatus/\(operation.id)?api-version=\(apiVersion)"
    }

    static func resultURL(_ operation: ARMOperationRecord, base: String, subscriptionID: String, apiVersion: String)
        -> String
    {
        base
            + "/subscriptions/\(subscriptionID)/providers/Microsoft.MachineLearningServices/locations/\(operation.location)/mfeOperationResults/\(operation.id)?api-version=\(apiVersion)"
    }
}

/// `GET /subscriptions/{sub}/providers/Microsoft.MachineLearningServices/locations/{region}/
/// mfeOperationsStatus/{id}` and `…/mfeOperationResults/{id}`.
struct ARMOperationRoutes {
    let cloud: LocalCloud
    let context: RequestContext
    let caller: Caller

    func handle(kind: String, id: String) async -> CloudResponse {
        guard context.request.method == "GET" else {
            return ErrorBody.arm(405, "MethodNotAllowed", "Operations are read with GET.")
        }
        let now = context.now
        let record: ARMOperationRecord?
        do {
            record = try await cloud.store.write { state -> ARMOperationRecord? in
                ARMOperations.observe(
                    resourceID: nil, operationID: id.lowercased(), now: now,
                    finishSeconds: cloud.options.operationSeconds, in: &state)
                return state.armOperations?.first { $0.id == id.lowercased() }
            }
        } catch {
            return ErrorBody.arm(500, "InternalServerError", "The local cloud could not persist the change: \(error)")
        }
        guard let record else {
            return ErrorBody.arm(404, "NotFound", "The operation '\(id)' was not found.")
        }
        // Whoever may read the resource may read its operation.
        let state = await cloud.store.state
        let action =
            record.resourceID.contains("/deployments/")
            ? OnlineEndpointScope.deploymentAction("read") : OnlineEndpointScope.endpointAction("read")
        guard Authorization.isAllowed(caller.objectID, action, at: record.resourceID, in: state) else {
            return Authorization.denied(caller, action, record.resourceID)
        }
        let running = record.status == "InProgress"
        let retry = running ? [("Retry-After", ARMOperations.retryAfter)] : []
        if kind == "mfeoperationresults" {
            // The Location protocol: 202 while running, then 200 (or 204 for a delete).
            if running {
                let state = await cloud.store.state
                let location = ARMOperations.resultURL(
                    record, base: context.base, subscriptionID: state.subscriptionID,
                    apiVersion: context.request.query("api-version") ?? "")
                return .empty(202, headers: retry + [("Location", location)])
            }
            if let code = record.failureCode {
                // UNVERIFIED: the status a failed operation's Location answers with.
                return ErrorBody.arm(400, code, record.failureMessage ?? "The operation failed.")
            }
            return record.kind == "Delete" ? .empty(204) : .empty(200)
        }
        var pairs: [(String, JSONValue)] = [
            ("id", .string(context.request.path)), ("name", .string(record.id)), ("status", .string(record.status)),
            ("startTime", .string(ISOTime.format(record.createdTime))),
        ]
        if let end = record.endTime { pairs.append(("endTime", .string(ISOTime.format(end)))) }
        if record.status == "Failed", let code = record.failureCode {
            pairs.append(
                (
                    "error",
                    .object([
                        ("code", .string(code)), ("message", .string(record.failureMessage ?? "The operation failed.")),
                    ])
                ))
        }
        return .json(200, .object(pairs), headers: retry)
    }
}
