import AMLAuthCore
import AuthCrypto
import Foundation
import HTTPClient
import LocalCloud
import LocalCloudServer
import TestSupport
import Testing
import WireFormat

/// The storage accounts' virtual-hosted blob endpoints (`{account}.blob.localhost`), the CONNECT
/// proxy that lets clients without a `*.localhost` resolver reach them, the model registry and
/// the compute pass-through: what azureml-core's `Model.deploy` needs besides the services.
struct StorageHostTests {
    @Test func accountsAreReadOnlyFromBlobHostNames() {
        #expect(StorageHost.account(fromHost: "amlst0123456789abcdef.blob.localhost:8443") == "amlst0123456789abcdef")
        #expect(StorageHost.account(fromHost: "AMLSTX.BLOB.LOCALHOST") == "amlstx")
        #expect(StorageHost.account(fromHost: "127.0.0.1:8443") == nil)
        #expect(StorageHost.account(fromHost: "a.blob.localhost") == nil, "account names have 3 to 24 characters")
        #expect(StorageHost.account(fromHost: "acct.blob.core.windows.net") == nil)
        #expect(StorageHost.account(fromHost: "x.acct.blob.localhost") == nil)
        #expect(StorageHost.account(fromHost: "ac-ct.blob.localhost") == nil)
        #expect(StorageHost.account(fromHost: nil) == nil)
    }

