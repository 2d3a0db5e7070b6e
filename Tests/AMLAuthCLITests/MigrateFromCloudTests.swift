import AMLAuthCore
import AzureProvider
import Foundation
import HTTPClient
import LocalCloud
import LocalCloudServer
import TestSupport
import Testing
import WireFormat

/// `amlauth migrate --from-cloud --keep-keys` through the binary and the local cloud: the
/// workspace's live v1 services (two applied by amlauth, one made by hand with hostile values, one
/// whose entry script holds `${`) become endpoint manifests that validate and plan beside the old
/// services; apply copies the v1 keys into the endpoints without showing them anywhere, a v1 key
/// then scores against its v2 endpoint, and the next plan is clean.
@Suite(.serialized)
struct MigrateFromCloudTests {
    /// The local cloud of `directory`, run in this process as its bootstrap owner.
    struct Cloud {
        var machineLearning: MachineLearningClient
        var transport: CurlTransport
        var base: String
        var workspaceID: AzureResourceID
        var modelManagement: String
    }

    static func with<T>(_ directory: String, _ body: (Cloud) async throws -> T) async throws -> T {
        try await LocalCloudAdmin.with(directory) { admin in
            let workspaceID = try #require(AzureResourceID(PlannerWorkspace.id(admin.subscriptionID)))
            return try await body(
                Cloud(
                    machineLearning: admin.machineLearning, transport: admin.transport, base: admin.base,
                    workspaceID: workspaceID,
                    modelManagement: try await admin.machineLearning.modelManagementBase(workspaceID: workspaceID)))
        }
    }

    static let hostileScript = "score.py\"\n---\napiVersion: amlauth/v1\nkind: Target\u{1B}[2J"

