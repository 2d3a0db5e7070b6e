import AMLAuthCore
import AzureProvider
import Foundation
import HTTPClient
import Synchronization
import Testing
import WireFormat

struct RetryPolicyTests {
    let policy = RetryPolicy()
    let half: (Double) -> Double = { $0 / 2 }

    @Test func backsOffExponentiallyWithJitterForIdempotentRequests() {
        let delays = (1...4).map {
            policy.delay(after: .status(503, retryAfter: nil), attempt: $0, idempotent: true, waited: 0, random: half)
        }
        #expect(delays == [0.4, 0.8, 1.6, 3.2])
        #expect(
            policy.delay(after: .status(503, retryAfter: nil), attempt: 9, idempotent: true, waited: 0, random: half)
                == 15, "capped at 30 s, halved")
        #expect(
            policy.delay(after: .status(503, retryAfter: nil), attempt: 10, idempotent: true, waited: 0, random: half)
                == nil, "ten attempts for a write, as azure-core's retry_total")
    }

    /// Issue 15 item 11: a read that fails stops the whole plan, so reads go on for minutes, not
    /// for a count of attempts.
    /// A cloud that cannot be reached is reported after azure-core's three connection retries, not
    /// after the minutes a read may spend on a service that answers and asks to wait.
    @Test func refusedConnectionsAreRetriedThreeTimes() {
        for failures in 1...3 {
            #expect(
                policy.delay(
                    after: .transport(retryable: true, failures: failures), attempt: failures, idempotent: true,
                    read: true, waited: 0, random: half) != nil)
        }
        #expect(
            policy.delay(
                after: .transport(retryable: true, failures: 4), attempt: 4, idempotent: true, read: true,
                waited: 0, random: half) == nil)
    }

    @Test func readsRetryWithinATimeBudget() {
        #expect(
            policy.delay(
                after: .status(500, retryAfter: nil), attempt: 15, idempotent: true, read: true, waited: 200,
                random: half) == 15)
        #expect(
            policy.delay(
                after: .transport(retryable: true), attempt: 20, idempotent: true, read: true, waited: 500,
                random: half) == 15)
        #expect(
            policy.delay(
                after: .status(429, retryAfter: 20), attempt: 20, idempotent: true, read: true, waited: 590,
                random: half) == nil, "the budget is spent")
    }

    @Test func honoursRetryAfterUpToMinutes() {
        #expect(
            policy.delay(after: .status(429, retryAfter: 240), attempt: 1, idempotent: true, waited: 0, random: half)
                == 240)
        #expect(
            policy.delay(after: .status(429, retryAfter: 3_600), attempt: 1, idempotent: true, waited: 0, random: half)
                == nil, "an hour is an outage, reported rather than slept through")
    }

    @Test func honoursRetryAfterEvenForPOST() {
        #expect(
            policy.delay(after: .status(429, retryAfter: 7), attempt: 1, idempotent: false, waited: 0, random: half)
                == 7)
        #expect(
            policy.delay(after: .status(429, retryAfter: nil), attempt: 1, idempotent: false, waited: 0, random: half)
                == nil)
        #expect(
            policy.delay(after: .transport(retryable: true), attempt: 1, idempotent: false, waited: 0, random: half)
                == nil)
    }

    @Test func terminalStatusesAreNotRetried() {
        for status in [400, 401, 403, 404, 409, 412] {
            #expect(
                policy.delay(
                    after: .status(status, retryAfter: 1), attempt: 1, idempotent: true, waited: 0, random: half) == nil
            )
        }
        #expect(
            policy.delay(after: .transport(retryable: false), attempt: 1, idempotent: true, waited: 0, random: half)
                == nil)
    }

    @Test func boundsTotalWaiting() {
        #expect(
            policy.delay(after: .status(429, retryAfter: 100), attempt: 1, idempotent: true, waited: 250, random: half)
                == nil)
        #expect(
            policy.delay(after: .status(429, retryAfter: 40), attempt: 1, idempotent: true, waited: 250, random: half)
                == 40)
    }

    @Test func parsesRetryAfterForms() {
        let now = 1_790_000_000.0
        func headers(_ values: [String: String]) -> (String) -> String? { { values[$0] } }
        #expect(RetryPolicy.retryAfter(headers(["retry-after": "3"]), now: now) == 3)
        #expect(RetryPolicy.retryAfter(headers(["retry-after-ms": "1500"]), now: now) == 1.5)
        #expect(RetryPolicy.retryAfter(headers(["x-ms-retry-after-ms": "250", "retry-after": "9"]), now: now) == 0.25)
        let date = Date(timeIntervalSince1970: now + 12)
        let formatter = DateFormatter()
        formatter.locale = Locale(identifier: "en_US_POSIX")
        formatter.timeZone = TimeZone(identifier: "GMT")
        formatter.dateFormat = "EEE, dd MMM yyyy HH:mm:ss 'GMT'"
        #expect(RetryPolicy.retryAfter(headers(["retry-after": formatter.string(from: date)]), now: now) == 12)
        #expect(RetryPolicy.retryAfter(headers(["retry-after": "soon"]), now: now) == nil)
        #expect(RetryPolicy.retryAfter(headers([:]), now: now) == nil)
    }
}

