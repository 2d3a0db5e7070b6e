import AMLAuthCore
import Foundation
import LocalCloud
import TestSupport
import Testing
import WireFormat

/// Applies racing each other (two pipelines on one Target) and applies interrupted by a signal,
/// through the binary against the local cloud.
@Suite(.serialized)
struct ConcurrencyTests {
    static func temporaryDirectory(_ name: String) throws -> String {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent(
            "amlauth-\(name)-\(UUID().uuidString)"
        ).path
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        return directory
    }

    /// `count` principals with a password each, a role assignment each, and `count` ACI services;
    /// `cloud` is the Target's spec (`cloud: local`, or a cloud file with tenant and subscription).
    static func manifests(target: String, cloud: String, count: Int) -> String {
        var text =
            "apiVersion: amlauth/v1\nkind: Target\nmetadata: {name: \(target)}\nspec: {\(cloud)}\n---\napiVersion: amlauth/v1\nkind: Workspace\nmetadata: {name: ml-example}\nspec: {resource_group: ml-rg}\n"
        for index in 0..<count {
            text +=
                "---\napiVersion: amlauth/v1\nkind: ServicePrincipal\nmetadata: {name: sp-\(index)}\nspec:\n  credentials:\n    - {name: ci, type: password, lifetime: 30d, deliver_to: \"file:.secrets/sp-\(index).json\"}\n"
            text +=
                "---\napiVersion: amlauth/v1\nkind: RoleAssignment\nmetadata: {name: ra-\(index)}\nspec: {principal: {service_principal: sp-\(index)}, role: Reader, scope: {workspace: ml-example}}\n"
            text +=
                "---\napiVersion: amlauth/v1\nkind: Webservice\nmetadata: {name: svc-\(index)}\nspec: {workspace: ml-example, compute_type: ACI, auth_enabled: true, models: [m:1], entry_script: \(Paths.packageRoot)/examples/quickstart/score.py, environment: sklearn-env:2}\n"
        }
        return text
    }

    /// `amlauth local-cloud serve` in its own process, every answer `latency` late: nothing in the
    /// test process has to answer while a test waits for a child process.
    final class SlowCloud {
        let server: BackgroundCommand
        let data: String
        /// The environment that logs in as its bootstrap owner.
        let environment: [String: String]
        /// The Target spec that points at it (`cloud: cloud.json` with tenant and subscription).
        let spec: String

        init(latency: String, cloudFileIn directory: String) throws {
            data = directory + "/cloud-data"
            server = try BackgroundCommand(["local-cloud", "serve", "--data", data, "--faults", "latency=\(latency)"])
            #expect(server.waitFor { out, _ in out.hasSuffix("}\n") || out.hasSuffix("}") }, "the cloud started")
            let file = server.output.stdout
            try file.write(toFile: directory + "/cloud.json", atomically: true, encoding: .utf8)
            let json = try JSONParser.parse(file)
            let tenant = json["tenantId"]?.stringValue ?? ""
            environment = [
                "AZURE_TENANT_ID": tenant, "AZURE_CLIENT_ID": json["bootstrap"]?["clientId"]?.stringValue ?? "",
                "AZURE_CLIENT_SECRET": json["bootstrap"]?["clientSecret"]?.stringValue ?? "",
            ]
            spec =
                "cloud: cloud.json, tenant_id: \(tenant), subscription_id: \(json["subscriptionId"]?.stringValue ?? "")"
        }

        /// What the cloud holds now (it saves every change before answering).
        func state() throws -> CloudState {
            try JSONDecoder().decode(
                CloudState.self, from: Data(contentsOf: URL(fileURLWithPath: data + "/state.json")))
        }

        func stop() {
            server.send(SIGTERM)
            _ = server.wait()
        }
    }

    static func applications(_ state: CloudState, tag: String) -> [ApplicationRecord] {
        state.applications.filter { $0.tags.contains(tag) }
    }

    static func leases(_ state: CloudState) -> [ApplicationRecord] {
        state.applications.filter { $0.uniqueName?.hasPrefix("amlauth-lease-") == true }
    }

