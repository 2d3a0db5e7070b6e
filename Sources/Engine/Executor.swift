public import AMLAuthCore
import AzureProvider
import Foundation
import Synchronization

/// How one change ended.
public enum ChangeOutcome: Sendable, Equatable {
    case applied
    case failed(String)
    /// Not attempted because a change it depends on failed.
    case skipped(because: ResourceAddress)
}

/// Progress hooks, for one line per change and a final report.
public protocol ApplyObserver: Sendable {
    func started(_ change: Change)
    func finished(_ change: Change, _ outcome: ChangeOutcome, seconds: Double)
}

/// What an apply did.
public struct ApplyResult: Sendable {
    public var outcomes: [(Change, ChangeOutcome)]

    public init(outcomes: [(Change, ChangeOutcome)]) { self.outcomes = outcomes }

    public var failed: Bool { outcomes.contains { if case .applied = $0.1 { false } else { true } } }

    /// `Apply complete: 3 added, 1 changed, 0 replaced, 0 destroyed, 1 rotated.`
    public var summaryLine: String {
        var counts = (add: 0, change: 0, replace: 0, destroy: 0, rotate: 0)
        for (change, outcome) in outcomes where outcome == .applied {
            switch change.action {
            case .create: counts.add += 1
            case .update, .adopt: counts.change += 1
            case .replace: counts.replace += 1
            case .delete: counts.destroy += 1
            case .rotate: counts.rotate += 1
            case .noOp: break
            }
        }
        let failures = outcomes.filter { if case .failed = $0.1 { true } else { false } }.count
        let skipped = outcomes.filter { if case .skipped = $0.1 { true } else { false } }.count
        let head = failures + skipped == 0 ? "Apply complete" : "Apply failed"
        var line = "\(head): \(counts.add) added, \(counts.change) changed, \(counts.replace) replaced, \(counts.destroy) destroyed, \(counts.rotate) rotated."
        if failures + skipped > 0 { line += " \(failures) failed, \(skipped) skipped." }
        return line
    }
}

/// Walks a plan: service principals first, then role assignments and web services, deletions last
/// and in reverse dependency order; independent changes in parallel (at most `parallelism`); a
/// failed change skips its dependents while independent branches go on.
public struct Executor: Sendable {
    public let operations: Operations
    public var parallelism: Int

    public init(operations: Operations, parallelism: Int = 8) {
        self.operations = operations
        self.parallelism = max(1, parallelism)
    }

    public func apply(_ plan: Plan, desired: DesiredState, live: LiveState, observer: any ApplyObserver) async -> ApplyResult {
        let context = ApplyContext(desired: desired, live: live)
        let effective = plan.effective
        let kindOrder: [ManifestKind] = [.servicePrincipal, .roleAssignment, .webservice]
        var phases: [[Change]] = kindOrder.map { kind in effective.filter { $0.address.kind == kind && $0.action != .delete } }
        // Deletions after everything else, dependents first: assignments, services, principals.
        phases += [ManifestKind.roleAssignment, .webservice, .servicePrincipal].map { kind in effective.filter { $0.address.kind == kind && $0.action == .delete } }
        var outcomes: [(Change, ChangeOutcome)] = []
        for phase in phases where !phase.isEmpty {
            outcomes += await run(phase, context: context, observer: observer)
        }
        return ApplyResult(outcomes: outcomes)
    }

    private func run(_ changes: [Change], context: ApplyContext, observer: any ApplyObserver) async -> [(Change, ChangeOutcome)] {
        await withTaskGroup(of: (Int, Change, ChangeOutcome).self) { group in
            var results: [(Int, Change, ChangeOutcome)] = []
            var next = 0
            func launch() {
                guard next < changes.count else { return }
                let index = next
                let change = changes[index]
                next += 1
                group.addTask {
                    if let blocker = context.failedDependency(of: change) {
                        let outcome = ChangeOutcome.skipped(because: blocker)
                        observer.finished(change, outcome, seconds: 0)
                        context.record(change.address, failed: true)
                        return (index, change, outcome)
                    }
                    observer.started(change)
                    let started = Date()
                    let outcome: ChangeOutcome
                    do {
                        try await operations.apply(change, context: context)
                        outcome = .applied
                    } catch {
                        outcome = .failed("\(error)")
                    }
                    context.record(change.address, failed: outcome != .applied)
                    observer.finished(change, outcome, seconds: Date().timeIntervalSince(started))
                    return (index, change, outcome)
                }
            }
            for _ in 0..<min(parallelism, changes.count) { launch() }
            for await result in group {
                results.append(result)
                launch()
            }
            return results.sorted { $0.0 < $1.0 }.map { ($0.1, $0.2) }
        }
    }
}

/// What changes learn from each other during one apply: which failed, and the object ids of
/// service principals created along the way.
public final class ApplyContext: Sendable {
    public let desired: DesiredState
    public let live: LiveState
    private let state = Mutex<(failed: Set<ResourceAddress>, principals: [ResourceAddress: (appID: String, objectID: String)])>(([], [:]))

    init(desired: DesiredState, live: LiveState) {
        self.desired = desired
        self.live = live
    }

    func record(_ address: ResourceAddress, failed: Bool) {
        if failed { state.withLock { _ = $0.failed.insert(address) } }
    }

    func failedDependency(of change: Change) -> ResourceAddress? {
        state.withLock { state in change.dependsOn.first { state.failed.contains($0) } }
    }

    func remember(principal address: ResourceAddress, appID: String, objectID: String) {
        state.withLock { $0.principals[address] = (appID, objectID) }
    }

    /// The service principal object id of a managed principal: created in this apply, or live.
    func principalObjectID(_ address: ResourceAddress) -> String? {
        if let created = state.withLock({ $0.principals[address] }) { return created.objectID }
        let tag = Markers.resourceTag(desired.target, address.name)
        return live.applications.first { $0.tags.contains(tag) }?.servicePrincipalID
    }
}