    @Test func liveServicesMigrateKeepTheirKeysAndScore() async throws {
        let directory = try WhoamiCommandTests.quickstart()
        defer { try? FileManager.default.removeItem(atPath: directory) }
        #expect(try CommandRunner.amlauth(["apply", directory, "--auto-approve"]).status == 0)
        // Made by hand: a key-auth service with hostile values, and one import would not write.
        let v1Keys = try await Self.with(directory) { cloud in
            for (name, script) in [("legacy-oob", Self.hostileScript), ("legacy-env", "score-${HOME}.py")] {
                try await cloud.machineLearning.createService(
                    base: cloud.modelManagement,
                    ServiceDefinition(
                        workspace: cloud.workspaceID, name: name, computeType: .aci, computeTarget: nil,
                        authEnabled: true, tokenAuthEnabled: false, cpuCores: 0.5, memoryGB: 1,
                        kvTags: ["team\"\n---\nkind": "x\n# y"], models: [VersionedName(parsing: "sklearn-mnist:3")!],
                        entryScript: script, environment: VersionedName(parsing: "sklearn-env:2")!,
                        description: "made by hand\n---\nkind: Target",
                        entryScriptFile: .of(Array("def run(data): return data\n".utf8))))
            }
            var keys: [String: (primary: String, secondary: String)] = [:]
            for name in ["legacy-oob", "aci-service-1"] {
                keys[name] = try await cloud.machineLearning.listKeys(base: cloud.modelManagement, name: name)
            }
            return keys
        }
        let secrets = v1Keys.values.flatMap { [$0.primary, $0.secondary] }

        let migrate = try CommandRunner.amlauth([
            "migrate", directory, "--from-cloud", "--workspace", "ml-example", "--keep-keys",
        ])
        #expect(migrate.status == 0, "\(migrate.stderr)")
        #expect(migrate.stderr.contains("wrote 3 online endpoint(s)"), "\(migrate.stderr)")
        #expect(migrate.stderr.contains("not migrated: Webservice/legacy-env"), "\(migrate.stderr)")
        #expect(!migrate.stderr.contains("\u{1B}") && !migrate.stderr.contains("\n---\n"), "\(migrate.stderr)")
        let yaml = try String(contentsOfFile: directory + "/online-endpoints.yaml", encoding: .utf8)
        #expect(yaml.components(separatedBy: "kind: OnlineEndpoint\n").count == 4, "\(yaml)")
        #expect(!yaml.contains("kind: Target") && !yaml.contains("legacy-env"), "\(yaml)")
        #expect(yaml.contains("keys_from: {webservice: \"aci-service-1\"}"))
        #expect(yaml.contains("keys_from: {webservice: \"legacy-oob\"}"))
        #expect(!yaml.contains("keys_from: {webservice: \"aks-service-1\"}"), "token auth has no keys")

        let validated = try CommandRunner.amlauth(["validate", directory])
        #expect(validated.status == 0, "\(validated.stdout)\(validated.stderr)")
        let planFile = directory + "/plan.json"
        let plan = try CommandRunner.amlauth(["plan", directory, "-o", planFile])
        #expect(plan.status == 0, "\(plan.stdout)\(plan.stderr)")
        for line in [
            "+ OnlineEndpoint/legacy-oob", "+ OnlineEndpoint/aci-service-1", "OnlineEndpoint/legacy-oob/keys",
            "copied from webservice 'legacy-oob'", "copied from webservice 'aci-service-1'",
        ] {
            #expect(plan.stdout.contains(line), "\(line) in:\n\(plan.stdout)")
        }
        #expect(!plan.stdout.contains("Webservice/"), "the v1 services stay as they are")
        let json = try CommandRunner.amlauth(["plan", directory, "--json"])
        let saved = try String(contentsOfFile: planFile, encoding: .utf8)
        for secret in secrets {
            for text in [plan.stdout, plan.stderr, json.stdout, saved, migrate.stderr, yaml] {
                #expect(!text.contains(secret), "a v1 key appears in the output")
            }
        }

        let apply = try CommandRunner.amlauth(["apply", planFile])
        #expect(apply.status == 0, "\(apply.stdout)\(apply.stderr)")
        for secret in secrets { #expect(!apply.stdout.contains(secret) && !apply.stderr.contains(secret)) }
        let clean = try CommandRunner.amlauth(["plan", directory, "--detailed-exitcode"])
        #expect(clean.status == 0, "\(clean.stdout)\(clean.stderr)")

        // Callers holding a v1 key score against the v2 endpoint.
        let output = try JSONParser.parse(try CommandRunner.amlauth(["output", directory, "--json"]).stdout)
        let endpoints = output["onlineEndpoints"]?.arrayValue ?? []
        try await Self.with(directory) { cloud in
            for (name, keys) in v1Keys {
                let uri = try #require(endpoints.first { $0["name"]?.stringValue == name }?["scoringUri"]?.stringValue)
                let scoring = cloud.base + uri[try #require(uri.range(of: "/inference/")).lowerBound...]
                for (key, expected) in [(keys.primary, 200), (keys.secondary, 200), ("not-a-key", 401)] {
                    let scored = try await cloud.transport.send(
                        HTTPRequest(
                            method: "POST", url: scoring,
                            headers: [("Authorization", "Bearer " + key), ("Content-Type", "application/json")],
                            body: Array(#"{"data": [[0, 1]]}"#.utf8)))
                    #expect(scored.status == expected, "\(name): \(String(decoding: scored.body, as: UTF8.self))")
                }
            }
        }
    }

    @Test func keysFromNeedsKeyAuthAndAValidName() throws {
        for (name, code) in [("keys-from-auth-mode", "AMLA414"), ("keys-from-without-key-auth", "AMLA415")] {
            let validated = try CommandRunner.amlauth(["validate", Paths.fixtures + "/invalid/" + name])
            #expect(validated.status == 1)
            #expect(validated.stdout.contains("error[\(code)]") || validated.stderr.contains("error[\(code)]"))
        }
    }
}

/// The worked example is what `amlauth migrate --keep-keys` writes for its v1 services.
struct MigrateExampleTests {
    @Test func theExampleIsWhatMigrateWrites() throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent(
            "amlauth-migrate-example-\(UUID().uuidString)"
        ).path
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: directory) }
        for file in ["amlauth.yaml", "webservices.yaml", "score.py"] {
            try FileManager.default.copyItem(
                atPath: Paths.packageRoot + "/examples/migrate-v1-to-v2/" + file, toPath: directory + "/" + file)
        }
        let migrate = try CommandRunner.amlauth(["migrate", directory, "--keep-keys"])
        #expect(migrate.status == 0, "\(migrate.stderr)")
        let written = try String(contentsOfFile: directory + "/online-endpoints.yaml", encoding: .utf8)
        #expect(written == (try Paths.read("examples/migrate-v1-to-v2/online-endpoints.yaml")))
        #expect(written.contains("keys_from: {webservice: \"aci-service-1\"}"))
    }
}
