import AMLAuthCore
import AuthCrypto
import Foundation
public import HTTPClient
public import WireFormat

/// The one path every Azure call takes: client-side rate limit (ARM's buckets for ARM, `ARMPacer`),
/// bearer token for the API's audience (cached, refreshed), request ids, the retry policy, error
/// decoding and the verbose log.
public struct AzurePipeline: Sendable {
    public var transport: any HTTPTransport
    public var tokens: TokenCache?
    public var runtime: Runtime
    public var retry: RetryPolicy
    /// Requests in a subscription on ARM wait for ARM's own buckets here, and skip `limiter`.
    public var pacer: ARMPacer?
    public var limiter: RateLimiter?
    /// Receives one line per attempt when `--verbose` is on. Lines never hold headers or bodies.
    public var log: (@Sendable (String) -> Void)?
    /// Where a token may go: every request that carries one (each `nextLink` page included) is
    /// checked against it before the token is even fetched.
    public var tokenHosts: TokenHostPolicy

    /// `tokenHosts` defaults to the hosts of the cloud `tokens` gets its tokens from.
    public init(
        transport: any HTTPTransport, tokens: TokenCache?, runtime: Runtime = .system,
        retry: RetryPolicy = RetryPolicy(),
        limiter: RateLimiter? = nil, pacer: ARMPacer? = nil, log: (@Sendable (String) -> Void)? = nil,
        tokenHosts: TokenHostPolicy? = nil
    ) {
        self.transport = transport
        self.tokens = tokens
        self.runtime = runtime
        self.retry = retry
        self.limiter = limiter
        self.pacer = pacer
        self.log = log
        self.tokenHosts =
            tokenHosts ?? tokens.map { TokenHostPolicy(cloud: $0.client.cloud) }
            ?? TokenHostPolicy(cloudName: "(none)", origins: [], hostSuffixes: [])
    }

    /// A call to make.
    public struct Request: Sendable {
        public var method: String
        public var url: String
        public var service: AzureError.Service
        /// The token audience (e.g. `https://management.azure.com/`); nil sends no Authorization.
        public var audience: String?
        public var headers: [(String, String)] = []
        public var body: [UInt8] = []
        /// Safe to repeat after a broken connection or a 5xx. Defaults to false for POST only:
        /// every PATCH amlauth sends sets values (Graph properties, JSON-patch `replace`), so
        /// sending it twice leaves what sending it once does.
        public var idempotent: Bool
        /// Only reads: retried within `RetryPolicy.maxReadWait` rather than `maxAttempts`.
        /// Defaults to true for GET.
        public var read: Bool
        /// Statuses returned to the caller instead of thrown (e.g. 404 for "does it exist?").
        public var accept: Set<Int> = []

        public init(
            _ method: String, _ url: String, service: AzureError.Service, audience: String?, json: JSONValue? = nil,
            accept: Set<Int> = []
        ) {
            self.method = method
            self.url = url
            self.service = service
            self.audience = audience
            self.accept = accept
            idempotent = method != "POST"
            read = method == "GET"
            if let json {
                body = Array(json.compact().utf8)
                headers.append(("Content-Type", "application/json"))
            }
        }
    }

