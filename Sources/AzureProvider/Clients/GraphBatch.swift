public import AMLAuthCore
import HTTPClient
import WireFormat

/// Graph JSON batching: up to 20 requests in one `POST /v1.0/$batch` round trip. Each item gets
/// its own status, headers and body; the envelope is 200 even when items fail. Responses may come
/// back in any order and are matched by `id`. A throttled item is answered 429 with its own
/// `Retry-After`, and only that item is sent again. Source: Microsoft Graph, "Combine multiple HTTP
/// requests using JSON batching" (learn.microsoft.com/graph/json-batching).
extension GraphClient {
    /// Requests Graph accepts in one batch.
    public static let maximumBatchSize = 20

    /// One read to put in a batch: a URL relative to `/v1.0` (e.g.
    /// `/applications/{id}/federatedIdentityCredentials`).
    struct BatchRead: Sendable {
        var url: String
    }

    /// Sends `reads` (at most `maximumBatchSize`) as one batch and returns each item's answer, in
    /// the order of `reads`. Items answered with a retryable status (429, 503, …) are sent again,
    /// alone in a smaller batch, after the longest `Retry-After` among them, under the pipeline's
    /// retry policy; any other failure of an item throws, naming that item.
    /// How often a batched read answered 404 is sent again (0.25 s doubling: ~16 s in all).
    static let notReplicatedAttempts = 6

    func batch(_ reads: [BatchRead]) async throws(AzureError) -> [HTTPResponse] {
        precondition(reads.count <= Self.maximumBatchSize, "a Graph batch holds at most 20 requests")
        var answers: [HTTPResponse?] = Array(repeating: nil, count: reads.count)
        var pending = Array(reads.indices)
        var attempt = 0
        var waited = 0.0
        while !pending.isEmpty {
            attempt += 1
            let items: [JSONValue] = pending.map { index in
                .object([
                    ("id", .string(String(index))), ("method", .string("GET")), ("url", .string(reads[index].url)),
                ])
            }
            var envelope = AzurePipeline.Request(
                "POST", root + "/$batch", service: .graph, audience: cloud.microsoftGraphAudience,
                json: .object([("requests", .array(items))]))
            envelope.idempotent = true  // every item is a GET
            let json = try await pipeline.json(envelope)
            var answered: [Int: HTTPResponse] = [:]
            for item in json["responses"]?.arrayValue ?? [] {
                guard let id = item["id"]?.stringValue, let index = Int(id), pending.contains(index) else { continue }
                answered[index] = Self.response(of: item)
            }
            var retry: [Int] = []
            var delay = 0.0
            for index in pending {
                let target = "GET " + AzurePipeline.withoutQuery(root + reads[index].url)
                guard let response = answered[index] else {
                    throw AzureError(
                        service: .graph, status: json["responses"] == nil ? nil : 200, code: "InvalidResponse",
                        message: "the batch answer has no response for this request", target: target)
                }
                if response.status < 400 {
                    answers[index] = response
                    continue
                }
                var failure = AzureError.from(response, service: .graph, target: target)
                failure.attempts = attempt
                let retryAfter = RetryPolicy.retryAfter({ response.header($0) }, now: pipeline.runtime.now())
                let wait: Double
                if response.status == 404 {
                    // Every read here is of an object a list just returned: a replica that does not
                    // know it yet answers 404 (fidelity audit D4, Graph replication). Waited out a
                    // few times, briefly; an object really deleted meanwhile fails after ~16 s.
                    guard attempt <= Self.notReplicatedAttempts else { throw failure }
                    wait = 0.25 * Double(1 << (attempt - 1))
                } else {
                    guard
                        let delay = pipeline.retry.delay(
                            after: .status(response.status, retryAfter: retryAfter), attempt: attempt,
                            idempotent: true, waited: waited, random: pipeline.runtime.random)
                    else { throw failure }
                    wait = delay
                }
                retry.append(index)
                delay = max(delay, wait)
            }
            pending = retry
            if !pending.isEmpty {
                pipeline.log?("  \(pending.count) batched request(s) throttled; retrying in \(delay) s")
                do {
                    try await pipeline.runtime.sleep(delay)
                } catch {
                    throw AzureError(
                        service: .graph, status: nil, code: "Cancelled", message: "cancelled while waiting to retry",
                        target: "POST /$batch")
                }
                waited += delay
            }
        }
        return answers.map { $0! }
    }

    /// A batch item as a response: its status, headers and JSON body.
    private static func response(of item: JSONValue) -> HTTPResponse {
        let headers: [(String, String)] =
            item["headers"]?.objectValue?.compactMap { name, value in value.stringValue.map { (name, $0) } } ?? []
        let body: [UInt8] =
            switch item["body"] {
            case nil, .null?: []
            case .string(let text)?: Array(text.utf8)
            case let value?: Array(value.compact().utf8)
            }
        return HTTPResponse(status: Int(item["status"]?.numberValue ?? 0), headers: headers, body: body)
    }

    /// The federated credentials of each application, in the order of `applicationIDs`: one batch
    /// per 20 applications, the batches in flight together.
    public func federatedCredentials(applicationIDs: [String]) async throws(AzureError) -> [[LiveFederatedCredential]] {
        try await lists(applicationIDs.map { "/applications/\($0)/federatedIdentityCredentials" }).map {
            $0.compactMap(Self.federatedCredential)
        }
    }

    /// The items of each list (a URL relative to `/v1.0`), in the order of `urls`: 20 lists per
    /// batch, the batches in flight together (the transport bounds how many at once). A list longer
    /// than one page continues with ordinary GETs of its `@odata.nextLink`.
    func lists(_ urls: [String]) async throws(AzureError) -> [[JSONValue]] {
        let chunks = stride(from: 0, to: urls.count, by: Self.maximumBatchSize).map {
            Array(urls[$0..<min($0 + Self.maximumBatchSize, urls.count)])
        }
        let client = self
        let answers = try await Concurrently.map(chunks) { chunk throws(AzureError) in
            let responses = try await client.batch(chunk.map { BatchRead(url: $0) })
            var lists: [[JSONValue]] = []
            for (url, response) in zip(chunk, responses) {
                guard let page = try? JSONParser.parse(response.body) else {
                    throw AzureError(
                        service: .graph, status: response.status, code: "InvalidResponse",
                        message: "the response is not JSON", target: "GET " + AzurePipeline.withoutQuery(url))
                }
                var items = page["value"]?.arrayValue ?? []
                if let link = page["@odata.nextLink"]?.stringValue, !link.isEmpty {
                    items += try await client.pipeline.listAll(
                        AzurePipeline.Request(
                            "GET", link, service: .graph, audience: client.cloud.microsoftGraphAudience))
                }
                lists.append(items)
            }
            return lists
        }
        return answers.flatMap { $0 }
    }

    static func federatedCredential(_ item: JSONValue) -> LiveFederatedCredential? {
        guard let id = item["id"]?.stringValue, let name = item["name"]?.stringValue else { return nil }
        return LiveFederatedCredential(
            id: id, name: name, issuer: item["issuer"]?.stringValue ?? "", subject: item["subject"]?.stringValue ?? "",
            audiences: item["audiences"]?.arrayValue?.compactMap(\.stringValue) ?? [])
    }
}
