import AMLAuthCore
import AzureProvider
import Engine
import Foundation
import TestSupport
import Testing

/// Add → deliver → record → remove old: recording the delivery is part of the rotation, and when
/// it fails the old password stays and the next plan replaces the new, unrecorded one.
struct DeliveryRecordingTests {
    @Test func aFailedRecordKeepsTheOldPasswordAndTheNextPlanReplacesTheNewOne() async throws {
        let fixture = try await ExecutorTests.Fixture()
        defer { fixture.remove() }
        #expect(!(await fixture.apply(try await fixture.plan().plan)).failed)
        let first = try #require(try await fixture.plan().live.applications.first?.passwords.first)

        // A fresh checkout (no sink on this disk), near expiry: a rotation whose record fails.
        try FileManager.default.removeItem(atPath: fixture.sinks)
        let late = ExecutorTests.now + 70 * 86_400
        let rotation = try await fixture.plan(now: late)
        #expect(rotation.plan.summary.rotate == 1)
        await fixture.cloud.failNext(
            "updateApplication",
            with: AzureError(
                service: .graph, status: 503, code: "ServiceUnavailable", message: "try later", target: "PATCH"))
        let result = await fixture.apply(rotation.plan, now: late)
        let failure = result.outcomes.compactMap { change, outcome -> ApplyFailure? in
            if case .failed(let failure) = outcome, change.address.kind == .servicePrincipal { return failure }
            return nil
        }.first
        #expect(failure?.message.contains("recording the delivery in the cloud failed") == true, "\(result.outcomes)")
        let after = try await fixture.plan(now: late)
        let passwords = try #require(after.live.applications.first?.passwords)
        #expect(passwords.count == 2 && passwords.contains { $0.keyID == first.keyID }, "the old password stays")
        #expect(
            fixture.delivery.deliveredKeyID(.file(".secrets/ml-auth.json")) == passwords.last?.keyID,
            "the new one reached its sink")

        // Without the file (another job), nothing says the new one was delivered: replaced once.
        try FileManager.default.removeItem(atPath: fixture.sinks)
        let replan = try await fixture.plan(now: late)
        #expect(replan.plan.summary.rotate == 1)
        #expect(!(await fixture.apply(replan.plan, now: late)).failed)
        let settled = try await fixture.plan(now: late)
        #expect(settled.live.applications.first?.passwords.count == 1)
        #expect(!settled.plan.hasChanges)
    }
}