    @Test func theProxyTunnelsOnlyBlobHostsOnTheCloudsPort() {
        let tunnel = StorageProxy.decide(
            head: "CONNECT amlstabc.blob.localhost:8443 HTTP/1.1\r\nHost: x\r\n\r\n", cloudPort: 8443)
        #expect(tunnel == .tunnel)
        #expect(
            StorageProxy.decide(head: "CONNECT amlstabc.blob.localhost:443 HTTP/1.1\r\n\r\n", cloudPort: 8443)
                == .refuse(status: 403, reason: "Forbidden"), "another port of loopback")
        #expect(
            StorageProxy.decide(head: "CONNECT login.microsoftonline.com:443 HTTP/1.1\r\n\r\n", cloudPort: 443)
                == .refuse(status: 403, reason: "Forbidden"), "a host that leaves the machine")
        #expect(
            StorageProxy.decide(head: "CONNECT 127.0.0.1:8443 HTTP/1.1\r\n\r\n", cloudPort: 8443)
                == .refuse(status: 403, reason: "Forbidden"))
        #expect(
            StorageProxy.decide(head: "GET http://example.com/ HTTP/1.1\r\n\r\n", cloudPort: 8443)
                == .refuse(status: 405, reason: "Method Not Allowed"), "no plain forwarding")
        #expect(
            StorageProxy.decide(head: "garbage\r\n\r\n", cloudPort: 8443) == .refuse(status: 400, reason: "Bad Request")
        )
    }

    /// Creates `score.py` in the artifact service; returns its content URI.
    func artifact(_ harness: Harness, token: String) async throws -> String {
        let created = await harness.send(
            "POST", "/artifact/v2.0" + harness.workspace + "/artifacts/batch/metadata/LocalUpload/c0ffee00",
            token: token, json: .object([("paths", .array([.object([("path", .string("score.py"))])]))]))
        return try #require(created.json?["artifactContentInformation"]?["score.py"]?["contentUri"]?.stringValue)
    }

    func blobRequest(_ method: String, _ uri: String, body: [UInt8] = [], headers: [String: String] = [:])
        -> CloudRequest
    {
        let rest = uri.dropFirst("https://".count)
        let host = String(rest.prefix { $0 != "/" })
        return CloudRequest(
            method: method, target: String(rest.dropFirst(host.count)),
            headers: headers.merging(["Host": host]) { a, _ in a },
            body: body)
    }

    @Test func artifactBlobsTakeContentMD5AndAnswerHeadAndGet() async throws {
        let harness = try Harness.make()
        let uri = try await artifact(harness, token: try await harness.armToken())
        let content = Array("def init():\n    pass\n".utf8)
        let put = ["x-ms-blob-type": "BlockBlob"]
        let wrongMD5 = await harness.cloud.handle(
            blobRequest(
                "PUT", uri, body: content,
                headers: put.merging(["Content-MD5": "AAAAAAAAAAAAAAAAAAAAAA=="]) { a, _ in a }))
        #expect(wrongMD5.status == 400)
        #expect(wrongMD5.headers.contains { $0 == ("x-ms-error-code", "Md5Mismatch") })
        #expect(await harness.cloud.handle(blobRequest("HEAD", uri)).status == 404, "nothing stored by a refused PUT")
        let md5 = Base64.encode(Digest.md5(content))
        let stored = await harness.cloud.handle(
            blobRequest("PUT", uri, body: content, headers: put.merging(["Content-MD5": md5]) { a, _ in a }))
        #expect(stored.status == 201)
        let head = await harness.cloud.handle(blobRequest("HEAD", uri))
        #expect(head.status == 200)
        #expect(head.headers.contains { $0 == ("Content-Length", String(content.count)) })
        #expect(head.headers.contains { $0 == ("x-ms-blob-type", "BlockBlob") })
        let get = await harness.cloud.handle(blobRequest("GET", uri))
        #expect(get.status == 200 && get.body == content)
        let forged = uri.replacingOccurrences(of: "sig=", with: "sig=forged")
        #expect(await harness.cloud.handle(blobRequest("GET", forged)).status == 403)
        let otherAccount = uri.replacingOccurrences(of: "https://amlst", with: "https://amlsx")
        #expect(await harness.cloud.handle(blobRequest("GET", otherAccount)).status == 404)
        #expect(await harness.cloud.handle(blobRequest("DELETE", uri)).status == 405)
    }

    @Test func registeredModelsAreFoundByIdAndByName() async throws {
        let harness = try Harness.make()
        let token = try await harness.armToken()
        let byID = await harness.send("GET", harness.mms + "/models/sklearn-mnist%3A3", token: token)
        #expect(byID.status == 200, "\(byID.text)")
        #expect(byID.json?["id"]?.stringValue == "sklearn-mnist:3")
        #expect(byID.json?["version"]?.numberValue == 3)
        #expect(byID.json?["datasets"]?.arrayValue?.isEmpty == true, "the SDK iterates datasets")
        let missing = await harness.send("GET", harness.mms + "/models/sklearn-mnist:9", token: token)
        #expect(missing.status == 404)
        #expect(missing.json?["code"]?.stringValue == "ModelNotFound")
        let latest = await harness.send("GET", harness.mms + "/models?name=sklearn-mnist&count=1", token: token)
        #expect(latest.json?["value"]?.arrayValue?.map { $0["id"]?.stringValue } == ["sklearn-mnist:3"])
        let none = await harness.send("GET", harness.mms + "/models?name=other", token: token)
        #expect(none.json?["value"]?.arrayValue?.isEmpty == true)
        #expect(await harness.send("GET", harness.mms + "/models").status == 401, "a token is required")
    }

    @Test func computesAreReadThroughTheWorkspaceAPIHostsPassThrough() async throws {
        let harness = try Harness.make()
        let token = try await harness.armToken()
        let path = harness.workspace + "/computes/aks-cluster-1?api-version=2023-04-01"
        let direct = await harness.send("GET", path, token: token)
        let passedThrough = await harness.send("GET", "/rp/workspaces" + path, token: token)
        #expect(direct.status == 200 && passedThrough.status == 200, "\(passedThrough.text)")
        #expect(direct.body == passedThrough.body)
        let properties = passedThrough.json?["properties"]
        #expect(properties?["computeType"]?.stringValue == "AKS")
        #expect(properties?["properties"]?["agentVmSize"]?.stringValue != nil)
        #expect(properties?["resourceId"]?.stringValue?.contains("/managedClusters/aks-cluster-1") == true)
    }

    @Test func theCloudMetadataNamesTheStorageSuffix() async throws {
        let harness = try Harness.make()
        let metadata = await harness.send("GET", "/metadata/endpoints?api-version=2019-05-01")
        #expect(metadata.json?.arrayValue?.first?["suffixes"]?["storage"]?.stringValue == "localhost")
    }
}