    public func send(_ request: Request) async throws(AzureError) -> HTTPResponse {
        let target = "\(request.method) \(Self.withoutQuery(request.url))"
        if request.audience != nil, let refusal = tokenHosts.refusal(for: request.url) {
            throw AzureError(
                service: request.service, status: nil, code: "UntrustedHost", message: refusal, target: target)
        }
        var attempt = 0
        var waited = 0.0
        var connectionFailures = 0
        var refreshedToken = false
        let subscription = request.service == .resourceManager ? ARMPacer.subscription(of: request.url) : nil
        while true {
            attempt += 1
            if pacer == nil || subscription == nil, let limiter, let principal = await tokens?.principalKey {
                do {
                    try await limiter.acquire(request.method == "GET" ? .read : .write, principal: principal)
                } catch {
                    throw AzureError(
                        service: request.service, status: nil, code: "Cancelled", message: "cancelled", target: target)
                }
            }
            var headers =
                request.headers + [("Accept", "application/json"), ("x-ms-client-request-id", SecureRandom.uuid())]
            if let audience = request.audience {
                guard let tokens else {
                    throw AzureError(
                        service: .credential, status: nil, code: "NoCredential", message: "no credential is configured",
                        target: target)
                }
                headers.append(("Authorization", "Bearer \(try await tokens.token(audience: audience))"))
            }
            var permit: ARMPacer.Permit?
            if let pacer, let subscription, let principal = await tokens?.principalKey {
                do {
                    permit = try await pacer.acquire(
                        method: request.method, subscription: subscription, principal: principal)
                } catch {
                    throw AzureError(
                        service: request.service, status: nil, code: "Cancelled", message: "cancelled", target: target)
                }
            }
            let started = runtime.now()
            let outcome: Result<HTTPResponse, TransportError>
            do {
                outcome = .success(
                    try await transport.send(
                        HTTPRequest(method: request.method, url: request.url, headers: headers, body: request.body)))
            } catch {
                outcome = .failure(error)
            }
            if let pacer, let permit {
                switch outcome {
                case .success(let response):
                    await pacer.settle(permit, status: response.status) { response.header($0) }
                case .failure: await pacer.settle(permit, status: nil) { _ in nil }
                }
            }
            let elapsed = Int(((runtime.now() - started) * 1000).rounded())
            switch outcome {
            case .failure(let error):
                log?(
                    "\(request.method) \(Self.redacted(request.url)) → \(error.kind) in \(elapsed) ms (attempt \(attempt))"
                )
                if error.kind == .cancelled { throw AzureError.from(error, service: request.service) }
                connectionFailures += 1
                guard
                    let delay = retry.delay(
                        after: .transport(retryable: error.isRetryable, failures: connectionFailures), attempt: attempt,
                        idempotent: request.idempotent, read: request.read, waited: waited, random: runtime.random)
                else {
                    var failure = AzureError.from(error, service: request.service)
                    failure.attempts = attempt
                    throw failure
                }
                try await wait(delay, &waited, target: target, service: request.service)
            case .success(let response):
                // The service answered: the connection failures so far were passing ones.
                connectionFailures = 0
                let requestID = response.header("x-ms-request-id") ?? response.header("request-id") ?? "-"
                log?(
                    "\(request.method) \(Self.redacted(request.url)) → \(response.status) in \(elapsed) ms (request id \(requestID), attempt \(attempt))"
                )
                if response.status < 400 || request.accept.contains(response.status) { return response }
                var failure = AzureError.from(response, service: request.service, target: target)
                failure.attempts = attempt
                // An access token that expired in flight: fetch a new one, once.
                if response.status == 401,
                    failure.code == "ExpiredAuthenticationToken" || failure.code == "InvalidAuthenticationToken",
                    let audience = request.audience, !refreshedToken
                {
                    refreshedToken = true
                    await tokens?.invalidate(audience: audience)
                    attempt -= 1
                    continue
                }
                let retryAfter = RetryPolicy.retryAfter({ response.header($0) }, now: runtime.now())
                guard
                    let delay = retry.delay(
                        after: .status(response.status, retryAfter: retryAfter), attempt: attempt,
                        idempotent: request.idempotent, read: request.read, waited: waited, random: runtime.random)
                else {
                    throw failure
                }
                try await wait(delay, &waited, target: target, service: request.service)
            }
        }
    }

    private func wait(_ delay: Double, _ waited: inout Double, target: String, service: AzureError.Service)
        async throws(AzureError)
    {
        log?("  retrying in \(String(format: "%.2f", delay)) s")
        do {
            try await runtime.sleep(delay)
        } catch {
            throw AzureError(
                service: service, status: nil, code: "Cancelled", message: "cancelled while waiting to retry",
                target: target)
        }
        waited += delay
    }

    static func withoutQuery(_ url: String) -> String { String(url.split(separator: "?", maxSplits: 1).first ?? "") }

    /// The URL for the log: query parameters that could carry credentials are masked.
    static func redacted(_ url: String) -> String {
        let parts = url.split(separator: "?", maxSplits: 1)
        guard parts.count == 2 else { return url }
        let sensitive: Set<String> = [
            "sig", "code", "client_secret", "token", "access_token", "key", "password", "client_assertion",
        ]
        let query = parts[1].split(separator: "&").map { pair -> String in
            let name = pair.split(separator: "=", maxSplits: 1).first.map(String.init) ?? ""
            return sensitive.contains(name.lowercased()) ? "\(name)=REDACTED" : String(pair)
        }
        return parts[0] + "?" + query.joined(separator: "&")
    }

    // MARK: JSON helpers

    public func json(_ request: Request) async throws(AzureError) -> JSONValue {
        let response = try await send(request)
        guard let value = try? JSONParser.parse(response.body) else {
            throw AzureError(
                service: request.service, status: response.status, code: "InvalidResponse",
                message: "the response is not JSON", target: "\(request.method) \(Self.withoutQuery(request.url))")
        }
        return value
    }

    /// Follows `nextLink` (ARM, MMS) or `@odata.nextLink` (Graph) until the last page. Each page
    /// goes through `send`, so a link to a host outside `tokenHosts` fails there, naming it.
    public func listAll(_ request: Request) async throws(AzureError) -> [JSONValue] {
        var items: [JSONValue] = []
        var next: Request? = request
        while let page = next {
            let value = try await json(page)
            items += value["value"]?.arrayValue ?? []
            if let link = value["nextLink"]?.stringValue ?? value["@odata.nextLink"]?.stringValue, !link.isEmpty {
                var following = page
                following.url = link
                next = following
            } else {
                next = nil
            }
        }
        return items
    }
}
