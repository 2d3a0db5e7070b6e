import AMLAuthCore
public import AuthCrypto
import Foundation
import Synchronization
import WireFormat

/// Behaviour switches of a local cloud, for tests and for `local-cloud serve` flags.
public struct LocalCloudOptions: Sendable {
    /// Access-token lifetime in seconds (short values exercise clients' refresh paths).
    public var tokenLifetime: Double = 3_600
    /// Seconds a new service principal stays invisible to ARM (role assignments answer
    /// `PrincipalNotFound` meanwhile unless they name `principalType`).
    public var replicationDelay: Double = 0
    /// Items per page of ARM role-assignment lists.
    public var armPageSize = 200
    /// Items per page of Graph lists (without `$top`).
    public var graphPageSize = 100
    /// Seconds after which an ARM long-running operation nobody polls has finished anyway (polling
    /// it twice finishes it sooner).
    public var operationSeconds = 2.0
    /// Instances one online deployment may ask for; more fail while provisioning (`QuotaExceeded`).
    public var onlineInstanceQuota = 20
    /// Fault injection; nil for none.
    public var faults: FaultPlan?
    /// The clock, in seconds since 1970. Injected so expiry tests need no sleeping.
    public var now: @Sendable () -> Double = { Date().timeIntervalSince1970 }

    public init() {}
}

/// The keys a local cloud signs with: access tokens, and the stand-in CI identity provider.
public struct SigningKeys: Sendable {
    public var tokenKey: RSAPrivateKey
    public var tokenCertificate: Certificate
    public var issuerKey: RSAPrivateKey

    public init(tokenKey: RSAPrivateKey, tokenCertificate: Certificate, issuerKey: RSAPrivateKey) {
        self.tokenKey = tokenKey
        self.tokenCertificate = tokenCertificate
        self.issuerKey = issuerKey
    }

    /// Fresh keys (tests and new data directories).
    public static func generate() throws -> SigningKeys {
        let tokenKey = try RSAPrivateKey.generate()
        let certificate = try Certificate.issue(
            .init(commonName: "amlauth local cloud token signing", days: 3650, isCA: false), key: tokenKey, issuer: nil,
            issuerKey: tokenKey)
        return SigningKeys(tokenKey: tokenKey, tokenCertificate: certificate, issuerKey: try RSAPrivateKey.generate())
    }

    /// The key id in token headers and the JWKS: base64url SHA-1 thumbprint, as Entra does.
    var keyID: String { Base64URL.encode(tokenCertificate.sha1Thumbprint) }
}

/// An Azure-compatible cloud as a function from request to response: Entra ID token endpoints,
/// Microsoft Graph, ARM (authorization, workspaces), the Azure ML v1 model-management API and
/// scoring. The HTTPS server in front of it only moves bytes.
public final class LocalCloud: Sendable {
    public let store: CloudStore
    public let options: LocalCloudOptions
    let keys: SigningKeys
    public let counters = RequestCounters()
    /// The requests answered inside Graph `$batch` envelopes, per route and status (the envelope
    /// itself is one request in `counters`).
    public let batchItemCounters = RequestCounters()
    /// Requests being answered at once, and the most there have been: whether clients overlap.
    public let inFlight = InFlightGauge()
    /// The shape of each request answered, for request-shape parity with the official SDKs.
    public let requestLog = RequestLog()
    /// Device-code sign-ins in progress.
    let deviceCodes = DeviceCodes()
    let armThrottle: ARMThrottle
    let faults: FaultInjector?

    public init(store: CloudStore, keys: SigningKeys, options: LocalCloudOptions = LocalCloudOptions()) {
        self.store = store
        self.keys = keys
        self.options = options
        faults = options.faults.map(FaultInjector.init)
        armThrottle = ARMThrottle(limits: options.faults?.armThrottle)
    }

