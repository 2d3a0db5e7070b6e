import Foundation
import HTTPClient
import TestSupport
import Testing

/// Where the transport may send a request: plain http only to a loopback IP literal, no
/// userinfo in any URL. Every "other host" here is either refused before any connection or is a
/// second loopback listener that must see nothing.
@Suite(.serialized)
struct TransportSecurityTests {
    @Test func userinfoAndLookalikeHostsAreNotLoopback() {
        for url in [
            "http://127.0.0.1@invalid.example:8080/token",  // libcurl reads 127.0.0.1 as the user name
            "http://127.0.0.1:1@invalid.example/token",  // …and 1 as the password
            "http://127.0.0.1.invalid.example/token",  // a DNS name that starts like an address
            "http://127.invalid.example/token",
            "http://localhost/token",  // a name: resolution decides where it goes
            "http://localhost.invalid.example/token",
            "http://[::ffff:10.0.0.1]/token",
            "http://[::2]/token",
            "http://10.0.0.1/token",
            "http://127.0.0.1:8080@[::1]/token",
            "https://user:secret@management.azure.com/",  // userinfo is refused over https too
            "https://@management.azure.com/",
            "ftp://127.0.0.1/x",
            "127.0.0.1/x",  // no scheme
            "http://127.0.0.1 /x",
        ] {
            #expect(CurlTransport.refusal(for: url) != nil, "\(url) must be refused")
        }
        for url in [
            "http://127.0.0.1:8080/x", "http://127.1.2.3/x", "http://[::1]:80/x", "HTTP://127.0.0.1/x",
            "https://management.azure.com/x", "https://localhost:8443/x",
        ] {
            #expect(CurlTransport.refusal(for: url) == nil, "\(url) is allowed")
        }
        #expect(
            CurlTransport.refusal(for: "http://127.0.0.1@invalid.example:8080/")?.contains("user name or password")
                == true)
        #expect(
            CurlTransport.refusal(for: "http://localhost/")?.contains("127.0.0.1") == true,
            "the message says what to use instead")
    }

    @Test func parsesURLsAsLibcurlDoes() throws {
        let tricky = try #require(RequestURL("http://127.0.0.1:1@Other.Invalid:8080/x?y=1"))
        #expect(tricky.scheme == "http" && tricky.host == "other.invalid" && tricky.port == 8080 && tricky.hasUserInfo)
        #expect(!tricky.isLoopback)
        let v6 = try #require(RequestURL("http://[::1]/x"))
        #expect(v6.host == "::1" && v6.port == 80 && v6.isLoopback && v6.origin == "http://[::1]:80")
        let https = try #require(RequestURL("https://management.azure.com/subscriptions"))
        #expect(https.origin == "https://management.azure.com:443" && !https.hasUserInfo && !https.isLoopback)
        #expect(RequestURL("not a url") == nil)
    }

    @Test func aURLWithUserinfoIsRefusedBeforeAnyConnection() async throws {
        let server = try LoopbackListener(.respond(status: 200, body: "reached"))
        defer { server.stop() }
        let transport = try CurlTransport()
        for url in [
            "http://127.0.0.1:1@127.0.0.1:\(server.port)/token", "http://127.0.0.1@127.0.0.1:\(server.port)/token",
        ] {
            await #expect {
                _ = try await transport.send(
                    HTTPRequest(method: "POST", url: url, body: Array("client_secret=s3cret".utf8)))
            } throws: { error in
                (error as? TransportError)?.kind == .refused
            }
        }
        #expect(server.connections == 0, "nothing reached the listener")
        // The same listener without userinfo is reachable: the refusal is about the URL, not the host.
        #expect(try await transport.send(HTTPRequest(method: "GET", url: server.base + "/ok")).status == 200)
    }

    /// A response larger than the transport reads (a compromised endpoint streaming without end)
    /// fails as soon as it passes the limit, instead of filling memory.
    @Test func aResponseOverTheLimitIsRefused() async throws {
        let body = String(repeating: "x", count: 4096)
        let server = try LoopbackListener(.respond(status: 200, body: body))
        defer { server.stop() }
        var configuration = CurlTransportConfiguration()
        configuration.maxResponseBytes = 1024
        let small = try CurlTransport(configuration: configuration)
        await #expect {
            _ = try await small.send(HTTPRequest(method: "GET", url: server.base + "/big"))
        } throws: { error in
            (error as? TransportError)?.kind == .refused
                && (error as? TransportError)?.message.contains("larger than 1024 bytes") == true
        }
        configuration.maxResponseBytes = 4096
        let exact = try CurlTransport(configuration: configuration)
        #expect(try await exact.send(HTTPRequest(method: "GET", url: server.base + "/big")).body.count == 4096)
    }
}

/// Loopback traffic never goes through a proxy, whatever the environment or configuration says;
/// everything else still does.
@Suite(.serialized)
struct ProxyTests {
    @Test func loopbackRequestsBypassAConfiguredProxy() async throws {
        let server = try LoopbackListener(.respond(status: 200, body: "direct"))
        let proxy = try LoopbackListener(.closeWithoutAnswer)
        defer {
            server.stop()
            proxy.stop()
        }
        var configuration = CurlTransportConfiguration()
        configuration.proxy = proxy.base
        let transport = try CurlTransport(configuration: configuration)
        let response = try await transport.send(
            HTTPRequest(
                method: "POST", url: server.base + "/tenant/oauth2/v2.0/token", body: Array("client_secret=s3cret".utf8)
            ))
        #expect(response.status == 200 && response.text == "direct")
        #expect(server.connections == 1)
        #expect(proxy.connections == 0, "the proxy saw nothing: \(proxy.received)")
    }

    @Test func otherRequestsStillUseTheProxy() async throws {
        // The proxy closes without answering, so nothing leaves the machine; curl never resolves
        // the target itself when it tunnels through a proxy.
        let proxy = try LoopbackListener(.closeWithoutAnswer)
        defer { proxy.stop() }
        var configuration = CurlTransportConfiguration()
        configuration.proxy = proxy.base
        configuration.totalTimeout = 5
        let transport = try CurlTransport(configuration: configuration)
        await #expect(throws: TransportError.self) {
            _ = try await transport.send(
                HTTPRequest(method: "GET", url: "https://management.azure.com.invalid/subscriptions"))
        }
        #expect(proxy.connections == 1)
        #expect(proxy.received.hasPrefix("CONNECT management.azure.com.invalid:443 HTTP/1.1"), "\(proxy.received)")
    }
}
