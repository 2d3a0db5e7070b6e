internal import CCurl
import Foundation

/// A URL as libcurl itself reads it, through its `curl_url` parser: scheme, host, port and whether
/// it carries userinfo. Checks on where a request goes must look at these parts and not at the
/// text: `http://127.0.0.1@example.com/` starts like a loopback URL, but its host is
/// `example.com` (`127.0.0.1` is the user name).
public struct RequestURL: Sendable, Equatable {
    /// The scheme, lowercased (`http`, `https`, or anything else libcurl can parse).
    public var scheme: String
    /// The host, lowercased; an IPv6 literal without its brackets (`::1`).
    public var host: String
    /// The port: the one the URL names, or the scheme's default.
    public var port: Int
    /// Whether the URL has a user name, password or login options before its host. amlauth never
    /// puts credentials in URLs, so a URL that has them is refused everywhere.
    public var hasUserInfo: Bool

    /// Parses `text` with libcurl; nil when libcurl would refuse it (no scheme, spaces, a bad
    /// port, …).
    public init?(_ text: String) {
        guard let handle = curl_url() else { return nil }
        defer { curl_url_cleanup(handle) }
        guard curl_url_set(handle, CURLUPART_URL, text, 0) == CURLUE_OK else { return nil }
        self.init(handle: handle)
    }

    /// Reads the parts of a parsed libcurl URL handle.
    init?(handle: OpaquePointer) {
        func part(_ which: CURLUPart, flags: Int32 = 0) -> String? {
            var value: UnsafeMutablePointer<CChar>?
            guard curl_url_get(handle, which, &value, UInt32(flags)) == CURLUE_OK, let value else { return nil }
            defer { curl_free(value) }
            return String(cString: value)
        }
        guard let scheme = part(CURLUPART_SCHEME), let host = part(CURLUPART_HOST),
            let port = part(CURLUPART_PORT, flags: CURLU_DEFAULT_PORT).flatMap({ Int($0) })
        else { return nil }
        self.scheme = scheme.lowercased()
        let lowered = host.lowercased()
        self.host = lowered.hasPrefix("[") && lowered.hasSuffix("]") ? String(lowered.dropFirst().dropLast()) : lowered
        self.port = port
        hasUserInfo = part(CURLUPART_USER) != nil || part(CURLUPART_PASSWORD) != nil || part(CURLUPART_OPTIONS) != nil
    }

    /// `host:port`, an IPv6 literal in brackets: how messages name where a request would go.
    public var authority: String { (host.contains(":") ? "[\(host)]" : host) + ":\(port)" }

    /// `scheme://host:port`, the port always written: equal origins are equal strings.
    public var origin: String { "\(scheme)://\(authority)" }

    /// Whether the host is a loopback IP literal: an IPv4 address in 127.0.0.0/8 or `::1`. A name
    /// (`localhost` included) is never loopback here: what it resolves to is up to the resolver.
    public var isLoopback: Bool {
        var v4 = in_addr()
        if inet_pton(AF_INET, host, &v4) == 1 { return UInt32(bigEndian: v4.s_addr) >> 24 == 127 }
        var v6 = in6_addr()
        if inet_pton(AF_INET6, host, &v6) == 1 {
            return withUnsafeBytes(of: &v6) { bytes in bytes.dropLast().allSatisfy { $0 == 0 } && bytes.last == 1 }
        }
        return false
    }

    /// Why the transport refuses to send a request here, or nil: anything but http(s), userinfo,
    /// and plain http to anything but a loopback IP literal.
    public var refusal: String? {
        if hasUserInfo {
            return "a user name or password in the URL is refused (libcurl would send it and connect to '\(authority)')"
        }
        switch scheme {
        case "https":
            return nil
        case "http":
            if isLoopback { return nil }
            if host == "localhost" || host.hasSuffix(".localhost") {
                return
                    "plain http to '\(host)' is refused: write the loopback address itself (http://127.0.0.1 or http://[::1]), or use https"
            }
            return
                "plain http is refused except to a loopback address (127.0.0.0/8 or [::1]); '\(authority)' needs https"
        default:
            return "only https URLs are allowed ('\(scheme)' is not)"
        }
    }
}
