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
    /// The largest response body read; a larger one fails the request (`refused`) as soon as it
    /// passes the limit, so a misdirected or compromised endpoint cannot exhaust memory. Azure's
    /// largest answers amlauth reads (a subscription's role definitions, a workspace's services
    /// with `expand`) are a few MiB.
    public var maxResponseBytes = 64 << 20

    /// One extra CA file, or none.
    public init(extraCABundle: String? = nil) {
        extraCABundles = extraCABundle.map { [$0] } ?? []
    }

    /// Several extra CA files, each trusted.
    public init(extraCABundles: [String]) {
        self.extraCABundles = extraCABundles
    }
}

/// HTTP over libcurl: TLS always verified (against a CA store parsed once per transport), HTTP/2
/// when the server offers it, connections reused across requests (each pooled easy handle keeps
/// its connection cache), transfers run on threads of their own (as many at once as there are
/// transfer slots, whatever the core count), plain http only to a
/// loopback IP literal and never with userinfo, proxies from the usual environment variables
/// except for loopback (which never goes through a proxy), cancellation that aborts the transfer.
public final class CurlTransport: HTTPTransport {
    public let configuration: CurlTransportConfiguration
    /// The trusted CAs, parsed once: the system bundle, plus every `extraCABundles` file. Nil when the
    /// system bundle cannot be read, and then libcurl loads its default itself.
    private let caStore: CAStore?
    private let idle = Mutex<[EasyHandle]>([])
    private let opened = Atomic<Int>(0)
    private let limiter: AsyncLimiter

    private static let globalInit: Void = { _ = curl_global_init(Int(CURL_GLOBAL_DEFAULT)) }()

    public init(configuration: CurlTransportConfiguration = CurlTransportConfiguration()) throws(TransportError) {
        _ = Self.globalInit
        self.configuration = configuration
        limiter = AsyncLimiter(limit: max(1, configuration.maxConcurrentTransfers))
        // One parsed CA store for every connection: the system store and every extra file.
        let system = Self.systemCABundle().flatMap { FileManager.default.contents(atPath: $0) } ?? Data()
        var pem = [UInt8](system)
        for path in configuration.extraCABundles {
            guard let extra = FileManager.default.contents(atPath: path),
                String(decoding: extra, as: UTF8.self).contains("-----BEGIN CERTIFICATE-----")
            else {
                throw TransportError(.tls, "cannot read a PEM CA bundle from '\(path)'", target: "CA bundle")
            }
            pem += Array("\n".utf8) + [UInt8](extra)
        }
        if configuration.extraCABundles.isEmpty {
            caStore = CAStore(pem: pem)
        } else {
            guard let store = CAStore(pem: pem) else {
                throw TransportError(
                    .tls, "cannot read the CA bundles \(configuration.extraCABundles)", target: "CA bundle")
            }
            caStore = store
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
                // A thread of its own for the blocking transfer: libdispatch's queues on Linux run
                // about as many blocks as there are cores and add threads for blocked work only
                // after a delay, which made concurrent requests slower than sequential ones.
                let configuration = self.configuration
                let caStore = self.caStore
                Thread {
                    continuation.resume(
                        returning: handle.perform(
                            request, target: target, configuration: configuration, caStore: caStore,
                            cancelled: cancelled))
                }.start()
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

/// A CA store parsed once and shared by every connection of a transport (see
/// `CCurl_ca_store_new`): OpenSSL 3 spends milliseconds of CPU parsing a CA bundle, and libcurl
/// would parse it again for every new connection. OpenSSL counts the store's references, so
/// connections still open keep it alive after the transport is gone.
final class CAStore: @unchecked Sendable {
    // Immutable once built; OpenSSL locks it for concurrent use.
    let pointer: UnsafeMutableRawPointer

    init?(pem: [UInt8]) {
        guard
            let pointer = pem.withUnsafeBytes({ bytes in
                CCurl_ca_store_new(bytes.baseAddress?.assumingMemoryBound(to: CChar.self), bytes.count)
            })
        else { return nil }
        self.pointer = pointer
    }

    deinit { CCurl_ca_store_free(pointer) }
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
