import AMLAuthCore
import Foundation
import HTTPClient
import LocalCloud
import TestSupport
import Testing
import WireFormat

/// The libcurl transport against the local cloud over loopback TLS.
@Suite(.serialized)
struct CurlTransportTests {
    @Test func verifiesTLSWithTheExtraCABundleAndReusesConnections() async throws {
        let live = try await LiveCloud.start()
        defer { Task { await live.stopAndRemove() } }
        let transport = try CurlTransport(configuration: .init(extraCABundle: live.caCertificate))
        var statuses: [Int] = []
        for _ in 0..<500 {
            statuses.append(
                try await transport.send(HTTPRequest(method: "GET", url: live.base + "/discovery/westeurope")).status)
        }
        #expect(Set(statuses) == [200])
        #expect(transport.connectionsOpened == 1, "500 sequential requests share one connection")
        #expect(live.cloud.counters.total(matching: "/discovery/") == 500)

        // A concurrent burst uses at most one connection per transfer slot, not one per request.
        try await withThrowingTaskGroup(of: Int.self) { group in
            for _ in 0..<200 {
                group.addTask {
                    try await transport.send(HTTPRequest(method: "GET", url: live.base + "/discovery/x")).status
                }
            }
            for try await status in group { #expect(status == 200) }
        }
        #expect(transport.connectionsOpened <= transport.configuration.maxConcurrentTransfers)
    }

    @Test func postsBodiesAndReadsHeaders() async throws {
        let live = try await LiveCloud.start()
        defer { Task { await live.stopAndRemove() } }
        let transport = try CurlTransport(configuration: .init(extraCABundle: live.caCertificate))
        let file = await live.cloudFile
        let tenant = try #require(file["tenantId"]?.stringValue)
        let form =
            "grant_type=client_credentials&client_id=\(file["bootstrap"]?["clientId"]?.stringValue ?? "")&client_secret=\(FormEncoding.percentEncode(file["bootstrap"]?["clientSecret"]?.stringValue ?? ""))&scope=\(FormEncoding.percentEncode("https://management.azure.com/.default"))"
        let response = try await transport.send(
            HTTPRequest(
                method: "POST", url: "\(live.base)/\(tenant)/oauth2/v2.0/token",
                headers: [("Content-Type", "application/x-www-form-urlencoded")], body: Array(form.utf8)))
        #expect(response.status == 200)
        #expect(response.header("content-type") == "application/json; charset=utf-8")
        #expect(response.header("X-MS-REQUEST-ID") != nil)
        let token = try #require((try? JSONParser.parse(response.body))?["access_token"]?.stringValue)
        let subscription = try await transport.send(
            HTTPRequest(
                method: "GET",
                url: "\(live.base)/subscriptions/\(file["subscriptionId"]?.stringValue ?? "")?api-version=2022-12-01",
                headers: [("Authorization", "Bearer \(token)")]))
        #expect(subscription.status == 200)
        #expect(subscription.header("x-ms-ratelimit-remaining-subscription-reads") != nil)
    }

    @Test func negotiatesHTTP2WhenTheServerOffersIt() async throws {
        let live = try await LiveCloud.start(http2: true)
        defer { Task { await live.stopAndRemove() } }
        let transport = try CurlTransport(configuration: .init(extraCABundle: live.caCertificate))
        for _ in 0..<20 {
            let response = try await transport.send(
                HTTPRequest(method: "GET", url: live.base + "/discovery/westeurope"))
            #expect(response.status == 200)
            #expect(response.httpVersion == "2")
        }
        #expect(transport.connectionsOpened == 1, "HTTP/2 multiplexes on one connection")
        let plain = try await LiveCloud.start()
        defer { Task { await plain.stopAndRemove() } }
        let fallback = try await CurlTransport(configuration: .init(extraCABundle: plain.caCertificate)).send(
            HTTPRequest(method: "GET", url: plain.base + "/discovery/x"))
        #expect(fallback.httpVersion == "1.1", "and HTTP/1.1 when it does not")
    }

    @Test func refusesAnUntrustedServer() async throws {
        let live = try await LiveCloud.start()
        defer { Task { await live.stopAndRemove() } }
        let transport = try CurlTransport()
        await #expect {
            _ = try await transport.send(HTTPRequest(method: "GET", url: live.base + "/discovery/x"))
        } throws: { error in
            (error as? TransportError)?.kind == .tls
        }
    }

    @Test func refusesPlainHTTPExceptToLoopback() async throws {
        let transport = try CurlTransport()
        await #expect {
            _ = try await transport.send(HTTPRequest(method: "GET", url: "http://management.azure.com/subscriptions"))
        } throws: { error in
            (error as? TransportError)?.kind == .refused
        }
        #expect(CurlTransport.refusal(for: "http://127.0.0.1:8080/x") == nil)
        #expect(CurlTransport.refusal(for: "http://localhost/x") != nil, "a name, not a loopback address")
        #expect(CurlTransport.refusal(for: "http://[::1]:80/x") == nil)
        #expect(CurlTransport.refusal(for: "http://10.0.0.1/x") != nil)
        #expect(CurlTransport.refusal(for: "ftp://127.0.0.1/x") != nil)
    }

    @Test func badCABundleIsAClearError() {
        #expect {
            _ = try CurlTransport(configuration: .init(extraCABundle: "/nonexistent/ca.pem"))
        } throws: { error in
            "\(error)".contains("/nonexistent/ca.pem")
        }
    }

    @Test func droppedConnectionsAndTimeouts() async throws {
        var options = LocalCloudOptions()
        options.faults = try FaultPlan(parsing: "reset=1,route=/discovery/reset")
        let live = try await LiveCloud.start(options: options)
        defer { Task { await live.stopAndRemove() } }
        var configuration = CurlTransportConfiguration(extraCABundle: live.caCertificate)
        configuration.totalTimeout = 0.3
        let transport = try CurlTransport(configuration: configuration)
        await #expect {
            _ = try await transport.send(HTTPRequest(method: "GET", url: live.base + "/discovery/reset"))
        } throws: { error in
            (error as? TransportError)?.kind == .connection && (error as? TransportError)?.isRetryable == true
        }
        // The transport still works afterwards.
        #expect(try await transport.send(HTTPRequest(method: "GET", url: live.base + "/discovery/ok")).status == 200)
    }

    @Test func timeoutAndCancellation() async throws {
        var options = LocalCloudOptions()
        options.faults = try FaultPlan(parsing: "latency=1500ms,route=/discovery/slow")
        let live = try await LiveCloud.start(options: options)
        defer { Task { await live.stopAndRemove() } }
        var configuration = CurlTransportConfiguration(extraCABundle: live.caCertificate)
        configuration.totalTimeout = 0.3
        let impatient = try CurlTransport(configuration: configuration)
        await #expect {
            _ = try await impatient.send(HTTPRequest(method: "GET", url: live.base + "/discovery/slow"))
        } throws: { error in
            (error as? TransportError)?.kind == .timeout
        }
        let patient = try CurlTransport(configuration: .init(extraCABundle: live.caCertificate))
        let started = ContinuousClock.now
        let request = Task { try await patient.send(HTTPRequest(method: "GET", url: live.base + "/discovery/slow")) }
        try await Task.sleep(for: .milliseconds(200))
        request.cancel()
        await #expect {
            _ = try await request.value
        } throws: { error in
            (error as? TransportError)?.kind == .cancelled
        }
        #expect(
            ContinuousClock.now - started < .milliseconds(1400), "cancellation stops the transfer before the response")
    }
}
