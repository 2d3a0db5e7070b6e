public import HTTPClient
public import WireFormat

/// Follows ARM long-running operations to their end, for any ARM client
/// (azure-resource-manager-rpc `v1.0/async-api-reference.md`; reference azure-api.md §9.1):
/// `Azure-AsyncOperation` first (its body's `status` is `InProgress`… until `Succeeded`, `Failed`
/// or `Canceled`, the last two with `error`), else `Location` (202 while running, then the
/// result); `Retry-After` between polls, a fixed interval when absent. `putAndWait` also reads the
/// resource until its `provisioningState` is terminal, as ARM asks clients to for PUTs.
public struct ARMPoller: Sendable {
    public var pipeline: AzurePipeline
    /// The token audience of the polls (the resource manager's).
    public var audience: String
    /// Seconds between polls when the service gives no Retry-After.
    public var pollInterval = 5.0
    /// Polls before giving up.
    public var maxPolls = 720

    public init(pipeline: AzurePipeline, audience: String) {
        self.pipeline = pipeline
        self.audience = audience
    }

    /// States after which a resource changes no more.
    public static let terminalStates: Set<String> = ["succeeded", "failed", "canceled"]

    private func get(_ url: String, accept: Set<Int> = []) -> AzurePipeline.Request {
        AzurePipeline.Request("GET", url, service: .resourceManager, audience: audience, accept: accept)
    }

    private func pause(_ response: HTTPResponse?, target: String) async throws(AzureError) {
        let wait =
            response.flatMap { answer in
                RetryPolicy.retryAfter({ answer.header($0) }, now: pipeline.runtime.now())
            } ?? pollInterval
        do { try await pipeline.runtime.sleep(wait) } catch {
            throw AzureError(
                service: .resourceManager, status: nil, code: "Cancelled",
                message: "cancelled while waiting for a long-running operation", target: target)
        }
    }

    /// Waits for the operation `response` started, if it started one. Returns the last response:
    /// the initial one, or the final answer of the `Location` URL.
    @discardableResult
    public func wait(for response: HTTPResponse, target: String) async throws(AzureError) -> HTTPResponse {
        if let status = response.header("Azure-AsyncOperation"), !status.isEmpty {
            try await followStatus(status, first: response)
            return response
        }
        if response.status == 202, let location = response.header("Location"), !location.isEmpty {
            return try await followLocation(location, first: response)
        }
        return response
    }

    private func followStatus(_ url: String, first: HTTPResponse) async throws(AzureError) {
        let target = "GET \(AzurePipeline.withoutQuery(url))"
        var previous: HTTPResponse? = first
        for poll in 0..<maxPolls {
            if poll > 0 { try await pause(previous, target: target) }
            let answer = try await pipeline.send(get(url))
            previous = answer
            let body = try? JSONParser.parse(answer.body)
            let status = body?["status"]?.stringValue ?? ""
            switch status.lowercased() {
            case "succeeded": return
            case "failed", "canceled", "cancelled":
                throw AzureError(
                    service: .resourceManager, status: answer.status,
                    code: body?["error"]?["code"]?.stringValue ?? "OperationFailed",
                    message: body?["error"]?["message"]?.stringValue ?? "the operation ended \(status)", target: target)
            default: continue
            }
        }
        throw timeout(target)
    }

    private func followLocation(_ url: String, first: HTTPResponse) async throws(AzureError) -> HTTPResponse {
        let target = "GET \(AzurePipeline.withoutQuery(url))"
        var previous = first
        for _ in 0..<maxPolls {
            try await pause(previous, target: target)
            let answer = try await pipeline.send(get(url, accept: [202]))
            if answer.status != 202 { return answer }
            previous = answer
        }
        throw timeout(target)
    }

    private func timeout(_ target: String) -> AzureError {
        AzureError(
            service: .resourceManager, status: nil, code: "Timeout",
            message: "the long-running operation did not finish after \(maxPolls) polls", target: target)
    }

    /// PUTs (or PATCHes) a resource, waits for its operation, then reads the resource until its
    /// `provisioningState` is terminal; returns the resource. `Failed` or `Canceled` is an error.
    public func putAndWait(_ request: AzurePipeline.Request, resourceURL: String) async throws(AzureError) -> JSONValue
    {
        let first = try await pipeline.send(request)
        try await wait(for: first, target: "\(request.method) \(AzurePipeline.withoutQuery(request.url))")
        let target = "GET \(AzurePipeline.withoutQuery(resourceURL))"
        var previous: HTTPResponse?
        for poll in 0..<maxPolls {
            if poll > 0 { try await pause(previous, target: target) }
            let answer = try await pipeline.send(get(resourceURL))
            previous = answer
            guard let resource = try? JSONParser.parse(answer.body) else {
                throw AzureError(
                    service: .resourceManager, status: answer.status, code: "InvalidResponse",
                    message: "the resource is not JSON", target: target)
            }
            let state = resource["properties"]?["provisioningState"]?.stringValue ?? "Succeeded"
            guard Self.terminalStates.contains(state.lowercased()) else { continue }
            guard state.lowercased() == "succeeded" else {
                throw AzureError(
                    service: .resourceManager, status: answer.status, code: "Provisioning\(state)",
                    message: "the resource's provisioningState is \(state)", target: target)
            }
            return resource
        }
        throw timeout(target)
    }
}