/// A transport that answers from a script, for pipeline tests without a network.
final class ScriptedTransport: HTTPTransport {
    private let script: Mutex<[Result<HTTPResponse, TransportError>]>
    private let seen = Mutex<[HTTPRequest]>([])

    init(_ script: [Result<HTTPResponse, TransportError>]) { self.script = Mutex(script) }

    var requests: [HTTPRequest] { seen.withLock { $0 } }

    func send(_ request: HTTPRequest) async throws(TransportError) -> HTTPResponse {
        seen.withLock { $0.append(request) }
        let next = script.withLock { $0.isEmpty ? nil : $0.removeFirst() }
        guard let next else { throw TransportError(.other, "script exhausted", target: request.url) }
        return try next.get()
    }
}

struct PipelineTests {
    static func status(_ code: Int, _ headers: [(String, String)] = [], body: String = "{}") -> Result<
        HTTPResponse, TransportError
    > {
        .success(HTTPResponse(status: code, headers: headers, body: Array(body.utf8)))
    }

    @Test func waitsOutThrottlingAndServerErrors() async throws {
        let manual = ManualRuntime()
        let transport = ScriptedTransport([
            Self.status(429, [("Retry-After", "2")]), Self.status(500),
            .failure(TransportError(.connection, "reset", target: "x")), Self.status(200),
        ])
        let pipeline = AzurePipeline(transport: transport, tokens: nil, runtime: manual.runtime)
        let response = try await pipeline.send(
            .init("GET", "https://example.test/x", service: .resourceManager, audience: nil))
        #expect(response.status == 200)
        #expect(
            manual.sleeps == [2, 0.8, 1.6],
            "Retry-After, then jittered backoff ceilings 1.6 and 3.2 (halved by the test's random)")
        #expect(transport.requests.count == 4)
        #expect(
            Set(transport.requests.compactMap { $0.header("x-ms-client-request-id") }).count == 4,
            "a fresh client request id per attempt")
    }

    @Test func givesUpWithATypedErrorAndAttemptCount() async throws {
        let manual = ManualRuntime()
        let transport = ScriptedTransport(
            Array(
                repeating: Self.status(503, body: #"{"error":{"code":"ServiceUnavailable","message":"busy"}}"#),
                count: 12))
        let pipeline = AzurePipeline(transport: transport, tokens: nil, runtime: manual.runtime)
        await #expect {
            _ = try await pipeline.send(
                .init("PUT", "https://example.test/x?secret=1", service: .resourceManager, audience: nil))
        } throws: { error in
            let error = error as! AzureError
            return error.code == "ServiceUnavailable" && error.status == 503 && error.attempts == 10
                && error.isRetryable && error.target == "PUT https://example.test/x"
        }
    }

    /// Issue 15 item 11: fifteen faults in a row do not fail a read, and a PATCH (which sets
    /// values) is repeated after a 500 like a PUT.
    @Test func readsOutlastLongFaultRunsAndPatchesAreRepeated() async throws {
        let manual = ManualRuntime()
        let transport = ScriptedTransport(
            (0..<15).map {
                $0 % 3 == 2 ? .failure(TransportError(.connection, "reset", target: "x")) : Self.status(500)
            }
                + [Self.status(200)])
        let pipeline = AzurePipeline(transport: transport, tokens: nil, runtime: manual.runtime)
        let response = try await pipeline.send(
            .init("GET", "https://example.test/x", service: .resourceManager, audience: nil))
        #expect(response.status == 200)
        #expect(transport.requests.count == 16)

        let patched = ScriptedTransport([Self.status(500), Self.status(204)])
        let patching = AzurePipeline(transport: patched, tokens: nil, runtime: manual.runtime)
        #expect(
            try await patching.send(.init("PATCH", "https://example.test/a", service: .graph, audience: nil)).status
                == 204)
        #expect(patched.requests.count == 2)
    }

    @Test func doesNotRepeatAPostWithoutRetryAfter() async throws {
        let transport = ScriptedTransport([Self.status(500), Self.status(200)])
        let pipeline = AzurePipeline(transport: transport, tokens: nil, runtime: ManualRuntime().runtime)
        await #expect(throws: AzureError.self) {
            _ = try await pipeline.send(
                .init("POST", "https://example.test/x", service: .modelManagement, audience: nil))
        }
        #expect(transport.requests.count == 1)
    }

    @Test func terminalErrorsFailAtOnceWithTheServerMessage() async throws {
        let body = #"{"error":{"code":"AuthorizationFailed","message":"The client 'x' does not have authorization"}}"#
        let transport = ScriptedTransport([Self.status(403, [("x-ms-request-id", "req-1")], body: body)])
        let pipeline = AzurePipeline(transport: transport, tokens: nil, runtime: ManualRuntime().runtime)
        await #expect {
            _ = try await pipeline.send(
                .init("PUT", "https://example.test/x", service: .resourceManager, audience: nil))
        } throws: { error in
            let error = error as! AzureError
            return error.code == "AuthorizationFailed" && !error.isRetryable && error.requestID == "req-1"
                && "\(error)".contains("The client 'x' does not have authorization")
        }
    }

    @Test func followsPages() async throws {
        let transport = ScriptedTransport([
            Self.status(200, body: #"{"value":[1,2],"nextLink":"https://example.test/p2"}"#),
            Self.status(200, body: #"{"@odata.nextLink":"https://example.test/p3","value":[]}"#),
            Self.status(200, body: #"{"value":[3]}"#),
        ])
        let pipeline = AzurePipeline(transport: transport, tokens: nil, runtime: ManualRuntime().runtime)
        let items = try await pipeline.listAll(
            .init("GET", "https://example.test/p1", service: .resourceManager, audience: nil))
        #expect(items.compactMap(\.numberValue) == [1, 2, 3])
        #expect(
            transport.requests.map(\.url) == [
                "https://example.test/p1", "https://example.test/p2", "https://example.test/p3",
            ])
    }

    @Test func rateLimiterPacesBursts() async throws {
        let manual = ManualRuntime()
        var rates = RateLimiter.Rates()
        rates.readsPerSecond = 10
        let limiter = RateLimiter(rates: rates, runtime: manual.runtime)
        for _ in 0..<15 { try await limiter.acquire(.read, principal: "p") }
        #expect(manual.sleeps.count == 5, "the first 10 pass, the next 5 wait")
        #expect(manual.sleeps.allSatisfy { abs($0 - 0.1) < 0.001 }, "each waits one token's refill: 0.1 s at 10/s")
        try await limiter.acquire(.write, principal: "p")
        try await limiter.acquire(.read, principal: "other")
        #expect(manual.sleeps.count == 5, "writes and other principals have their own buckets")
    }
}
