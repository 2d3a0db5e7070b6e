import AMLAuthCore
public import WireFormat

/// An HTTP response from the router.
public struct CloudResponse: Sendable {
    public var status: Int
    public var headers: [(String, String)]
    public var body: [UInt8]

    public init(status: Int, headers: [(String, String)] = [], body: [UInt8] = []) {
        self.status = status
        self.headers = headers
        self.body = body
    }

    /// A JSON response (`application/json; charset=utf-8`).
    public static func json(_ status: Int, _ value: JSONValue, headers: [(String, String)] = []) -> CloudResponse {
        CloudResponse(
            status: status, headers: [("Content-Type", "application/json; charset=utf-8")] + headers,
            body: Array(value.compact().utf8))
    }

    public static func empty(_ status: Int, headers: [(String, String)] = []) -> CloudResponse {
        CloudResponse(status: status, headers: headers)
    }

    public func header(_ name: String) -> String? {
        headers.first { $0.0.lowercased() == name.lowercased() }?.1
    }

    public var json: JSONValue? { try? JSONParser.parse(body) }

    func adding(_ name: String, _ value: String) -> CloudResponse {
        var copy = self
        copy.headers.append((name, value))
        return copy
    }
}

/// The error bodies of each Azure service, exactly as clients parse them.
enum ErrorBody {
    /// ARM and its resource providers: `{"error":{"code","message"}}`.
    static func arm(_ status: Int, _ code: String, _ message: String) -> CloudResponse {
        .json(status, .object([("error", .object([("code", .string(code)), ("message", .string(message))]))]))
    }

    /// Microsoft Graph: the OData envelope with `innerError`.
    static func graph(_ status: Int, _ code: String, _ message: String, requestID: String, date: String)
        -> CloudResponse
    {
        .json(
            status,
            .object([
                (
                    "error",
                    .object([
                        ("code", .string(code)), ("message", .string(message)),
                        (
                            "innerError",
                            .object([
                                ("date", .string(date)), ("request-id", .string(requestID)),
                                ("client-request-id", .string(requestID)),
                            ])
                        ),
                    ])
                )
            ]))
    }

    /// Entra ID token endpoints: OAuth 2.0 error plus `error_codes` and trace ids.
    static func entra(_ status: Int, _ error: String, code: Int, _ message: String, traceID: String, timestamp: String)
        -> CloudResponse
    {
        let description =
            "AADSTS\(code): \(message)\r\nTrace ID: \(traceID)\r\nCorrelation ID: \(traceID)\r\nTimestamp: \(timestamp)"
        return .json(
            status,
            .object([
                ("error", .string(error)), ("error_description", .string(description)),
                ("error_codes", .array([.number(Double(code))])),
                ("timestamp", .string(timestamp)), ("trace_id", .string(traceID)), ("correlation_id", .string(traceID)),
                ("error_uri", .string("https://login.microsoftonline.com/error?code=\(code)")),
            ]), headers: [("Cache-Control", "no-store, no-cache"), ("Pragma", "no-cache")])
    }

    /// The model-management service (Azure ML v1): ModelErrorResponse.
    static func modelManagement(_ status: Int, _ code: String, _ message: String, requestID: String) -> CloudResponse {
        .json(
            status,
            .object([
                ("code", .string(code)), ("statusCode", .number(Double(status))), ("message", .string(message)),
                ("details", .array([])), ("correlation", .object([("RequestId", .string(requestID))])),
            ]))
    }
}

/// Lets routes return early with `Result<Value, CloudResponse>`: an error response is a value.
extension CloudResponse: Error {}
