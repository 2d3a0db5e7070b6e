/// Role assignments: matched by their (scope, principal, role) key, named deterministically,
/// replaced create-before-delete (ARM cannot update one).
extension Planner {
    func planRoleAssignments(
        _ desired: DesiredState, _ live: LiveState, _ principals: [ResourceAddress: AssigneeReference],
        _ draft: inout Draft
    ) {
        var claimed: Set<String> = []
        // Indexes, so a plan of thousands of assignments stays linear: by key, and by owner.
        var byKey: [RoleAssignmentKey: LiveRoleAssignment] = [:]
        var byOwner: [String: [LiveRoleAssignment]] = [:]
        for assignment in live.roleAssignments {
            if byKey[assignment.key] == nil { byKey[assignment.key] = assignment }
            if let owner = Markers.assignmentOwner(assignment.description), owner.target == desired.target {
                byOwner[owner.name, default: []].append(assignment)
            }
        }
        let unreadScopes = live.unreadScopes.filter { $0.kind == .roleAssignments }
        for assignment in desired.roleAssignments {
            // What could not be read is not decided: a create here could duplicate what exists.
            if let unread = unreadScopes.first(where: { $0.scope.covers(assignment.scope) }) {
                draft.notes.append(unread.note(for: assignment.address))
                continue
            }
            let reference: AssigneeReference?
            let principalType: PrincipalType?
            var dependsOn: [ResourceAddress] = []
            switch assignment.principal {
            case .managed(let address):
                reference = principals[address]
                principalType = .servicePrincipal
                dependsOn = [address]
            case .existing(let id, let type):
                reference = .id(id)
                principalType = type
            }
            // A custom role of the manifests is defined before it is assigned.
            if let definition = assignment.role.definition {
                dependsOn.append(ResourceAddress(.roleDefinition, definition))
            }
            guard let reference else {
                draft.notes.append(
                    PlanNote(
                        "waits for \(Self.principalText(assignment.principal)), which amlauth does not own yet; it is planned once that principal is adopted",
                        address: assignment.address))
                continue
            }
            let key: RoleAssignmentKey? =
                if case .id(let id) = reference {
                    RoleAssignmentKey(scope: assignment.scope, principal: id, role: assignment.role.guid)
                } else { nil }
            let put = RoleAssignmentPut(
                scope: assignment.scope, role: assignment.role.guid, principal: reference, principalType: principalType,
                name: key?.deterministicName.value, description: assignment.description)
            if let key, let matching = byKey[key] {
                claimed.insert(matching.name)
                if Markers.assignmentOwner(matching.description) != nil {
                    draft.changes.append(Change(assignment.address, .noOp, dependsOn: dependsOn))
                } else if options.adopt || assignment.adopt {
                    // Adoption re-PUTs the existing assignment under its own name with amlauth's description.
                    var adopted = put
                    adopted.name = matching.name
                    draft.changes.append(
                        Change(
                            assignment.address, .adopt,
                            reason: "an identical assignment (\(matching.name)) exists without amlauth's marker",
                            fields: [
                                FieldChange(
                                    "description", before: matching.description.map(PlanValue.string),
                                    after: .string(assignment.description))
                            ],
                            steps: [.putRoleAssignment(adopted)], dependsOn: dependsOn))
                } else {
                    draft.notes.append(
                        PlanNote(
                            "an identical role assignment (\(matching.name)) exists but amlauth does not own it; rerun with --adopt (or set adopt: true) to take it over",
                            address: assignment.address))
                }
                continue
            }
            let principalValue: PlanValue =
                key.map { .string(Self.describe($0.principal, assignment.principal, live)) }
                ?? .string(Self.principalText(assignment.principal) + " (known after apply)")
            let nameValue: PlanValue = .string(put.name ?? "(known after apply)")
            let owned = byOwner[assignment.address.name] ?? []
            if let previous = owned.first {
                claimed.formUnion(owned.map(\.name))
                // Only what differs; the scope compares as an ARM ID, not as text.
                var fields: [FieldChange] = []
                if previous.key.role != assignment.role.guid {
                    fields.append(
                        FieldChange(
                            "role", before: .string(Self.roleText(previous.key.role)),
                            after: .string(Self.roleText(assignment.role))))
                }
                if previous.scope != assignment.scope {
                    fields.append(
                        FieldChange(
                            "scope", before: .string(previous.scope.description),
                            after: .string(assignment.scope.description)))
                }
                if key.map({ $0.principal != previous.key.principal }) ?? true {
                    fields.append(
                        FieldChange("principal", before: .string(previous.key.principal.value), after: principalValue))
                }
                if put.name != previous.name {
                    fields.append(FieldChange("name", before: .string(previous.name), after: nameValue))
                }
                // Create before delete: no window without access.
                let deletions: [Step] = owned.filter { $0.name != put.name }.map {
                    .deleteRoleAssignment(scope: $0.scope, name: $0.name)
                }
                draft.changes.append(
                    Change(
                        assignment.address, .replace,
                        reason:
                            "role assignments cannot be updated: the new one is created before the old one is deleted",
                        fields: fields, steps: [.putRoleAssignment(put)] + deletions, dependsOn: dependsOn))
            } else {
                let fields = [
                    FieldChange("role", before: nil, after: .string(Self.roleText(assignment.role))),
                    FieldChange("scope", before: nil, after: .string(assignment.scope.description)),
                    FieldChange("principal", before: nil, after: principalValue),
                    FieldChange("name", before: nil, after: nameValue),
                ]
                draft.changes.append(
                    Change(
                        assignment.address, .create, fields: fields, steps: [.putRoleAssignment(put)],
                        dependsOn: dependsOn))
            }
        }
        if let narrowed = live.narrowedRoleAssignmentRead { draft.notes.append(narrowed.note) }
        let desiredNames = Set(desired.roleAssignments.map(\.address.name))
        var orphans: [String: [LiveRoleAssignment]] = [:]
        for assignment in live.roleAssignments where !claimed.contains(assignment.name) {
            guard let owner = Markers.assignmentOwner(assignment.description), owner.target == desired.target,
                !desiredNames.contains(owner.name)
            else { continue }
            orphans[owner.name, default: []].append(assignment)
        }
        for (name, assignments) in orphans.sorted(by: { $0.key < $1.key }) {
            let what = assignments.map { "role assignment \($0.name) at \($0.scope)" }.joined(separator: ", ")
            orphan(
                ResourceAddress(.roleAssignment, name), what,
                steps: assignments.map { .deleteRoleAssignment(scope: $0.scope, name: $0.name) }, &draft)
        }
    }

