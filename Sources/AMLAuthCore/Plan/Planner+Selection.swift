/// `--only ADDRESS`, as Terraform's `-target`: the plan is limited to the listed resources and
/// what they depend on (a role assignment's service principal, a web service's workspace), so an
/// incident fix can go out without the rest of a half-reviewed change set. Deletions are never
/// pulled in as dependencies: a prune with `--only` deletes only what is listed.
public struct PlanSelection: Sendable, Equatable {
    /// The addresses as given, in order, without repeats.
    public var addresses: [ResourceAddress]
    /// Listed addresses that name nothing: neither a manifest's resource nor anything the plan
    /// would touch (an owned orphan). Plan and apply refuse to run with any.
    public var unknown: [ResourceAddress]
    /// For each unknown address that looks like a typo, the known address it is closest to.
    public var suggestions: [ResourceAddress: String] = [:]
    /// Every address the plan kept: the listed ones and their dependencies.
    public var kept: [ResourceAddress]

    public init(
        addresses: [ResourceAddress], unknown: [ResourceAddress] = [], suggestions: [ResourceAddress: String] = [:],
        kept: [ResourceAddress]
    ) {
        self.addresses = addresses
        self.unknown = unknown
        self.suggestions = suggestions
        self.kept = kept
    }

    /// The warning Terraform's `-target` gives, worded for amlauth.
    public var warning: String {
        let listed = addresses.map(\.description).joined(separator: ", ")
        return
            "warning: --only limits this plan to \(listed) and what they depend on; the plan may be incomplete (other changes the manifests ask for are not shown, and a prune deletes only what is listed). Use it for exceptional cases such as an incident, not routinely."
    }

    /// Why the selection cannot be planned (one line per unknown address), or nil when every
    /// listed address names something.
    public func refusal(target: String) -> String? {
        guard !unknown.isEmpty else { return nil }
        return unknown.map { address in
            "--only \(address): no such resource in the manifests, and target '\(target)' owns none by that address"
                + (suggestions[address].map { "; did you mean \($0)?" } ?? "")
        }
        .joined(separator: "\n")
    }
}

extension Planner {
    /// Keeps the selected changes and their dependencies (transitively, through `dependsOn`), and
    /// the notes about them; records which listed addresses name nothing. Runs before the
    /// mass-delete guard, so the guard counts what the selection really deletes.
    func select(_ desired: DesiredState, _ draft: inout Draft) -> PlanSelection? {
        guard !options.only.isEmpty else { return nil }
        var listed: [ResourceAddress] = []
        for address in options.only where !listed.contains(address) { listed.append(address) }
        var known = Set(desired.addresses)
        known.formUnion(draft.changes.map(\.address))
        known.formUnion(draft.notes.compactMap(\.address))
        let byAddress = Dictionary(grouping: draft.changes, by: \.address)
        var kept = Set(listed)
        var queue = listed
        while let next = queue.popLast() {
            for change in byAddress[next] ?? [] where change.action != .delete {
                for dependency in change.dependsOn where !kept.contains(dependency) {
                    kept.insert(dependency)
                    queue.append(dependency)
                }
            }
        }
        let explicitly = Set(listed)
        draft.changes = draft.changes.filter {
            kept.contains($0.address) && ($0.action != .delete || explicitly.contains($0.address))
        }
        draft.notes = draft.notes.filter { note in note.address.map(kept.contains) ?? true }
        let unknown = listed.filter { !known.contains($0) }
        var suggestions: [ResourceAddress: String] = [:]
        for address in unknown {
            suggestions[address] = Suggestion.closest(to: address.description, in: known.map(\.description).sorted())
        }
        return PlanSelection(addresses: listed, unknown: unknown, suggestions: suggestions, kept: kept.sorted())
    }
}

extension DesiredState {
    /// Every resource address the manifests declare (workspaces, principals, custom roles,
    /// assignments, services).
    public var addresses: [ResourceAddress] {
        workspaces.map(\.address) + servicePrincipals.map(\.address) + roleDefinitions.map(\.address)
            + roleAssignments.map(\.address) + webservices.map(\.address)
    }
}
