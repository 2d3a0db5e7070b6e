import AMLAuthCore
import AuthCrypto
import WireFormat

/// `POST /graph/v1.0/$batch`: Graph's JSON batching. Up to 20 requests, each with a unique `id`
/// (case-insensitive), a `method` and a `url` relative to `/v1.0`, optional `headers` and `body`,
/// and optional `dependsOn` (ids of earlier requests in the batch). The envelope answers 200 with
/// one `{id, status, headers, body}` per request; items fail on their own (a 429 carries its own
/// `Retry-After`), an item whose dependency failed answers 424, and answers are not promised in
/// request order (this cloud lists them last to first, so clients must match by id). A malformed
/// envelope answers 400 as a whole. Source: Microsoft Graph, "Combine multiple HTTP requests using
/// JSON batching" (learn.microsoft.com/graph/json-batching).
struct BatchRoutes {
    let graph: GraphRoutes
    /// Who sent the envelope: its requests run as this caller (the token is checked once).
    let caller: Caller
    var context: RequestContext { graph.context }

    /// Requests one batch may hold.
    static let limit = 20

    private struct Item {
        var id: String
        var method: String
        var url: String
        var headers: [String: String]
        var body: [UInt8]
        var dependsOn: [String]
    }

    func handle() async -> CloudResponse {
        let items: [Item]
        switch parse() {
        case .success(let parsed): items = parsed
        case .failure(let response): return response
        }
        var statusByID: [String: Int] = [:]
        var answers: [JSONValue] = []
        for item in items {
            let response: CloudResponse
            if let failed = item.dependsOn.first(where: { (statusByID[$0.lowercased()] ?? 0) >= 400 }) {
                response = graph.error(
                    424, "FailedDependency", "The request depends on request '\(failed)', which failed.")
            } else {
                response = await answer(item)
            }
            statusByID[item.id.lowercased()] = response.status
            cloud.batchItemCounters.record(
                route: LocalCloud.routeTemplate(for: inner(item)), status: response.status)
            answers.append(Self.entry(id: item.id, response))
        }
        return .json(200, .object([("responses", .array(answers.reversed()))]))
    }

    private var cloud: LocalCloud { graph.cloud }

    private func parse() -> Result<[Item], CloudResponse> {
        func invalid(_ message: String) -> Result<[Item], CloudResponse> {
            .failure(graph.error(400, "BadRequest", message))
        }
        guard let json = try? JSONParser.parse(context.request.body), let requests = json["requests"]?.arrayValue else {
            return invalid("Invalid batch payload format.")
        }
        guard requests.count <= Self.limit else {
            return invalid("Number of requests in the batch exceeds the limit of \(Self.limit).")
        }
        var items: [Item] = []
        var ids: Set<String> = []
        for request in requests {
            guard let id = request["id"]?.stringValue, !id.isEmpty, let method = request["method"]?.stringValue,
                let url = request["url"]?.stringValue, !url.isEmpty
            else {
                return invalid("Each batch request needs an id, a method and a url.")
            }
            guard ids.insert(id.lowercased()).inserted else { return invalid("Batch request id '\(id)' is repeated.") }
            var headers: [String: String] = [:]
            for (name, value) in request["headers"]?.objectValue ?? [] {
                if let text = value.stringValue { headers[name.lowercased()] = text }
            }
            var body: [UInt8] = []
            if let value = request["body"], value != .null {
                guard headers["content-type"] != nil else {
                    return invalid("Batch request '\(id)' has a body but no Content-Type header.")
                }
                body = Array(value.compact().utf8)
            }
            let dependsOn = request["dependsOn"]?.arrayValue?.compactMap(\.stringValue) ?? []
            // A request may depend only on requests before it in the batch.
            for dependency in dependsOn
            where !ids.contains(dependency.lowercased()) || dependency.lowercased() == id.lowercased() {
                return invalid("Batch request '\(id)' depends on '\(dependency)', which is not an earlier request.")
            }
            items.append(
                Item(id: id, method: method.uppercased(), url: url, headers: headers, body: body, dependsOn: dependsOn))
        }
        return .success(items)
    }

    /// The item as a request of its own: its URL under `/graph/v1.0`, the envelope's credentials.
    private func inner(_ item: Item) -> CloudRequest {
        var headers = item.headers
        for name in ["authorization", "host", "user-agent"] {
            if let value = context.request.header(name) { headers[name] = value }
        }
        return CloudRequest(
            method: item.method, target: "/graph/v1.0" + (item.url.hasPrefix("/") ? "" : "/") + item.url,
            headers: headers, body: item.body)
    }

    private func answer(_ item: Item) async -> CloudResponse {
        let request = inner(item)
        let path = Array(request.segments.dropFirst(2))  // after "graph/v1.0"
        if path.first?.lowercased() == "$batch" {
            return graph.error(400, "BadRequest", "A batch cannot contain another batch.")
        }
        // Faults apply to each item on its own (`route=` selects which); latency is the envelope's.
        if let fault = cloud.faults?.decide(for: request) {
            switch fault.kind {
            case .none, .reset: break
            case .throttle:
                return graph.error(
                    429, "TooManyRequests", "Too many requests. Please retry after the time in the Retry-After header."
                ).adding("Retry-After", "1")
            case .serverError:
                return graph.error(500, "generalException", "An unexpected error occurred.")
            case .unavailable:
                return graph.error(503, "serviceNotAvailable", "The service is temporarily unavailable.")
                    .adding("Retry-After", "1")
            }
        }
        let itemContext = RequestContext(request: request, now: context.now, requestID: SecureRandom.uuid())
        // The state as of this item: an earlier item of the batch may have changed it.
        let state = await cloud.store.state
        var response = await GraphRoutes(cloud: cloud, context: itemContext).route(path, caller: caller, state: state)
        response.headers.append(("request-id", itemContext.requestID))
        return response
    }

    /// One entry of `responses`: status, headers, and the body as JSON (absent when empty).
    private static func entry(id: String, _ response: CloudResponse) -> JSONValue {
        var pairs: [(String, JSONValue)] = [
            ("id", .string(id)), ("status", .number(Double(response.status))),
            ("headers", .object(response.headers.map { ($0.0, .string($0.1)) })),
        ]
        if !response.body.isEmpty {
            pairs.append(("body", response.json ?? .string(String(decoding: response.body, as: UTF8.self))))
        }
        return .object(pairs)
    }
}
