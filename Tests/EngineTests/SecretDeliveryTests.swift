import AMLAuthCore
import AzureProvider
import Engine
import Foundation
import HTTPClient
import LocalCloud
import Synchronization
import Testing
import TestSupport
import WireFormat

struct SecretDeliveryTests {
    static let secret = SecretDelivery.Secret(clientID: "client", clientSecret: "abc8Q~TopSecretValue0000000000000000000000", tenantID: "tenant", subscriptionID: "sub", keyID: "key-7")

    func temporaryDirectory() throws -> String {
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("amlauth-sink-\(UUID().uuidString)").path
        try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
        return path
    }

    @Test func fileSinkIsSdkAuthJSONReadableByItsOwnerOnly() throws {
        let directory = try temporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let delivery = SecretDelivery(baseDirectory: directory, cloud: .azureChinaCloud, environment: [:], workflowCommands: { _ in })
        try delivery.deliver(Self.secret, to: .file("nested/dir/sp.json"))
        let path = directory + "/nested/dir/sp.json"
        #expect((try FileManager.default.attributesOfItem(atPath: path)[.posixPermissions] as? Int) == 0o600)
        let json = try JSONParser.parse(try String(contentsOfFile: path, encoding: .utf8))
        #expect(json.objectValue?.prefix(4).map(\.0) == ["clientId", "clientSecret", "subscriptionId", "tenantId"], "the sdk-auth key order")
        #expect(json["activeDirectoryEndpointUrl"]?.stringValue == "https://login.chinacloudapi.cn")
        #expect(json["resourceManagerEndpointUrl"]?.stringValue == "https://management.chinacloudapi.cn/")
        #expect(delivery.deliveredKeyID(.file("nested/dir/sp.json")) == "key-7")
    }

    @Test func envFileSink() throws {
        let directory = try temporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let delivery = SecretDelivery(baseDirectory: directory, cloud: .azureCloud, environment: [:], workflowCommands: { _ in })
        try delivery.deliver(Self.secret, to: .envFile("sp.env"))
        let text = try String(contentsOfFile: directory + "/sp.env", encoding: .utf8)
        #expect(text.contains("AZURE_CLIENT_ID=client\nAZURE_CLIENT_SECRET=\(Self.secret.clientSecret)\nAZURE_TENANT_ID=tenant\n"))
        #expect((try FileManager.default.attributesOfItem(atPath: directory + "/sp.env")[.posixPermissions] as? Int) == 0o600)
        #expect(delivery.deliveredKeyID(.envFile("sp.env")) == "key-7")
    }

    @Test func githubOutputMasksFirst() throws {
        let directory = try temporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let output = directory + "/github_output"
        _ = FileManager.default.createFile(atPath: output, contents: Data())
        let commands = Mutex<[String]>([])
        let delivery = SecretDelivery(baseDirectory: directory, cloud: .azureCloud, environment: ["GITHUB_OUTPUT": output], workflowCommands: { line in commands.withLock { $0.append(line) } })
        try delivery.deliver(Self.secret, to: .githubOutput)
        #expect(commands.withLock { $0 } == ["::add-mask::\(Self.secret.clientSecret)\n"])
        #expect(try String(contentsOfFile: output, encoding: .utf8).contains("client-secret=\(Self.secret.clientSecret)\n"))
        let missing = SecretDelivery(baseDirectory: directory, cloud: .azureCloud, environment: [:], workflowCommands: { _ in })
        #expect(throws: SecretDelivery.Failure.self) { try missing.deliver(Self.secret, to: .githubOutput) }
    }

    @Test func aFailedDeliveryRemovesTheNewPassword() async throws {
        let live = try await LiveCloud.start()
        defer { Task { await live.stopAndRemove() } }
        let engine = try await EngineHarness.connect(live)
        let manifest = """
            apiVersion: amlauth/v1
            kind: Target
            metadata: {name: t}
            spec: {cloud: local}
            ---
            apiVersion: amlauth/v1
            kind: ServicePrincipal
            metadata: {name: sp}
            spec:
              credentials:
                - {name: ci, type: password, deliver_to: "file:/proc/amlauth-cannot-write-here/sp.json"}
            """
        let (_, desired) = engine.desired(manifest, target: "t")
        let graph = engine.graph
        let plan = Planner(options: .init(now: Date().timeIntervalSince1970)).plan(desired, LiveState())
        let result = await engine.executor(delivery: engine.delivery("/")).apply(plan, observer: NoObserver())
        #expect(result.failed)
        guard case .failed(let failure) = result.outcomes.first?.1 else {
            Issue.record("expected a failure")
            return
        }
        #expect(failure.message.contains("was created and removed again"))
        let application = try #require(try await graph.applications(taggedWith: "amlauth:t/sp").first)
        #expect(application.passwords.isEmpty, "no secret left behind that nobody has")
    }
}