    /// Answers one request. Never throws: every failure is an HTTP error response.
    public func handle(_ request: CloudRequest) async -> CloudResponse {
        let context = RequestContext(request: request, now: options.now(), requestID: SecureRandom.uuid())
        let route = Self.routeTemplate(for: request)
        if !request.path.hasPrefix("/_local") { requestLog.record(request) }
        let fault = faults?.decide(for: request)
        inFlight.enter()
        defer { inFlight.leave() }
        if let latency = fault?.latency, latency > 0 { try? await Task.sleep(for: .seconds(latency)) }
        if let fault, let response = fault.response(context: context) {
            counters.record(route: route, status: response.status)
            return response
        }
        var response = await dispatch(context)
        response.headers.append(("x-ms-request-id", context.requestID))
        // Observing the counters must not change them.
        if !request.path.hasPrefix("/_local") { counters.record(route: route, status: response.status) }
        return response
    }

    private func dispatch(_ context: RequestContext) async -> CloudResponse {
        let segments = context.request.segments
        if let account = StorageHost.account(fromHost: context.request.header("host")) {
            return await AssetRoutes(cloud: self, context: context).blob(account: account, segments)
        }
        switch segments.first?.lowercased() {
        case nil:
            return ErrorBody.arm(404, "NotFound", "No route for '/'.")
        case "graph":
            return await GraphRoutes(cloud: self, context: context).handle(Array(segments.dropFirst()))
        case "subscriptions", "providers":
            return await ARMRoutes(cloud: self, context: context).handle(segments)
        case "rp" where segments.count > 2 && segments[1].lowercased() == "workspaces":
            // The workspace API host's pass-through to the resource provider
            // (`{api}/rp/workspaces/{ARM id}`), where azureml-core reads compute targets
            // (azureml/core/compute/compute.py, `ComputeTarget._get_rp_compute_endpoint`).
            return await ARMRoutes(cloud: self, context: context).handle(Array(segments.dropFirst(2)))
        case "modelmanagement":
            return await ModelManagementRoutes(cloud: self, context: context).handle(Array(segments.dropFirst()))
        case "artifact":
            return await AssetRoutes(cloud: self, context: context).artifacts(Array(segments.dropFirst()))
        case "environment":
            return await AssetRoutes(cloud: self, context: context).environments(Array(segments.dropFirst()))
        case "discovery":
            return WorkspaceRoutes.discovery(context: context)
        case "metadata" where segments.count == 2 && segments[1].lowercased() == "endpoints":
            return CloudMetadataRoutes.endpoints(context: context)
        case "scoring":
            return await ScoringRoutes(cloud: self, context: context).handle(Array(segments.dropFirst()))
        case "inference":
            return await OnlineScoringRoutes(cloud: self, context: context).handle(Array(segments.dropFirst()))
        case "keyvault":
            return await KeyVaultRoutes(cloud: self, context: context).handle(Array(segments.dropFirst()))
        case "oidc-issuer":
            return IssuerRoutes(cloud: self, context: context).handle(Array(segments.dropFirst()))
        case "_local":
            if segments.count == 2, segments[1].lowercased() == "devicelogin" {
                return DeviceCodeRoutes(cloud: self, context: context).admin(state: await store.state)
            }
            return localRoutes(Array(segments.dropFirst()), context: context)
        case let first? where first.hasPrefix(BlobRoutes.accountPrefix):
            return await BlobRoutes(cloud: self, context: context).handle(segments)
        default:
            return await LoginRoutes(cloud: self, context: context).handle(segments)
        }
    }

    private func localRoutes(_ segments: [String], context: RequestContext) -> CloudResponse {
        switch (context.request.method, segments) {
        case ("GET", ["counters"]):
            return .json(200, counters.snapshot().setting("batchItems", to: batchItemCounters.snapshot()))
        case ("POST", ["counters", "reset"]):
            counters.reset()
            batchItemCounters.reset()
            return .empty(204)
        case ("GET", ["requests"]): return .json(200, requestLog.snapshot())
        case ("POST", ["requests", "reset"]):
            requestLog.reset()
            return .empty(204)
        case ("GET", ["health"]): return .json(200, .object([("status", .string("ok"))]))
        default: return ErrorBody.arm(404, "NotFound", "No local route '\(context.request.path)'.")
        }
    }

