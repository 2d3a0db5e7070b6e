import AuthCrypto
import Synchronization
import WireFormat

/// The shape of every request the cloud answered, for request-shape parity tests: an official SDK
/// and amlauth perform the same operation, and a test compares what each sent. Only shapes are
/// kept, never values: method, the host (a storage account's blob host, or the cloud's own
/// address), path, api-version, the names of the query parameters, the key
/// paths of a JSON or form body (`properties.principalId`; JSON-patch bodies as `replace /authEnabled`),
/// the token's audience and the client (the first word of its User-Agent). Bounded, oldest first out.
public final class RequestLog: Sendable {
    /// One request's shape.
    public struct Entry: Sendable {
        public var method: String
        /// The Host header without its port: `127.0.0.1`, or `{account}.blob.localhost`.
        public var host: String
        public var path: String
        public var apiVersion: String?
        public var queryNames: [String]
        public var bodyShape: [String]
        public var audience: String?
        public var client: String
    }

    private let entries = Mutex<[Entry]>([])
    private let capacity = 10_000

    func record(_ request: CloudRequest) {
        let entry = Entry(
            method: request.method,
            host: request.header("host").map { String($0.split(separator: ":").first ?? "") } ?? "",
            path: request.path, apiVersion: request.query("api-version"),
            queryNames: request.query.map(\.0).filter { $0.lowercased() != "api-version" }.sorted(),
            bodyShape: Self.shape(of: request), audience: Self.audience(of: request),
            client: request.header("user-agent").map { String($0.split(separator: " ").first ?? "") } ?? "")
        entries.withLock {
            if $0.count == capacity { $0.removeFirst(capacity / 10) }
            $0.append(entry)
        }
    }

    public func reset() { entries.withLock { $0 = [] } }

    public var all: [Entry] { entries.withLock { $0 } }

    func snapshot() -> JSONValue {
        .object([
            (
                "requests",
                .array(
                    all.map { entry in
                        .object([
                            ("method", .string(entry.method)), ("host", .string(entry.host)),
                            ("path", .string(entry.path)),
                            ("apiVersion", entry.apiVersion.map(JSONValue.string) ?? .null),
                            ("query", .array(entry.queryNames.map(JSONValue.string))),
                            ("body", .array(entry.bodyShape.map(JSONValue.string))),
                            ("audience", entry.audience.map(JSONValue.string) ?? .null),
                            ("client", .string(entry.client)),
                        ])
                    })
            )
        ])
    }

    /// The audience of the bearer token, read without verifying it (the routes verify).
    private static func audience(of request: CloudRequest) -> String? {
        guard let header = request.header("authorization"), header.lowercased().hasPrefix("bearer ") else {
            return nil
        }
        return JWT(parsing: String(header.dropFirst(7)))?.audiences.first
    }

    private static func shape(of request: CloudRequest) -> [String] {
        guard !request.body.isEmpty else { return [] }
        let contentType = request.header("content-type")?.lowercased() ?? ""
        if contentType.hasPrefix("application/x-www-form-urlencoded") {
            let text = String(decoding: request.body, as: UTF8.self)
            return FormEncoding.decode(text, plusIsSpace: true).map(\.0).sorted()
        }
        guard let json = try? JSONParser.parse(request.body) else { return ["<not json>"] }
        var paths: Set<String> = []
        if case .array(let items) = json, items.allSatisfy({ $0["op"]?.stringValue != nil }) {
            // JSON patch: which operations on which paths is the shape.
            return items.map { "\($0["op"]?.stringValue ?? "") \($0["path"]?.stringValue ?? "")" }
        }
        collect(json, prefix: "", into: &paths)
        return paths.sorted()
    }

    private static func collect(_ value: JSONValue, prefix: String, into paths: inout Set<String>) {
        switch value {
        case .object(let pairs):
            if pairs.isEmpty, !prefix.isEmpty { paths.insert(prefix) }
            for (key, child) in pairs {
                collect(child, prefix: prefix.isEmpty ? key : prefix + "." + key, into: &paths)
            }
        case .array(let items):
            if items.isEmpty { paths.insert(prefix + "[]") }
            for item in items { collect(item, prefix: prefix + "[]", into: &paths) }
        case .null, .bool, .number, .string:
            paths.insert(prefix)
        }
    }
}
