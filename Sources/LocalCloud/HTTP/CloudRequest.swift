/// An HTTP request as the local cloud's router sees it: already read off the wire, path and query
/// split, header names lower-cased. The router is a pure function of this (plus the store), so
/// most tests call it directly without a socket.
public struct CloudRequest: Sendable {
    public var method: String
    /// The path without the query, percent-decoded per segment on use.
    public var path: String
    /// Query parameters in order, percent-decoded.
    public var query: [(String, String)]
    /// Header names in lower case.
    public var headers: [String: String]
    public var body: [UInt8]

    public init(method: String, target: String, headers: [String: String] = [:], body: [UInt8] = []) {
        self.method = method.uppercased()
        let parts = target.split(separator: "?", maxSplits: 1, omittingEmptySubsequences: false)
        path = String(parts.first ?? "")
        query = parts.count > 1 ? FormEncoding.decode(String(parts[1]), plusIsSpace: false) : []
        self.headers = Dictionary(
            headers.map { ($0.key.lowercased(), $0.value) }, uniquingKeysWith: { _, last in last })
        self.body = body
    }

    /// The first value of query parameter `name` (case-insensitive, as ARM treats `api-version`).
    public func query(_ name: String) -> String? {
        query.first { $0.0.lowercased() == name.lowercased() }?.1
    }

    public func header(_ name: String) -> String? { headers[name.lowercased()] }

    /// Path segments, percent-decoded, without empty ones.
    public var segments: [String] {
        path.split(separator: "/").map { FormEncoding.percentDecode(String($0), plusIsSpace: false) }
    }

    /// `application/x-www-form-urlencoded` fields of the body.
    public var form: [String: String] {
        Dictionary(
            FormEncoding.decode(String(decoding: body, as: UTF8.self), plusIsSpace: true),
            uniquingKeysWith: { first, _ in first })
    }
}

/// Percent-encoding as URLs and HTML forms use it.
public enum FormEncoding {
    public static func decode(_ text: String, plusIsSpace: Bool) -> [(String, String)] {
        text.split(separator: "&").map { pair in
            let parts = pair.split(separator: "=", maxSplits: 1, omittingEmptySubsequences: false)
            let key = percentDecode(String(parts[0]), plusIsSpace: plusIsSpace)
            let value = parts.count > 1 ? percentDecode(String(parts[1]), plusIsSpace: plusIsSpace) : ""
            return (key, value)
        }
    }

    public static func percentDecode(_ text: String, plusIsSpace: Bool) -> String {
        var bytes: [UInt8] = []
        var iterator = Array(text.utf8).makeIterator()
        while let byte = iterator.next() {
            if byte == UInt8(ascii: "%"), let high = iterator.next(), let low = iterator.next(),
                let value = UInt8(String(decoding: [high, low], as: UTF8.self), radix: 16)
            {
                bytes.append(value)
            } else if byte == UInt8(ascii: "+"), plusIsSpace {
                bytes.append(UInt8(ascii: " "))
            } else {
                bytes.append(byte)
            }
        }
        return String(decoding: bytes, as: UTF8.self)
    }

    /// Encodes everything but unreserved characters (RFC 3986).
    public static func percentEncode(_ text: String) -> String {
        var output = ""
        for byte in text.utf8 {
            if (UInt8(ascii: "A")...UInt8(ascii: "Z")).contains(byte)
                || (UInt8(ascii: "a")...UInt8(ascii: "z")).contains(byte)
                || (UInt8(ascii: "0")...UInt8(ascii: "9")).contains(byte) || "-._~".utf8.contains(byte)
            {
                output.unicodeScalars.append(Unicode.Scalar(byte))
            } else {
                let hex = String(byte, radix: 16, uppercase: true)
                output += "%" + (hex.count == 1 ? "0" + hex : hex)
            }
        }
        return output
    }
}