/// The proxy and the blob hosts over real sockets: libcurl through the proxy, and libcurl on its own.
@Suite(.serialized)
struct StorageProxyLiveTests {
    @Test func blobHostsAreReachedDirectlyAndThroughTheProxyAndNothingElseIs() async throws {
        let live = try await LiveCloud.start()
        defer { Task { await live.stopAndRemove() } }
        let proxy = try await StorageProxy.start(cloudPort: live.port)
        defer { Task { await proxy.stop() } }
        let account =
            "amlst" + String((await live.cloud.store.state).workspaces[0].workspaceID.filter(\.isHexDigit).prefix(16))
        // An artifact's blob that was never uploaded: 404 BlobNotFound proves the request arrived.
        let url = "https://\(account).blob.localhost:\(live.port)/azureml/LocalUpload/none/score.py?sig=x"
        // Generous connect timeouts: the whole suite runs beside this test on two cores, and a TLS
        // handshake then waits for a busy event loop (10 s, the default, was seen to run out).
        var configuration = CurlTransportConfiguration(extraCABundle: live.caCertificate)
        configuration.connectTimeout = 60
        let direct = try CurlTransport(configuration: configuration)
        // The server certificate covers `*.blob.localhost`; libcurl resolves it to loopback itself.
        #expect(try await direct.send(HTTPRequest(method: "GET", url: url)).status == 403)
        var proxied = configuration
        proxied.proxy = proxy.url
        let throughProxy = try CurlTransport(configuration: proxied)
        #expect(try await throughProxy.send(HTTPRequest(method: "GET", url: url)).status == 403)
        // Anything else is refused by the proxy itself: libcurl reports the failed CONNECT.
        let elsewhere = "https://example.com:\(live.port)/"
        await #expect(throws: TransportError.self) {
            _ = try await throughProxy.send(HTTPRequest(method: "GET", url: elsewhere))
        }
    }
}

struct ServerCertificateRenewalTests {
    /// A data directory from before the storage hosts keeps its CA and keys; only the server
    /// certificate is issued again, now covering `*.blob.localhost`.
    @Test func anOlderServerCertificateGainsTheBlobHosts() throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent(
            "amlauth-renew-\(UUID().uuidString)"
        ).path
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let first = try KeyMaterial.loadOrCreate(in: directory)
        func covers(_ pem: String) throws -> Bool {
            let der = try Certificate(pem: pem).der
            let name = Array("*.blob.localhost".utf8)
            return der.indices.contains { der[$0...].starts(with: name) }
        }
        #expect(try covers(first.serverCertificatePEM))
        // Write what an older version issued: loopback names only.
        let ca = try Certificate(
            pem: String(decoding: FileManager.default.contents(atPath: directory + "/ca.pem")!, as: UTF8.self))
        let caKey = try RSAPrivateKey(
            pem: String(decoding: FileManager.default.contents(atPath: directory + "/ca-key.pem")!, as: UTF8.self))
        let old = try Certificate.issue(
            .init(commonName: "localhost", days: 825, isCA: false, subjectAltNames: ["IP:127.0.0.1", "DNS:localhost"]),
            key: try RSAPrivateKey(pem: first.serverKeyPEM), issuer: ca, issuerKey: caKey)
        try Array((try old.pem() + ca.pem()).utf8).withUnsafeBufferPointer {
            try Data(buffer: $0).write(to: URL(fileURLWithPath: directory + "/server.pem"))
        }
        let reopened = try KeyMaterial.loadOrCreate(in: directory)
        #expect(try covers(reopened.serverCertificatePEM))
        #expect(reopened.serverKeyPEM == first.serverKeyPEM, "same key")
        #expect(try Certificate(pem: reopened.serverCertificatePEM).isSigned(by: ca), "same CA")
    }
}

extension StorageHostTests {
    @Test func artifactsAreDeletedByTheirMetadataPath() async throws {
        let harness = try Harness.make()
        let token = try await harness.armToken()
        let uri = try await artifact(harness, token: token)
        let path = "/artifact/v2.0" + harness.workspace + "/artifacts/metadata/LocalUpload/c0ffee00/score.py"
        #expect(await harness.send("DELETE", path, token: token).status == 200)
        #expect(await harness.send("DELETE", path, token: token).status == 404)
        #expect(await harness.cloud.handle(blobRequest("HEAD", uri)).status == 403, "its SAS is gone with it")
    }
}
