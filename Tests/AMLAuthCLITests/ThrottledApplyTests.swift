import AMLAuthCore
import Foundation
import HTTPClient
import TestSupport
import Testing
import WireFormat

/// `amlauth apply` against a local cloud that enforces ARM's write bucket, through the binary.
struct ThrottledApplyTests {
    /// 10 groups × 4 roles = 40 role assignments against a bucket of 5 writes refilled at 20/s
    /// (`local-cloud serve --faults arm-writes=5/20`): the apply converges without one 429,
    /// and no faster than the bucket allows, (40 - 5) / 20 = 1.75 s of writes.
    @Test func applyConvergesWithoutA429() async throws {
        let directory = try ConcurrencyTests.temporaryDirectory("throttle")
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let groups = (0..<10).map { _ in UUID().uuidString.lowercased() }
        let seed =
            "principals:\n"
            + groups.enumerated().map { "  - {type: Group, display_name: g\($0.offset), object_id: \($0.element)}\n" }
            .joined()
        try seed.write(toFile: directory + "/seed.yaml", atomically: true, encoding: .utf8)
        let server = try BackgroundCommand([
            "local-cloud", "serve", "--data", directory + "/cloud-data", "--seed", directory + "/seed.yaml",
            "--faults", "arm-writes=5/20",
        ])
        defer {
            server.send(SIGTERM)
            _ = server.wait()
        }
        #expect(server.waitFor { out, _ in out.hasSuffix("}\n") || out.hasSuffix("}") }, "the cloud started")
        let file = server.output.stdout
        try file.write(toFile: directory + "/cloud.json", atomically: true, encoding: .utf8)
        let json = try JSONParser.parse(file)
        #expect(json["resourceManagerLimits"]?["writes"]?["bucket"]?.numberValue == 5, "the cloud file says its limits")
        let environment = [
            "AZURE_TENANT_ID": json["tenantId"]?.stringValue ?? "",
            "AZURE_CLIENT_ID": json["bootstrap"]?["clientId"]?.stringValue ?? "",
            "AZURE_CLIENT_SECRET": json["bootstrap"]?["clientSecret"]?.stringValue ?? "",
        ]
        var manifests =
            "apiVersion: amlauth/v1\nkind: Target\nmetadata: {name: throttle}\nspec: {cloud: cloud.json, tenant_id: \(json["tenantId"]?.stringValue ?? ""), subscription_id: \(json["subscriptionId"]?.stringValue ?? "")}\n---\napiVersion: amlauth/v1\nkind: Workspace\nmetadata: {name: ml-example}\nspec: {resource_group: ml-rg}\n"
        for (index, group) in groups.enumerated() {
            for role in ["Reader", "AzureML Data Scientist", "AzureML Compute Operator", "AzureML Registry User"] {
                manifests +=
                    "---\napiVersion: amlauth/v1\nkind: RoleAssignment\nmetadata: {name: ra-\(index)-\(role.split(separator: " ").joined().lowercased())}\nspec: {principal: {object_id: \(group), type: Group}, role: \(role), scope: {workspace: ml-example}}\n"
            }
        }
        try manifests.write(toFile: directory + "/throttle.yaml", atomically: true, encoding: .utf8)

        let started = Date()
        let applied = try CommandRunner.amlauth(
            ["apply", directory, "--auto-approve", "--parallelism", "16"], environment: environment)
        let seconds = Date().timeIntervalSince(started)
        #expect(applied.status == 0, "\(applied.stdout.suffix(800))\(applied.stderr)")
        #expect(applied.stdout.contains("Apply complete: 40 added"), "\(applied.stdout.suffix(400))")
        #expect(seconds >= 1.75, "the cloud held amlauth to its bucket (\(seconds) s)")

        let transport = try CurlTransport(
            configuration: .init(extraCABundle: json["caCertificate"]?.stringValue))
        let response = try await transport.send(
            HTTPRequest(method: "GET", url: json["endpoints"]?["counters"]?.stringValue ?? "", headers: [], body: []))
        let counters = try JSONParser.parse(response.body)
        var throttled = 0
        var created = 0
        for (route, statuses) in counters["routes"]?.objectValue ?? [] {
            throttled += Int(statuses["429"]?.numberValue ?? 0)
            if route.hasPrefix("PUT"), route.contains("roleAssignments") {
                created += Int(statuses["201"]?.numberValue ?? 0)
            }
        }
        #expect(created == 40)
        #expect(throttled == 0, "amlauth paced itself below ARM's bucket: \(counters.compact())")

        let again = try CommandRunner.amlauth(["plan", directory, "--detailed-exitcode"], environment: environment)
        #expect(again.status == 0, "converged: \(again.stdout.suffix(400))")
    }
}
