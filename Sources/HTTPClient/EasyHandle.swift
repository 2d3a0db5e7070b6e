internal import CCurl
import Foundation

/// One libcurl easy handle. Reused across requests (`curl_easy_reset` keeps its connection cache),
/// used by one request at a time.
final class EasyHandle: @unchecked Sendable {
    // Only touched by the one request that holds it.
    private let handle: UnsafeMutableRawPointer
    /// New connections the last transfer opened.
    private(set) var lastConnections = 0

    init?() {
        guard let handle = curl_easy_init() else { return nil }
        self.handle = handle
    }

    deinit { curl_easy_cleanup(handle) }

    /// Everything the callbacks fill in during one transfer.
    final class Transfer {
        var body: [UInt8] = []
        var headers: [(String, String)] = []
        let cancelled: CancellationFlag
        /// The most body bytes kept; past it the write callback stops the transfer.
        let limit: Int
        var overLimit = false
        init(cancelled: CancellationFlag, limit: Int) {
            self.cancelled = cancelled
            self.limit = limit
        }
    }

    func perform(
        _ request: HTTPRequest, target: String, configuration: CurlTransportConfiguration, caStore: CAStore?,
        cancelled: CancellationFlag
    ) -> Result<HTTPResponse, TransportError> {
        curl_easy_reset(handle)
        lastConnections = 0
        // libcurl parses the URL once, here; the checks read that parse and the transfer uses it
        // (CURLOPT_CURLU), so what is checked is what is connected to.
        guard let url = curl_url() else { return .failure(TransportError(.other, "curl_url failed", target: target)) }
        defer { curl_url_cleanup(url) }
        guard curl_url_set(url, CURLUPART_URL, request.url, 0) == CURLUE_OK, let parsed = RequestURL(handle: url) else {
            return .failure(TransportError(.refused, "libcurl cannot parse the URL", target: target))
        }
        if let refusal = parsed.refusal { return .failure(TransportError(.refused, refusal, target: target)) }
        let transfer = Transfer(cancelled: cancelled, limit: configuration.maxResponseBytes)
        let context = Unmanaged.passRetained(transfer)
        defer { context.release() }
        var errorBuffer = [CChar](repeating: 0, count: Int(CURL_ERROR_SIZE) + 1)
        var headerList: UnsafeMutablePointer<curl_slist>?
        for (name, value) in request.headers { headerList = curl_slist_append(headerList, "\(name): \(value)") }
        headerList = curl_slist_append(headerList, "Expect:")  // no 100-continue round trip
        defer { curl_slist_free_all(headerList) }

        let code: CURLcode = errorBuffer.withUnsafeMutableBufferPointer { errors in
            _ = CCurl_setopt_curlu(handle, url)
            _ = CCurl_setopt_long(handle, CURLOPT_DISALLOW_USERNAME_IN_URL, 1)
            _ = CCurl_setopt_long(handle, CURLOPT_NOSIGNAL, 1)
            _ = CCurl_setopt_string(handle, CURLOPT_PROTOCOLS_STR, "http,https")
            _ = CCurl_setopt_long(handle, CURLOPT_SSL_VERIFYPEER, 1)
            _ = CCurl_setopt_long(handle, CURLOPT_SSL_VERIFYHOST, 2)
            _ = CCurl_setopt_long(handle, CURLOPT_HTTP_VERSION, CURL_HTTP_VERSION_2TLS)
            _ = CCurl_setopt_long(handle, CURLOPT_CONNECTTIMEOUT_MS, Int(configuration.connectTimeout * 1000))
            _ = CCurl_setopt_long(handle, CURLOPT_TIMEOUT_MS, Int(configuration.totalTimeout * 1000))
            _ = CCurl_setopt_string(handle, CURLOPT_USERAGENT, configuration.userAgent)
            if parsed.isLoopback {
                // "" turns proxies off, the environment's included: loopback traffic (plain
                // http with a client secret, say) must not leave the machine through a proxy.
                _ = CCurl_setopt_string(handle, CURLOPT_PROXY, "")
            } else if let proxy = configuration.proxy {
                _ = CCurl_setopt_string(handle, CURLOPT_PROXY, proxy)
            }
            _ = CCurl_setopt_string(handle, CURLOPT_ACCEPT_ENCODING, "")
            _ = CCurl_setopt_pointer(handle, CURLOPT_ERRORBUFFER, errors.baseAddress)
            _ = CCurl_setopt_slist(handle, CURLOPT_HTTPHEADER, headerList)
            if let caStore { _ = CCurl_setopt_ca_store(handle, caStore.pointer) }
            switch request.method {
            case "GET": _ = CCurl_setopt_long(handle, CURLOPT_HTTPGET, 1)
            case "HEAD": _ = CCurl_setopt_long(handle, CURLOPT_NOBODY, 1)
            default: _ = CCurl_setopt_string(handle, CURLOPT_CUSTOMREQUEST, request.method)
            }
            if request.method != "GET", request.method != "HEAD" {
                _ = CCurl_setopt_long(handle, CURLOPT_POSTFIELDSIZE, request.body.count)
                request.body.withUnsafeBytes { bytes in
                    _ = CCurl_setopt_pointer(
                        handle, CURLOPT_COPYPOSTFIELDS,
                        UnsafeMutableRawPointer(mutating: bytes.baseAddress ?? UnsafeRawPointer(bitPattern: 1)!))
                }
            }
            _ = CCurl_setopt_write_function(handle, CURLOPT_WRITEFUNCTION) { data, size, count, context in
                let transfer = Unmanaged<Transfer>.fromOpaque(context!).takeUnretainedValue()
                let length = size * count
                guard transfer.body.count + length <= transfer.limit else {
                    transfer.overLimit = true
                    return 0  // fewer bytes than given: libcurl ends the transfer (CURLE_WRITE_ERROR)
                }
                if let data { transfer.body.append(contentsOf: UnsafeRawBufferPointer(start: data, count: length)) }
                return length
            }
            _ = CCurl_setopt_pointer(handle, CURLOPT_WRITEDATA, context.toOpaque())
            _ = CCurl_setopt_write_function(handle, CURLOPT_HEADERFUNCTION) { data, size, count, context in
                let transfer = Unmanaged<Transfer>.fromOpaque(context!).takeUnretainedValue()
                let length = size * count
                guard let data else { return length }
                let line = String(decoding: UnsafeRawBufferPointer(start: data, count: length), as: UTF8.self)
                    .trimmingCharacters(in: .whitespacesAndNewlines)
                if line.hasPrefix("HTTP/") {
                    transfer.headers = []  // a new response (after 100 Continue or a redirect)
                } else if let colon = line.firstIndex(of: ":") {
                    transfer.headers.append(
                        (
                            String(line[..<colon]),
                            line[line.index(after: colon)...].trimmingCharacters(in: .whitespaces)
                        ))
                }
                return length
            }
            _ = CCurl_setopt_pointer(handle, CURLOPT_HEADERDATA, context.toOpaque())
            _ = CCurl_setopt_long(handle, CURLOPT_NOPROGRESS, 0)
            _ = CCurl_setopt_xferinfo_function(handle) { context, _, _, _, _ in
                Unmanaged<Transfer>.fromOpaque(context!).takeUnretainedValue().cancelled.isSet ? 1 : 0
            }
            _ = CCurl_setopt_pointer(handle, CURLOPT_XFERINFODATA, context.toOpaque())
            let code = curl_easy_perform(handle)
            _ = CCurl_setopt_curlu(handle, nil)  // `url` is freed when perform returns
            return code
        }
        var connections = 0
        _ = CCurl_getinfo_long(handle, CURLINFO_NUM_CONNECTS, &connections)
        lastConnections = connections
        if transfer.overLimit {
            return .failure(
                TransportError(
                    .refused,
                    "the response is larger than \(configuration.maxResponseBytes) bytes, the most amlauth reads; it was not read further",
                    target: target))
        }
        guard code == CURLE_OK else {
            let detail = String(decoding: errorBuffer.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
            let message = detail.isEmpty ? String(cString: curl_easy_strerror(code)) : detail
            return .failure(TransportError(Self.kind(of: code), message, target: target))
        }
        var status = 0
        _ = CCurl_getinfo_long(handle, CURLINFO_RESPONSE_CODE, &status)
        var version = 0
        _ = CCurl_getinfo_long(handle, CURLINFO_HTTP_VERSION, &version)
        let httpVersion = version == CURL_HTTP_VERSION_2_0 ? "2" : version == CURL_HTTP_VERSION_3 ? "3" : "1.1"
        return .success(
            HTTPResponse(status: status, headers: transfer.headers, body: transfer.body, httpVersion: httpVersion))
    }

    static func kind(of code: CURLcode) -> TransportError.Kind {
        switch code {
        case CURLE_COULDNT_CONNECT, CURLE_COULDNT_RESOLVE_HOST, CURLE_COULDNT_RESOLVE_PROXY, CURLE_SEND_ERROR,
            CURLE_RECV_ERROR,
            CURLE_GOT_NOTHING, CURLE_PARTIAL_FILE, CURLE_HTTP2, CURLE_HTTP2_STREAM:
            return .connection
        case CURLE_OPERATION_TIMEDOUT:
            return .timeout
        case CURLE_PEER_FAILED_VERIFICATION, CURLE_SSL_CONNECT_ERROR, CURLE_SSL_CACERT_BADFILE, CURLE_SSL_CERTPROBLEM:
            return .tls
        case CURLE_ABORTED_BY_CALLBACK:
            return .cancelled
        case CURLE_UNSUPPORTED_PROTOCOL, CURLE_URL_MALFORMAT:
            return .refused
        default:
            return .other
        }
    }
}