    static func principalText(_ principal: PrincipalTarget) -> String {
        switch principal {
        case .managed(let address): address.description
        case .existing(let id, _): id.value
        }
    }

    /// An assignee as a reviewer can check it: `<guid> (Group 'data-scientists')` for an object id
    /// the directory described (the manifest's type when it was not asked), `<guid>
    /// (ServicePrincipal/ml-auth)` for a managed principal.
    static func describe(_ id: GUID, _ principal: PrincipalTarget, _ live: LiveState) -> String {
        switch principal {
        case .managed(let address):
            return "\(id.value) (\(address))"
        case .existing(_, let type):
            if let found = live.directoryObjects[id.value] {
                // The name is the directory's text: no control characters reach the plan.
                let name = found.displayName.map {
                    String(
                        String.UnicodeScalarView($0.unicodeScalars.filter { $0.properties.generalCategory != .control })
                    )
                }
                return "\(id.value) (\(found.type)" + (name.map { " '\($0)'" } ?? "") + ")"
            }
            return type.map { "\(id.value) (\($0.rawValue))" } ?? id.value
        }
    }

    /// `RoleDefinition/token-reader (…)` for a role of the manifests, else as `roleText(_: GUID)`.
    static func roleText(_ role: RoleReference) -> String {
        role.definition.map { "RoleDefinition/\($0) (\(role.guid))" } ?? roleText(role.guid)
    }

    /// `Reader (acdd72a7-…)` for a built-in role, the bare GUID otherwise.
    static func roleText(_ guid: GUID) -> String {
        RoleReference(parsing: guid.value).map { "\($0) (\($0.guid))" } ?? guid.value
    }
}