    /// The route with identifiers replaced by placeholders, for counters:
    /// `GET /subscriptions/{}/providers/Microsoft.Authorization/roleAssignments`.
    static func routeTemplate(for request: CloudRequest) -> String {
        let fixed: Set<String> = [
            "subscriptions", "resourcegroups", "providers", "microsoft.authorization", "roleassignments",
            "roledefinitions",
            "microsoft.machinelearningservices", "workspaces", "computes", "services", "operations", "listkeys",
            "regeneratekeys",
            "token", "graph", "v1.0", "applications", "serviceprincipals", "addpassword", "removepassword",
            "federatedidentitycredentials", "modelmanagement", "oauth2", "v2.0", "discovery", "keys", ".well-known",
            "openid-configuration", "scoring", "score", "oidc-issuer", "_local", "counters", "health", "mint", "reset",
            "directoryobjects",
            "getbyids", "metadata", "devicecode", "devicelogin", "endpoints", "requests", "keyvault", "secrets",
            "$batch", "onlineendpoints", "deployments", "locations", "mfeoperationsstatus", "mfeoperationresults",
            "inference", "swagger.json", "artifact", "v2.0", "artifacts", "batch", "azureml", "environment",
            "environments", "versions", "models", "rp", "contentinfo",
        ]
        let parts = request.segments.map { segment -> String in
            if fixed.contains(segment.lowercased()) { return segment }
            if segment.lowercased().hasPrefix("applications(uniquename") { return "applications(uniqueName={})" }
            if segment.lowercased().hasPrefix("applications(") { return "applications(appId={})" }
            if segment.lowercased().hasPrefix("serviceprincipals(") { return "servicePrincipals(appId={})" }
            return "{}"
        }
        return "\(request.method) /" + parts.joined(separator: "/")
    }
}

/// One request in flight: the request, the time it is answered at, and its request id.
struct RequestContext: Sendable {
    var request: CloudRequest
    var now: Double
    var requestID: String

    /// `https://host:port`, from the Host header: every absolute URL the cloud returns points back
    /// at the address the client used.
    var base: String { "https://" + (request.header("host") ?? "127.0.0.1") }

    var timestamp: String { ISOTime.format(now) }
}

/// ISO 8601 timestamps, as the services print them.
enum ISOTime {
    static func format(_ seconds: Double) -> String {
        Date(timeIntervalSince1970: seconds.rounded(.down)).ISO8601Format()
    }

    /// Parses `2026-01-02T03:04:05Z` and the fractional-seconds form Graph clients send.
    static func parse(_ text: String) -> Double? {
        if let date = try? Date(text, strategy: .iso8601) { return date.timeIntervalSince1970 }
        let formatter = ISO8601DateFormatter()
        formatter.formatOptions = [.withInternetDateTime, .withFractionalSeconds]
        return formatter.date(from: text)?.timeIntervalSince1970
    }
}

/// How many requests are being answered now, and the peak since the last reset.
public final class InFlightGauge: Sendable {
    private let state = Mutex<(now: Int, peak: Int)>((0, 0))

    func enter() { state.withLock { $0 = ($0.now + 1, max($0.peak, $0.now + 1)) } }
    func leave() { state.withLock { $0.now -= 1 } }

    /// The most requests answered at once since the last reset.
    public var peak: Int { state.withLock { $0.peak } }

    public func reset() { state.withLock { $0.peak = $0.now } }
}

/// Requests per route template and status, readable at `GET /_local/counters`.
public final class RequestCounters: Sendable {
    private let counts = Mutex<[String: [Int: Int]]>([:])

    func record(route: String, status: Int) {
        counts.withLock { $0[route, default: [:]][status, default: 0] += 1 }
    }

    public func reset() { counts.withLock { $0 = [:] } }

    /// Total requests whose route template contains `fragment`, with any status or only `status`.
    public func total(matching fragment: String = "", status: Int? = nil) -> Int {
        counts.withLock { table in
            table.filter { fragment.isEmpty || $0.key.contains(fragment) }.values.reduce(0) { sum, statuses in
                sum + statuses.filter { status == nil || $0.key == status }.values.reduce(0, +)
            }
        }
    }

    func snapshot() -> JSONValue {
        let table = counts.withLock { $0 }
        let routes: [(String, JSONValue)] = table.keys.sorted().map { route in
            let statuses = table[route]!.keys.sorted().map {
                (String($0), JSONValue.number(Double(table[route]![$0]!)))
            }
            return (route, .object(statuses))
        }
        let total = table.values.reduce(0) { $0 + $1.values.reduce(0, +) }
        return .object([("total", .number(Double(total))), ("routes", .object(routes))])
    }
}
