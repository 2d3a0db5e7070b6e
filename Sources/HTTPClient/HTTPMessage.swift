/// An HTTP request as amlauth's clients build it. Headers keep their order and case.
public struct HTTPRequest: Sendable {
    public var method: String
    public var url: String
    public var headers: [(String, String)]
    public var body: [UInt8]

    public init(method: String, url: String, headers: [(String, String)] = [], body: [UInt8] = []) {
        self.method = method
        self.url = url
        self.headers = headers
        self.body = body
    }

    public func header(_ name: String) -> String? {
        headers.first { $0.0.lowercased() == name.lowercased() }?.1
    }
}

/// An HTTP response: status, headers in order, body.
public struct HTTPResponse: Sendable {
    public var status: Int
    public var headers: [(String, String)]
    public var body: [UInt8]
    /// The HTTP version that carried it ("1.1", "2").
    public var httpVersion: String

    public init(status: Int, headers: [(String, String)] = [], body: [UInt8] = [], httpVersion: String = "1.1") {
        self.status = status
        self.headers = headers
        self.body = body
        self.httpVersion = httpVersion
    }

    public func header(_ name: String) -> String? {
        headers.last { $0.0.lowercased() == name.lowercased() }?.1
    }

    public var text: String { String(decoding: body, as: UTF8.self) }
}

/// Sends HTTP requests. The core never sees an implementation; tests and the CLI choose one.
public protocol HTTPTransport: Sendable {
    func send(_ request: HTTPRequest) async throws(TransportError) -> HTTPResponse
}

/// Why a request got no HTTP response at all.
public struct TransportError: Error, Sendable, CustomStringConvertible {
    public enum Kind: Sendable, Equatable {
        /// Could not connect, or the connection broke (retryable).
        case connection
        /// Connect or total timeout (retryable).
        case timeout
        /// The server's certificate was not trusted, or TLS failed (terminal).
        case tls
        /// Plain http to a host other than loopback, a malformed URL, or a response body larger
        /// than `maxResponseBytes` (terminal).
        case refused
        /// The caller's task was cancelled.
        case cancelled
        case other
    }

    public var kind: Kind
    public var message: String
    /// The request's method and URL (without query), for the message.
    public var target: String

    public init(_ kind: Kind, _ message: String, target: String) {
        self.kind = kind
        self.message = message
        self.target = target
    }

    public var isRetryable: Bool { kind == .connection || kind == .timeout }

    public var description: String { "\(target): \(message)" }
}
