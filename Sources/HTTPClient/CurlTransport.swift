internal import CCurl
import Foundation
import Synchronization

/// How the libcurl transport connects.
public struct CurlTransportConfiguration: Sendable {
    /// PEM files of extra trusted CAs, all added on top of the system store (the cloud file's CA,
    /// `--ca-bundle`, `AMLAUTH_CA_BUNDLE`). TLS verification is always on.
    public var extraCABundles: [String]
    public var connectTimeout: Double = 10
    public var totalTimeout: Double = 120
    /// Transfers in flight at once; further requests wait. Bounds open connections, so a burst of
    /// requests to one host reuses a few connections instead of opening one each.
    public var maxConcurrentTransfers = 8
    public var userAgent = "amlauth/0.1"
    /// The proxy for requests that leave the machine (`CURLOPT_PROXY`, e.g.
    /// `http://proxy.example:3128`), in place of the ones libcurl reads from `https_proxy` and
    /// `all_proxy`; nil reads the environment. Loopback requests never use a proxy.
    public var proxy: String?

    /// One extra CA file, or none.
    public init(extraCABundle: String? = nil) {
        extraCABundles = extraCABundle.map { [$0] } ?? []
    }

    /// Several extra CA files, each trusted.
    public init(extraCABundles: [String]) {
        self.extraCABundles = extraCABundles
    }
}

/// HTTP over libcurl: TLS always verified, HTTP/2 when the server offers it, connections reused
/// across requests (each pooled easy handle keeps its connection cache), plain http only to a
/// loopback IP literal and never with userinfo, proxies from the usual environment variables
/// except for loopback (which never goes through a proxy), cancellation that aborts the transfer.
public final class CurlTransport: HTTPTransport {
    public let configuration: CurlTransportConfiguration
    private let trustedCAs: [UInt8]?
    private let idle = Mutex<[EasyHandle]>([])
    private let opened = Atomic<Int>(0)
    private let limiter: AsyncLimiter

    private static let globalInit: Void = { _ = curl_global_init(Int(CURL_GLOBAL_DEFAULT)) }()

    public init(configuration: CurlTransportConfiguration = CurlTransportConfiguration()) throws(TransportError) {
        _ = Self.globalInit
        self.configuration = configuration
        limiter = AsyncLimiter(limit: max(1, configuration.maxConcurrentTransfers))
        if configuration.extraCABundles.isEmpty {
            trustedCAs = nil
        } else {
            // libcurl takes one CA blob: the system store and every extra file, concatenated.
            let system = Self.systemCABundle().flatMap { FileManager.default.contents(atPath: $0) } ?? Data()
            var blob = [UInt8](system)
            for path in configuration.extraCABundles {
                guard let extra = FileManager.default.contents(atPath: path),
                    String(decoding: extra, as: UTF8.self).contains("-----BEGIN CERTIFICATE-----")
                else {
                    throw TransportError(.tls, "cannot read a PEM CA bundle from '\(path)'", target: "CA bundle")
                }
                blob += Array("\n".utf8) + [UInt8](extra)
            }
            trustedCAs = blob
        }
    }

    /// Connections this transport has opened so far (new TCP+TLS connections, not requests).
    public var connectionsOpened: Int { opened.load(ordering: .relaxed) }

    /// The CA file libcurl was built to use.
    private static func systemCABundle() -> String? {
        guard let handle = curl_easy_init() else { return nil }
        defer { curl_easy_cleanup(handle) }
        var path: UnsafeMutablePointer<CChar>?
        guard CCurl_getinfo_string(handle, CURLINFO_CAINFO, &path) == CURLE_OK, let path else {
            return "/etc/ssl/certs/ca-certificates.crt"
        }
        return String(cString: path)
    }

    public func send(_ request: HTTPRequest) async throws(TransportError) -> HTTPResponse {
        let target = "\(request.method) \(request.url.split(separator: "?").first.map(String.init) ?? request.url)"
        if let refusal = Self.refusal(for: request.url) { throw TransportError(.refused, refusal, target: target) }
        await limiter.acquire()
        defer { limiter.release() }
        if Task.isCancelled { throw TransportError(.cancelled, "cancelled before sending", target: target) }
        let handle = idle.withLock { $0.popLast() } ?? EasyHandle()
        guard let handle else { throw TransportError(.other, "curl_easy_init failed", target: target) }
        let cancelled = CancellationFlag()
        let result: Result<HTTPResponse, TransportError> = await withTaskCancellationHandler {
            await withCheckedContinuation { continuation in
                DispatchQueue.global().async {
                    continuation.resume(
                        returning: handle.perform(
                            request, target: target, configuration: self.configuration, trustedCAs: self.trustedCAs,
                            cancelled: cancelled))
                }
            }
        } onCancel: {
            cancelled.set()
        }
        opened.add(handle.lastConnections, ordering: .relaxed)
        idle.withLock { $0.append(handle) }
        return try result.get()
    }

    /// Why the transport refuses to send a request to `url`, or nil. libcurl parses the URL (as it
    /// will for the transfer) and `RequestURL.refusal` decides: only http and https, no user name
    /// or password in the URL, and plain http only to a loopback IP literal (127.0.0.0/8, `[::1]`).
    public static func refusal(for url: String) -> String? {
        guard let parsed = RequestURL(url) else { return "libcurl cannot parse the URL" }
        return parsed.refusal
    }
}

/// Set from another task to abort a transfer in flight.
final class CancellationFlag: Sendable {
    private let value = Atomic<Bool>(false)
    func set() { value.store(true, ordering: .relaxed) }
    var isSet: Bool { value.load(ordering: .relaxed) }
}

/// A counting semaphore for async code: at most `limit` holders; the rest wait in order.
final class AsyncLimiter: Sendable {
    private struct State {
        var available: Int
        var waiters: [CheckedContinuation<Void, Never>] = []
    }

    private let state: Mutex<State>

    init(limit: Int) { state = Mutex(State(available: limit)) }

    func acquire() async {
        await withCheckedContinuation { (continuation: CheckedContinuation<Void, Never>) in
            let granted = state.withLock { state -> Bool in
                if state.available > 0 {
                    state.available -= 1
                    return true
                }
                state.waiters.append(continuation)
                return false
            }
            if granted { continuation.resume() }
        }
    }

    func release() {
        let next = state.withLock { state -> CheckedContinuation<Void, Never>? in
            if state.waiters.isEmpty {
                state.available += 1
                return nil
            }
            return state.waiters.removeFirst()
        }
        next?.resume()
    }
}
