import AMLAuthCore
import AzureProvider
import Engine
import Foundation
import Glibc
import HTTPClient
import LocalCloud
import Synchronization
import TestSupport
import Testing
import WireFormat

struct SecretDeliveryTests {
    static let secret = SecretDelivery.Secret(
        clientID: "client", clientSecret: "abc8Q~TopSecretValue0000000000000000000000", tenantID: "tenant",
        subscriptionID: "sub", keyID: "key-7")

    func temporaryDirectory() throws -> String {
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("amlauth-sink-\(UUID().uuidString)")
            .path
        try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
        return path
    }

    @Test func fileSinkIsSdkAuthJSONReadableByItsOwnerOnly() throws {
        let directory = try temporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let delivery = SecretDelivery(
            baseDirectory: directory, cloud: .azureChinaCloud, environment: [:], workflowCommands: { _ in })
        try delivery.deliver(Self.secret, to: .file("nested/dir/sp.json"))
        let path = directory + "/nested/dir/sp.json"
        #expect((try FileManager.default.attributesOfItem(atPath: path)[.posixPermissions] as? Int) == 0o600)
        let json = try JSONParser.parse(try String(contentsOfFile: path, encoding: .utf8))
        #expect(
            json.objectValue?.prefix(4).map(\.0) == ["clientId", "clientSecret", "subscriptionId", "tenantId"],
            "the sdk-auth key order")
        #expect(json["activeDirectoryEndpointUrl"]?.stringValue == "https://login.chinacloudapi.cn")
        #expect(json["resourceManagerEndpointUrl"]?.stringValue == "https://management.chinacloudapi.cn/")
        #expect(delivery.deliveredKeyID(.file("nested/dir/sp.json")) == "key-7")
    }

    @Test func envFileSink() throws {
        let directory = try temporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let delivery = SecretDelivery(
            baseDirectory: directory, cloud: .azureCloud, environment: [:], workflowCommands: { _ in })
        try delivery.deliver(Self.secret, to: .envFile("sp.env"))
        let text = try String(contentsOfFile: directory + "/sp.env", encoding: .utf8)
        #expect(
            text.contains(
                "AZURE_CLIENT_ID=client\nAZURE_CLIENT_SECRET=\(Self.secret.clientSecret)\nAZURE_TENANT_ID=tenant\n"))
        #expect(
            (try FileManager.default.attributesOfItem(atPath: directory + "/sp.env")[.posixPermissions] as? Int)
                == 0o600)
        #expect(delivery.deliveredKeyID(.envFile("sp.env")) == "key-7")
    }

    @Test func githubOutputMasksFirst() throws {
        let directory = try temporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let output = directory + "/github_output"
        _ = FileManager.default.createFile(atPath: output, contents: Data())
        let commands = Mutex<[String]>([])
        let delivery = SecretDelivery(
            baseDirectory: directory, cloud: .azureCloud, environment: ["GITHUB_OUTPUT": output],
            workflowCommands: { line in commands.withLock { $0.append(line) } })
        try delivery.deliver(Self.secret, to: .githubOutput)
        #expect(commands.withLock { $0 } == ["::add-mask::\(Self.secret.clientSecret)\n"])
        #expect(
            try String(contentsOfFile: output, encoding: .utf8).contains("client-secret=\(Self.secret.clientSecret)\n"))
        let missing = SecretDelivery(
            baseDirectory: directory, cloud: .azureCloud, environment: [:], workflowCommands: { _ in })
        #expect(throws: SecretDelivery.Failure.self) { try missing.deliver(Self.secret, to: .githubOutput) }
    }

    /// What `path` is, without following a final symbolic link.
    static func kind(_ path: String) -> mode_t? {
        var status = stat()
        return lstat(path, &status) == 0 ? status.st_mode & S_IFMT : nil
    }

    static func failure(_ delivery: SecretDelivery, _ sink: SecretSink) -> String? {
        do {
            try delivery.deliver(Self.secret, to: sink)
            return nil
        } catch {
            return error.description
        }
    }

    /// A symbolic link planted at a file or env-file sink would send the password wherever it points.
    @Test(arguments: [SecretSink.file("sp.json"), .envFile("sp.env")])
    func aSymbolicLinkAtTheSinkIsRefused(_ sink: SecretSink) throws {
        let directory = try temporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let victim = directory + "/victim"
        try Data("untouched".utf8).write(to: URL(fileURLWithPath: victim))
        let path = directory + "/" + (sink.path ?? "")
        try FileManager.default.createSymbolicLink(atPath: path, withDestinationPath: victim)
        let delivery = SecretDelivery(
            baseDirectory: directory, cloud: .azureCloud, environment: [:], workflowCommands: { _ in })
        let message = try #require(Self.failure(delivery, sink))
        #expect(message.contains("is a symbolic link"), "\(message)")
        #expect(!message.contains(Self.secret.clientSecret))
        #expect(Self.kind(path) == S_IFLNK)
        #expect(try String(contentsOfFile: victim, encoding: .utf8) == "untouched")
    }

    /// The old temporary file was `<sink>.tmp-<pid>`, opened without O_EXCL|O_NOFOLLOW.
    @Test func aSymbolicLinkAtThePredictableTemporaryNameReceivesNothing() throws {
        let directory = try temporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let victim = directory + "/victim"
        try Data("untouched".utf8).write(to: URL(fileURLWithPath: victim))
        try FileManager.default.createSymbolicLink(
            atPath: directory + "/sp.json.tmp-\(getpid())", withDestinationPath: victim)
        let delivery = SecretDelivery(
            baseDirectory: directory, cloud: .azureCloud, environment: [:], workflowCommands: { _ in })
        try delivery.deliver(Self.secret, to: .file("sp.json"))
        #expect(try String(contentsOfFile: victim, encoding: .utf8) == "untouched")
        #expect(Self.kind(directory + "/sp.json") == S_IFREG)
        #expect(delivery.deliveredKeyID(.file("sp.json")) == "key-7")
    }

    /// A FIFO, a device or a directory at a sink path is refused, and stays what it was.
    @Test func aSinkThatIsNotARegularFileIsRefused() throws {
        let directory = try temporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let delivery = SecretDelivery(
            baseDirectory: directory, cloud: .azureCloud, environment: [:], workflowCommands: { _ in })
        #expect(mkfifo(directory + "/fifo.json", 0o600) == 0)
        let fifo = try #require(Self.failure(delivery, .file("fifo.json")))
        #expect(fifo.contains("is a FIFO"), "\(fifo)")
        #expect(Self.kind(directory + "/fifo.json") == S_IFIFO)
        #expect(mknod(directory + "/null.env", S_IFCHR | 0o666, 0x103) == 0, "a private /dev/null (1, 3)")
        let device = try #require(Self.failure(delivery, .envFile("null.env")))
        #expect(device.contains("is a character device"), "\(device)")
        #expect(Self.kind(directory + "/null.env") == S_IFCHR)
        try FileManager.default.createDirectory(atPath: directory + "/dir.json", withIntermediateDirectories: false)
        let folder = try #require(Self.failure(delivery, .file("dir.json")))
        #expect(folder.contains("is a directory"), "\(folder)")
        #expect(
            try FileManager.default.contentsOfDirectory(atPath: directory).sorted() == [
                "dir.json", "fifo.json", "null.env",
            ], "no temporary file left")
    }

    /// Anyone who can write the sink's directory can swap the file between amlauth's checks and its
    /// rename, or read a name they planted: such a directory is refused unless it is sticky and yours.
    @Test func aSinkInADirectoryOthersMayWriteIsRefused() throws {
        let directory = try temporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let delivery = SecretDelivery(
            baseDirectory: directory, cloud: .azureCloud, environment: [:], workflowCommands: { _ in })
        for (name, mode, owner) in [
            ("world", 0o777, getuid()), ("group", 0o770, getuid()), ("sticky-theirs", 0o1777, 4242),
            ("mine", 0o700, getuid()), ("sticky-mine", 0o1777, getuid()),
        ] as [(String, mode_t, uid_t)] {
            let path = directory + "/" + name
            try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: false)
            #expect(chmod(path, mode) == 0 && chown(path, owner, getgid()) == 0)
        }
        let world = try #require(Self.failure(delivery, .file("world/sp.json")))
        #expect(world.contains("writable by group or others"), "\(world)")
        #expect(world.contains("world"))
        let group = try #require(Self.failure(delivery, .envFile("group/sp.env")))
        #expect(group.contains("writable by group or others"), "\(group)")
        let theirs = try #require(Self.failure(delivery, .file("sticky-theirs/sp.json")))
        #expect(theirs.contains("owned by uid 4242"), "\(theirs)")
        for name in ["world", "group", "sticky-theirs"] {
            #expect(
                try FileManager.default.contentsOfDirectory(atPath: directory + "/" + name) == [],
                "nothing written in \(name)")
        }
        try delivery.deliver(Self.secret, to: .file("mine/sp.json"))
        try delivery.deliver(Self.secret, to: .envFile("sticky-mine/sp.env"))
        #expect(delivery.deliveredKeyID(.envFile("sticky-mine/sp.env")) == "key-7")
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
