/// Custom roles: found by the owner in their description (they have no tags), created under their
/// deterministic GUID, updated in place (ARM's PUT replaces the whole definition), adopted by role
/// name, pruned after the assignments that name them.
extension Planner {
    /// Plans the RoleDefinitions and returns the GUID each one's assignments use: an owned role's
    /// own (adopted roles keep theirs), else the deterministic one; absent while the role cannot be
    /// planned (unread, or an unowned role of that name waits for adoption).
    func planRoleDefinitions(_ desired: DesiredState, _ live: LiveState, _ draft: inout Draft) -> [String: GUID] {
        var guids: [String: GUID] = [:]
        var claimed: Set<GUID> = []
        let unread = live.unreadScopes.filter { $0.kind == .roleDefinitions }
        for definition in desired.roleDefinitions {
            if let scope = unread.first(where: { $0.scope.covers(definition.subscription) }) {
                draft.notes.append(scope.note(for: definition.address))
                continue
            }
            let owned = live.roleDefinitions.first {
                Self.owner(of: $0, target: desired.target) == definition.address.name
            }
            // A role under our deterministic GUID is ours even if its description was edited.
            let mine = owned ?? live.roleDefinitions.first { $0.id == definition.id }
            if let mine {
                claimed.insert(mine.id)
                guids[definition.address.name] = mine.id
                let fields = Self.differences(mine, definition)
                draft.changes.append(
                    fields.isEmpty
                        ? Change(definition.address, .noOp)
                        : Change(
                            definition.address, .update, fields: fields,
                            steps: [.putRoleDefinition(Self.put(definition, id: mine.id))]))
                continue
            }
            let sameName = live.roleDefinitions.first {
                $0.roleName.lowercased() == definition.roleName.lowercased()
            }
            if let sameName {
                claimed.insert(sameName.id)
                if let other = Markers.assignmentOwner(sameName.description) {
                    draft.notes.append(
                        PlanNote(
                            "the custom role '\(sameName.roleName)' (\(sameName.id)) belongs to \(other.target)/\(other.name); Azure allows one custom role per name, so this one needs another role_name",
                            address: definition.address, blocking: true))
                } else if options.adopt || definition.adopt {
                    guids[definition.address.name] = sameName.id
                    draft.changes.append(
                        Change(
                            definition.address, .adopt,
                            reason:
                                "a custom role named '\(sameName.roleName)' (\(sameName.id)) exists without amlauth's marker",
                            fields: [
                                FieldChange(
                                    "description", before: sameName.description.map(PlanValue.string),
                                    after: .string(definition.description))
                            ] + Self.differences(sameName, definition).filter { $0.path != "description" },
                            steps: [.putRoleDefinition(Self.put(definition, id: sameName.id))]))
                } else {
                    draft.notes.append(
                        PlanNote(
                            "a custom role named '\(sameName.roleName)' (\(sameName.id)) exists but amlauth does not own it; rerun with --adopt (or set adopt: true) to take it over",
                            address: definition.address))
                }
                continue
            }
            guids[definition.address.name] = definition.id
            draft.changes.append(
                Change(
                    definition.address, .create,
                    fields: [
                        FieldChange("role_name", before: nil, after: .string(definition.roleName)),
                        FieldChange("id", before: nil, after: .string(definition.id.value)),
                    ] + Self.permissionFields(nil, definition),
                    steps: [.putRoleDefinition(Self.put(definition, id: definition.id))]))
        }
        let desiredNames = Set(desired.roleDefinitions.map(\.address.name))
        for role in live.roleDefinitions where !claimed.contains(role.id) {
            guard let name = Self.owner(of: role, target: desired.target), !desiredNames.contains(name) else {
                continue
            }
            orphan(
                ResourceAddress(.roleDefinition, name), "custom role '\(role.roleName)' (\(role.id))",
                steps: [
                    .deleteRoleDefinition(
                        RoleDefinitionDelete(
                            subscription: AzureResourceID(subscription: desired.subscriptionID), id: role.id,
                            roleName: role.roleName))
                ], &draft)
        }
        return guids
    }

    /// The RoleDefinition name a live role's description says this Target owns it as.
    static func owner(of role: LiveRoleDefinition, target: String) -> String? {
        guard let owner = Markers.assignmentOwner(role.description), owner.target == target else { return nil }
        return owner.name
    }

    static func put(_ definition: DesiredRoleDefinition, id: GUID) -> RoleDefinitionPut {
        RoleDefinitionPut(
            subscription: definition.subscription, id: id, roleName: definition.roleName,
            description: definition.description, permission: definition.permission,
            assignableScopes: definition.assignableScopes)
    }

    /// What differs; lists compare as sets (ARM keeps no meaningful order, and compares
    /// operations and scopes without case).
    static func differences(_ live: LiveRoleDefinition, _ definition: DesiredRoleDefinition) -> [FieldChange] {
        var fields: [FieldChange] = []
        if live.roleName != definition.roleName {
            fields.append(FieldChange("role_name", before: .string(live.roleName), after: .string(definition.roleName)))
        }
        if live.description != definition.description {
            fields.append(
                FieldChange(
                    "description", before: live.description.map(PlanValue.string),
                    after: .string(definition.description)))
        }
        return fields + permissionFields(live, definition)
    }

    /// The permission lists and assignable scopes that differ from `live` (all of them, for a new role).
    static func permissionFields(_ live: LiveRoleDefinition?, _ definition: DesiredRoleDefinition) -> [FieldChange] {
        func key(_ values: [String]) -> Set<String> { Set(values.map { $0.lowercased() }) }
        func text(_ values: [String]) -> PlanValue { .string(values.sorted().joined(separator: ", ")) }
        let lists: [(String, [String]?, [String])] = [
            ("actions", live?.permission.actions, definition.permission.actions),
            ("not_actions", live?.permission.notActions, definition.permission.notActions),
            ("data_actions", live?.permission.dataActions, definition.permission.dataActions),
            ("not_data_actions", live?.permission.notDataActions, definition.permission.notDataActions),
            (
                "assignable_scopes", live?.assignableScopes.map(\.description),
                definition.assignableScopes.map(\.description)
            ),
        ]
        var fields: [FieldChange] = []
        for (path, before, after) in lists {
            if let before {
                if key(before) != key(after) {
                    fields.append(FieldChange(path, before: before.isEmpty ? nil : text(before), after: text(after)))
                }
            } else if !after.isEmpty {
                fields.append(FieldChange(path, before: nil, after: text(after)))
            }
        }
        return fields
    }
}
