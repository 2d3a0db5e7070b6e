public import AMLAuthCore

/// Runs changes in dependency order with bounded parallelism, as Terraform's `dag/walk.go` does:
/// a change starts once every change it depends on has been applied; one whose dependency failed
/// or was skipped is skipped, naming the root cause once; independent branches go on. Deletions
/// start only after every other change has ended (they destroy what the others may still need).
/// It knows no resource kind: the plan's `dependsOn` is the graph.
public enum DAGWalk {
    /// Walks `changes` and returns each one's outcome, in the order given. `body` applies one change;
    /// `skipped` hears of each change skipped without running.
    /// Once `stop` answers true (apply was interrupted), no further change starts: those running
    /// finish, every other one ends `.interrupted`.
    public static func run(
        _ changes: [Change], parallelism: Int, skipped: @Sendable (Change, ChangeOutcome) -> Void = { _, _ in },
        stop: @Sendable () -> Bool = { false }, _ body: @escaping @Sendable (Change) async -> ChangeOutcome
    ) async -> [ChangeOutcome] {
        let limit = max(1, parallelism)
        var indicesByAddress: [ResourceAddress: [Int]] = [:]
        for (index, change) in changes.enumerated() { indicesByAddress[change.address, default: []].append(index) }
        // Dependencies outside the walk (a workspace, a no-op) are already satisfied.
        let dependencies: [[Int]] = changes.enumerated().map { index, change in
            change.dependsOn.flatMap { indicesByAddress[$0] ?? [] }.filter { $0 != index }
        }
        let isDeletion = changes.map { $0.action == .delete }
        var outcomes: [ChangeOutcome?] = Array(repeating: nil, count: changes.count)
        var running: Set<Int> = []
        var nonDeletionsLeft = isDeletion.filter { !$0 }.count

        func finish(_ index: Int, _ outcome: ChangeOutcome) {
            outcomes[index] = outcome
            if !isDeletion[index] { nonDeletionsLeft -= 1 }
        }

        /// The root cause that blocks `index`, if a dependency ended without being applied.
        func blocker(_ index: Int) -> ResourceAddress? {
            for dependency in dependencies[index] {
                switch outcomes[dependency] {
                case .failed?: return changes[dependency].address
                case .skipped(let root)?: return root
                case .applied?, .interrupted?, nil: continue
                }
            }
            return nil
        }

        return await withTaskGroup(of: (Int, ChangeOutcome).self) { group in
            while true {
                if stop() {
                    for index in changes.indices where outcomes[index] == nil && !running.contains(index) {
                        finish(index, .interrupted)
                        skipped(changes[index], .interrupted)
                    }
                }
                // Skip what can no longer run, until nothing more is skipped (skips cascade).
                var cascaded = true
                while cascaded {
                    cascaded = false
                    for index in changes.indices where outcomes[index] == nil && !running.contains(index) {
                        guard let root = blocker(index) else { continue }
                        let outcome = ChangeOutcome.skipped(because: root)
                        finish(index, outcome)
                        skipped(changes[index], outcome)
                        cascaded = true
                    }
                }
                for index in changes.indices
                where running.count < limit && outcomes[index] == nil && !running.contains(index) {
                    guard dependencies[index].allSatisfy({ outcomes[$0] != nil }),
                        !isDeletion[index] || nonDeletionsLeft == 0
                    else { continue }
                    running.insert(index)
                    let change = changes[index]
                    group.addTask { (index, await body(change)) }
                }
                guard let (index, outcome) = await group.next() else { break }
                running.remove(index)
                finish(index, outcome)
            }
            // Whatever is left waits on itself: a cycle the planner should never make. Loudly.
            for index in changes.indices where outcomes[index] == nil {
                outcomes[index] = .failed(
                    ApplyFailure("\(changes[index].address) is part of a dependency cycle and was not applied"))
            }
            return outcomes.map { $0 ?? .failed(ApplyFailure("not applied")) }
        }
    }
}