    /// Two applies of one Target at once, each with the local cloud in its own process over one
    /// data directory: one application per principal, every write kept, and the lease gone after.
    @Test func twoConcurrentAppliesMakeOneOfEach() throws {
        let directory = try Self.temporaryDirectory("race")
        defer { try? FileManager.default.removeItem(atPath: directory) }
        try Self.manifests(target: "race", cloud: "cloud: local", count: 3).write(
            toFile: directory + "/race.yaml", atomically: true, encoding: .utf8)
        let first = try BackgroundCommand(["apply", directory, "--auto-approve"])
        let second = try BackgroundCommand(["apply", directory, "--auto-approve"])
        let results = [first.wait(), second.wait()]
        for result in results { #expect(result.status == 0, "\(result.stdout.suffix(600))\(result.stderr)") }
        #expect(
            results.filter { $0.stdout.contains("Apply complete: 9 added") }.count == 1,
            "one apply made everything; the other waited for its lease and found nothing to do")

        let state = try JSONDecoder().decode(
            CloudState.self,
            from: Data(contentsOf: URL(fileURLWithPath: directory + "/.amlauth/local-cloud/state.json")))
        for index in 0..<3 {
            let applications = Self.applications(state, tag: "amlauth:race/sp-\(index)")
            #expect(applications.count == 1, "sp-\(index): exactly one application")
            #expect(applications.first?.passwordCredentials.count == 1, "sp-\(index): one password")
            #expect(state.servicePrincipals.filter { $0.appID == applications.first?.appID }.count == 1)
        }
        #expect(
            state.roleAssignments.filter { $0.description?.hasPrefix("managed by amlauth: race/") == true }.count == 3)
        #expect(state.services.count == 3)
        #expect(Self.leases(state).isEmpty, "the lease was released")
        #expect(try CommandRunner.amlauth(["plan", directory, "--detailed-exitcode"]).status == 0)
    }

    /// While one apply holds the Target's lease, a second waits at most --lock-timeout and then
    /// refuses, naming the holder; nothing of its own is changed.
    @Test func aSecondApplyWaitsThenNamesTheHolder() throws {
        let directory = try Self.temporaryDirectory("lease")
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let cloud = try SlowCloud(latency: "100ms", cloudFileIn: directory)
        defer { cloud.stop() }
        let (environment, spec) = (cloud.environment, cloud.spec)
        try Self.manifests(target: "lease", cloud: spec, count: 3).write(
            toFile: directory + "/lease.yaml", atomically: true, encoding: .utf8)
        let holder = try BackgroundCommand(
            ["apply", directory, "--auto-approve", "--parallelism", "1"], environment: environment)
        #expect(holder.waitFor { out, _ in out.contains("…") }, "the first apply started changing things")
        let started = Date()
        let waiting = try CommandRunner.amlauth(
            ["apply", directory, "--auto-approve", "--lock-timeout", "1"], environment: environment)
        #expect(waiting.status == 1)
        #expect(Date().timeIntervalSince(started) >= 1, "it waited for the lease")
        #expect(waiting.stderr.contains("another apply of target 'lease' holds the lease"), "\(waiting.stderr)")
        #expect(waiting.stderr.contains("pid \(holder.processIdentifier)"), "it names the holder")
        #expect(waiting.stderr.contains("nothing was changed"))
        #expect(!waiting.stdout.contains("creating"), "it never planned against the half-applied state")
        let first = holder.wait()
        #expect(first.status == 0, "\(first.stdout.suffix(600))\(first.stderr)")
        let state = try cloud.state()
        for index in 0..<3 { #expect(Self.applications(state, tag: "amlauth:lease/sp-\(index)").count == 1) }
        #expect(Self.leases(state).isEmpty)
    }

    /// SIGINT or SIGTERM mid-apply: a message at once, the changes in flight finish, none starts
    /// after, a report of what was done, exit 130 or 143; every password that exists was
    /// delivered, and the next apply converges.
    @Test(arguments: [SIGINT, SIGTERM])
    func aSignalStopsBetweenChanges(signal: Int32) throws {
        let directory = try Self.temporaryDirectory("signal")
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let cloud = try SlowCloud(latency: "100ms", cloudFileIn: directory)
        defer { cloud.stop() }
        let (environment, spec) = (cloud.environment, cloud.spec)
        try Self.manifests(target: "sig", cloud: spec, count: 3).write(
            toFile: directory + "/sig.yaml", atomically: true, encoding: .utf8)
        let apply = try BackgroundCommand(
            ["apply", directory, "--auto-approve", "--parallelism", "1"], environment: environment)
        #expect(apply.waitFor { out, _ in out.contains("ServicePrincipal/sp-0: creating…") })
        apply.send(signal)
        let result = apply.wait()
        let name = signal == SIGINT ? "SIGINT" : "SIGTERM"
        #expect(result.status == 128 + signal, "\(result.stdout.suffix(800))\(result.stderr)")
        #expect(result.stderr.contains("\(name) received: starting no more changes"))
        #expect(result.stderr.contains("stopped by \(name):"))
        #expect(result.stdout.contains("ServicePrincipal/sp-0: created in "), "the change in flight finished")
        #expect(result.stdout.contains("not started (apply was interrupted)"))
        #expect(result.stdout.contains("Apply interrupted: "))

        // No password exists that its sink does not hold; no half change; the lease is gone.
        let state = try cloud.state()
        for index in 0..<3 {
            for application in Self.applications(state, tag: "amlauth:sig/sp-\(index)") {
                #expect(state.servicePrincipals.contains { $0.appID == application.appID }, "sp-\(index): whole")
                for password in application.passwordCredentials {
                    let sink = try JSONParser.parse(
                        try String(contentsOfFile: directory + "/.secrets/sp-\(index).json", encoding: .utf8))
                    #expect(sink["amlauthKeyId"]?.stringValue == password.keyID, "sp-\(index): delivered")
                }
            }
        }
        #expect(Self.leases(state).isEmpty, "the lease was released")
        let replan = try CommandRunner.amlauth(["plan", directory, "--detailed-exitcode"], environment: environment)
        #expect(replan.status == 2, "what was not started is still planned: \(replan.stdout)\(replan.stderr)")
        #expect(!replan.stdout.contains("Cannot be applied"))
        #expect(!replan.stdout.contains("+ ServicePrincipal/sp-0"), "the finished change is not planned again")
        let resumed = try CommandRunner.amlauth(["apply", directory, "--auto-approve"], environment: environment)
        #expect(resumed.status == 0, "\(resumed.stderr)")
        #expect(
            try CommandRunner.amlauth(["plan", directory, "--detailed-exitcode"], environment: environment).status == 0)
    }

    /// A second signal does not wait for the changes in flight: apply exits at once.
    @Test func aSecondSignalExitsAtOnce() throws {
        let directory = try Self.temporaryDirectory("signal-twice")
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let cloud = try SlowCloud(latency: "500ms", cloudFileIn: directory)
        defer { cloud.stop() }
        let (environment, spec) = (cloud.environment, cloud.spec)
        try Self.manifests(target: "twice", cloud: spec, count: 1).write(
            toFile: directory + "/twice.yaml", atomically: true, encoding: .utf8)
        let apply = try BackgroundCommand(
            ["apply", directory, "--auto-approve", "--parallelism", "1"], environment: environment)
        #expect(apply.waitFor { out, _ in out.contains("ServicePrincipal/sp-0: creating…") })
        apply.send(SIGINT)
        #expect(apply.waitFor { _, err in err.contains("SIGINT received") })
        apply.send(SIGINT)
        let result = apply.wait()
        #expect(result.status == 130)
        #expect(result.stderr.contains("SIGINT again: exiting now"))
        #expect(!result.stdout.contains("ServicePrincipal/sp-0: created"), "it did not wait for the change in flight")
    }
}
