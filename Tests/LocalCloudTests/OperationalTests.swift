import AMLAuthCore
import Foundation
import LocalCloud
import Testing
import WireFormat

struct FaultInjectionTests {
    @Test func parsesTheSpec() throws {
        let plan = try FaultPlan(
            parsing: "429=0.2,500=0.05,503=0.1,reset=0.02,latency=20ms,route=roleAssignments,seed=7")
        #expect(plan.throttle == 0.2)
        #expect(plan.serverError == 0.05)
        #expect(plan.unavailable == 0.1)
        #expect(plan.reset == 0.02)
        #expect(plan.latency == 0.02)
        #expect(plan.route == "roleAssignments")
        #expect(plan.seed == 7)
        #expect(throws: FaultPlan.ParseError.self) { try FaultPlan(parsing: "429=2") }
        #expect(throws: FaultPlan.ParseError.self) { try FaultPlan(parsing: "teapot=0.1") }
        #expect(throws: FaultPlan.ParseError.self) { try FaultPlan(parsing: "latency=20") }
    }

    @Test func throttlesWithRetryAfterOnMatchingRoutesOnly() async throws {
        let harness = try Harness.make { $0.faults = try? FaultPlan(parsing: "429=1,route=subscriptions") }
        let token = try await harness.token()  // the token route is not affected
        let throttled = await harness.send("GET", "\(harness.subscription)?api-version=2022-12-01", token: token)
        #expect(throttled.status == 429)
        #expect(throttled.header("Retry-After") == "1")
        #expect(throttled.errorCode == "TooManyRequests")
    }

    @Test func resetsAndErrorsAreDeterministicForASeed() async throws {
        func statuses(seed: Int) async throws -> [Int] {
            let harness = try Harness.make {
                $0.faults = try? FaultPlan(parsing: "500=0.3,503=0.2,reset=0.2,route=discovery,seed=\(seed)")
            }
            var result: [Int] = []
            for _ in 0..<40 { result.append(await harness.send("GET", "/discovery/westeurope").status) }
            return result
        }
        let first = try await statuses(seed: 3)
        #expect(first == (try await statuses(seed: 3)))
        #expect(first != (try await statuses(seed: 4)))
        #expect(Set(first).isSuperset(of: [0, 200, 500, 503]), "status 0 asks the server to drop the connection")
    }
}

struct CounterTests {
    @Test func countsRequestsPerRouteAndStatus() async throws {
        let harness = try Harness.make()
        let token = try await harness.armToken()
        for _ in 0..<3 { _ = await harness.send("GET", "\(harness.subscription)?api-version=2022-12-01", token: token) }
        _ = await harness.send(
            "GET", "\(harness.subscription)/resourceGroups/nope?api-version=2021-04-01", token: token)
        let counters = await harness.send("GET", "/_local/counters")
        let routes = try #require(counters.json?["routes"])
        #expect(routes["GET /subscriptions/{}"]?["200"]?.numberValue == 3)
        #expect(routes["GET /subscriptions/{}/resourceGroups/{}"]?["404"]?.numberValue == 1)
        #expect(routes["POST /{}/oauth2/v2.0/token"]?["200"]?.numberValue == 1)
        #expect(harness.cloud.counters.total(matching: "/subscriptions/") == 4)
        #expect(await harness.send("POST", "/_local/counters/reset").status == 204)
        #expect(harness.cloud.counters.total() == 0)
    }
}

struct PersistenceTests {
    func temporaryDirectory() throws -> String {
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("amlauth-store-\(UUID().uuidString)")
            .path
        try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
        return path
    }

    @Test func changesSurviveARestart() async throws {
        let directory = try temporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let state = try Seed().makeState(now: 1_790_000_000)
        let store = CloudStore(state: state, directory: directory)
        try await store.write {
            $0.directoryObjects.append(DirectoryObjectRecord(id: "abc", type: "Group", displayName: "g"))
        }
        let attributes = try FileManager.default.attributesOfItem(atPath: directory + "/state.json")
        #expect((attributes[.posixPermissions] as? Int) == 0o600)
        let reloaded = try #require(try CloudStore.load(directory: directory))
        #expect(reloaded.directoryObjects.map(\.id) == ["abc"])
        #expect(reloaded.tenantID == state.tenantID)
        #expect(
            Set(try FileManager.default.contentsOfDirectory(atPath: directory)) == ["state.json", "state.lock"],
            "no temporary files left behind (the lock file stays: it is what processes lock)")
    }

    @Test func damagedFileStopsInsteadOfStartingEmpty() throws {
        let directory = try temporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: directory) }
        try "{\"formatVersion\": 1, \"tenantID\": ".write(
            toFile: directory + "/state.json", atomically: true, encoding: .utf8)
        #expect {
            _ = try CloudStore.load(directory: directory)
        } throws: { error in
            "\(error)".contains("is damaged") && "\(error)".contains("Move it away")
        }
        #expect(try CloudStore.load(directory: try temporaryDirectory()) == nil)
    }
}

struct SeedTests {
    @Test func defaultSeed() throws {
        let state = try Seed().makeState(now: 0)
        #expect(state.workspaces.map(\.name) == ["ml-example"])
        #expect(state.resourceGroups.map(\.name) == ["ml-rg"])
        #expect(state.computes.map(\.name) == ["aks-cluster-1"])
        #expect(state.roleAssignments.first?.roleDefinitionID == Roles.builtIn(named: "Owner")?.id)
        #expect(state.roleAssignments.first?.scope == "/subscriptions/\(state.subscriptionID)")
        #expect(state.bootstrapClientSecret.count == 40)
        #expect(
            !String(data: try JSONEncoder().encode(state.applications), encoding: .utf8)!.contains(
                state.bootstrapClientSecret), "only a hash of the password is stored with the application")
    }

    @Test func seedFileAddsWorkspacesComputesAndPrincipals() throws {
        let yaml = """
            location: chinaeast2
            workspaces: [{name: ml-prod, resource_group: prod-rg}]
            computes: [{name: aks-prod, workspace: ml-prod, location: chinanorth3}]
            principals:
              - {type: Group, display_name: data-scientists, object_id: 7f3c2a10-5b1e-4c55-9d2e-0a6b8c9d1e2f, subscription_role: Reader}
            """
        let state = try Seed(yaml: Array(yaml.utf8), file: "seed.yaml").makeState(now: 0)
        #expect(state.workspaces.map(\.name) == ["ml-example", "ml-prod"])
        #expect(state.workspaces.last?.location == "chinaeast2")
        #expect(state.computes.last?.location == "chinanorth3")
        #expect(state.directoryObjects.first?.id == "7f3c2a10-5b1e-4c55-9d2e-0a6b8c9d1e2f")
        // The bootstrap owner's, the seeded sign-in user's and the group's.
        #expect(state.roleAssignments.count == 3)
    }

    @Test func seedErrorsNameTheLine() {
        #expect {
            _ = try Seed(yaml: Array("workspaces:\n  - {name: x}\n".utf8), file: "seed.yaml")
        } throws: { error in
            "\(error)" == "seed.yaml:2:5: missing 'resource_group'"
        }
        #expect {
            _ = try Seed(yaml: Array("regions: []\n".utf8), file: "seed.yaml")
        } throws: { error in
            "\(error)".hasPrefix("seed.yaml:1:1: unknown seed field 'regions'")
        }
    }
}
