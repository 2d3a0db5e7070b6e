/// Compares desired and live state and decides what to do: for every resource an action, the
/// fields a reviewer reads, and the steps apply executes. Pure and synchronous: the clock comes in
/// as `now`, the live state as a value. Each kind's rules live in `Planner+<Kind>.swift`.
public struct Planner: Sendable {
    public struct Options: Sendable {
        public var prune = false
        public var adopt = false
        /// Lets a prune delete more than half of what the Target owns (`Planner+MassDelete`).
        public var allowMassDelete = false
        /// `--only`: limit the plan to these resources and what they depend on (`Planner+Selection`).
        public var only: [ResourceAddress] = []
        /// Seconds since 1970, for password expiry.
        public var now: Double

        public init(
            prune: Bool = false, adopt: Bool = false, allowMassDelete: Bool = false, only: [ResourceAddress] = [],
            now: Double
        ) {
            self.prune = prune
            self.adopt = adopt
            self.allowMassDelete = allowMassDelete
            self.only = only
            self.now = now
        }
    }

    public var options: Options

    public init(options: Options) { self.options = options }

    /// What a plan is built up in, kind by kind.
    struct Draft {
        var changes: [Change] = []
        var notes: [PlanNote] = []
    }

    public func plan(_ desired: DesiredState, _ live: LiveState) -> Plan {
        var draft = Draft()
        let principals = planServicePrincipals(desired, live, &draft)
        let roles = planRoleDefinitions(desired, live, &draft)
        planRoleAssignments(assigningDefinedRoles(desired, roles, &draft), live, principals, &draft)
        planWebservices(desired, live, &draft)
        planOnlineEndpoints(desired, live, &draft)
        draft.notes += live.unreadScopes.map(\.scopeNote)
        orderDeletions(live, &draft.changes)
        let selection = select(desired, &draft)
        guardMassDelete(desired, live, &draft)
        noteOtherTargets(desired, live, &draft)
        draft.changes.sort { ($0.address, $0.action.rawValue) < ($1.address, $1.action.rawValue) }
        var plan = Plan(target: desired.target, changes: draft.changes, notes: draft.notes)
        plan.selection = selection
        return plan
    }

    /// An object amlauth owns that the manifests no longer name: deleted with prune, else a note.
    func orphan(_ address: ResourceAddress, _ what: String, steps: [Step], _ draft: inout Draft) {
        if options.prune {
            draft.changes.append(
                Change(
                    address, .delete, reason: "owned by amlauth but no longer in the manifests (prune)", steps: steps))
        } else {
            draft.notes.append(
                PlanNote(
                    "\(what) is owned by amlauth but no longer in the manifests; it stays until you prune (--prune or prune: true)",
                    address: address))
        }
    }

    /// A principal is deleted only after the deletions of the role assignments that name it, as
    /// Terraform destroys dependents first: the dependency is recorded on the plan, not in the
    /// executor's knowledge of kinds.
    private func orderDeletions(_ live: LiveState, _ changes: inout [Change]) {
        var principalOfApplication: [String: GUID] = [:]
        for application in live.applications {
            if let id = application.servicePrincipalID.flatMap(GUID.init) {
                principalOfApplication[application.objectID] = id
            }
        }
        var assignmentDeletionsByPrincipal: [GUID: [ResourceAddress]] = [:]
        let assignmentsByName = Dictionary(
            live.roleAssignments.map { ($0.name.lowercased(), $0) }, uniquingKeysWith: { first, _ in first })
        for change in changes where change.action == .delete {
            for step in change.steps {
                guard case .deleteRoleAssignment(_, let name) = step,
                    let assignment = assignmentsByName[name.lowercased()]
                else { continue }
                assignmentDeletionsByPrincipal[assignment.key.principal, default: []].append(change.address)
            }
        }
        // A custom role goes after every change that deletes an assignment of it (ARM refuses
        // `RoleDefinitionHasAssignments` before), replacements included.
        var assignmentDeletionsByRole: [GUID: [ResourceAddress]] = [:]
        for change in changes {
            for step in change.steps {
                guard case .deleteRoleAssignment(_, let name) = step,
                    let assignment = assignmentsByName[name.lowercased()]
                else { continue }
                assignmentDeletionsByRole[assignment.key.role, default: []].append(change.address)
            }
        }
        for index in changes.indices where changes[index].action == .delete {
            for step in changes[index].steps {
                guard case .deleteRoleDefinition(let delete) = step else { continue }
                for dependent in assignmentDeletionsByRole[delete.id] ?? []
                where !changes[index].dependsOn.contains(dependent) && dependent != changes[index].address {
                    changes[index].dependsOn.append(dependent)
                }
            }
        }
        for index in changes.indices where changes[index].action == .delete {
            for step in changes[index].steps {
                guard case .deleteApplication(let objectID) = step, let principal = principalOfApplication[objectID]
                else { continue }
                for dependent in assignmentDeletionsByPrincipal[principal] ?? []
                where !changes[index].dependsOn.contains(dependent) {
                    changes[index].dependsOn.append(dependent)
                }
            }
        }
    }

    /// The desired state with each assignment of a RoleDefinition given the GUID the plan decided
    /// for it (an adopted role keeps its own); an assignment of a role not planned yet waits, with
    /// a note.
    private func assigningDefinedRoles(_ desired: DesiredState, _ roles: [String: GUID], _ draft: inout Draft)
        -> DesiredState
    {
        var resolved = desired
        resolved.roleAssignments = desired.roleAssignments.compactMap { assignment in
            guard let definition = assignment.role.definition else { return assignment }
            guard let guid = roles[definition] else {
                draft.notes.append(
                    PlanNote(
                        "waits for RoleDefinition/\(definition), which is not planned yet (see its note)",
                        address: assignment.address))
                return nil
            }
            var changed = assignment
            changed.role.guid = guid
            return changed
        }
        return resolved
    }

    /// Key of `LiveState.deliveredPasswords`.
    public static func deliveryKey(_ address: ResourceAddress, _ credential: String) -> String {
        "\(address)/\(credential)"
    }
}
