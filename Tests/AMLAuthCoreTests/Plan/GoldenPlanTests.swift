import AMLAuthCore
import Foundation
import Rendering
import TestSupport
import Testing
import WireFormat

/// Every directory under `Tests/Fixtures/plans/` is a scenario: manifests, the live state the cloud
/// holds (`live.json`, a `LiveState` with the plan options), and the expected plan in text, JSON and
/// Markdown. `UPDATE_GOLDENS=1 swift test --filter GoldenPlanTests` rewrites the expectations.
struct GoldenPlanTests {
    static let root = Paths.fixtures + "/plans"
    static let scenarios: [String] = (try? FileManager.default.contentsOfDirectory(atPath: root).sorted()) ?? []

    static func plan(_ scenario: String) throws -> Plan {
        let directory = root + "/" + scenario
        let names = try FileManager.default.contentsOfDirectory(atPath: directory + "/manifests").sorted()
        let files = try names.map { name in
            SourceFile(
                path: "manifests/\(name)",
                bytes: Array(try String(contentsOfFile: directory + "/manifests/" + name, encoding: .utf8).utf8))
        }
        let validated = ManifestValidation(environment: [:]).run(files)
        #expect(!validated.diagnostics.hasErrors, "\(scenario): \(validated.diagnostics.all)")
        let document = try JSONParser.parse(try String(contentsOfFile: directory + "/live.json", encoding: .utf8))
        let options = try #require(document["options"])
        let live = try JSONDecoder().decode(LiveState.self, from: Data(try #require(document["live"]).compact().utf8))
        let subscription = try #require(options["subscription"]?.stringValue.flatMap(GUID.init))
        let desired = DesiredState.resolve(
            validated.manifests, target: try #require(validated.manifests.target?.name), subscriptionID: subscription)
        let planner = Planner(
            options: .init(
                prune: options["prune"]?.boolValue ?? false, adopt: options["adopt"]?.boolValue ?? false,
                now: options["now"]?.numberValue ?? 0))
        return planner.plan(desired, live)
    }

    @Test func thereAreScenarios() { #expect(Self.scenarios.count >= 12) }

    @Test(arguments: scenarios)
    func matchesGoldens(_ scenario: String) throws {
        let plan = try Self.plan(scenario)
        let directory = Self.root + "/" + scenario
        for (file, rendered) in [
            ("plan.txt", PlanRenderer().text(plan)), ("plan.json", PlanRenderer.json(plan)),
            ("plan.md", PlanRenderer().markdown(plan)),
        ] {
            if let failure = Golden.check(rendered, against: directory + "/" + file) {
                Issue.record(Comment(rawValue: failure))
            }
        }
        #expect(PlanRenderer().text(try Self.plan(scenario)) == PlanRenderer().text(plan), "same inputs, same bytes")
        #expect(try PlanDocument.parse(Array(PlanRenderer.json(plan).utf8)).plan == plan, "the JSON round-trips")
    }
}
