/// Compares desired and live state and decides what to do. Pure and synchronous: the clock comes
/// in as `now`, the live state as a value.
public struct Planner: Sendable {
    public struct Options: Sendable {
        public var prune = false
        public var adopt = false
        /// Seconds since 1970, for password expiry.
        public var now: Double

        public init(prune: Bool = false, adopt: Bool = false, now: Double) {
            self.prune = prune
            self.adopt = adopt
            self.now = now
        }
    }

    public var options: Options

    public init(options: Options) { self.options = options }

    public func plan(_ desired: DesiredState, _ live: LiveState) -> Plan {
        var changes: [Change] = []
        var notes: [PlanNote] = []
        let applications = planServicePrincipals(desired, live, &changes, &notes)
        planRoleAssignments(desired, live, applications, &changes, &notes)
        planWebservices(desired, live, &changes, &notes)
        changes.sort { ($0.address, $0.action.rawValue) < ($1.address, $1.action.rawValue) }
        return Plan(target: desired.target, changes: changes, notes: notes)
    }

    // MARK: Service principals

    /// Plans applications and returns each desired principal's live application, if any.
    private func planServicePrincipals(_ desired: DesiredState, _ live: LiveState, _ changes: inout [Change], _ notes: inout [PlanNote]) -> [ResourceAddress: LiveApplication] {
        var owned: [ResourceAddress: LiveApplication] = [:]
        for principal in desired.servicePrincipals {
            let tag = Markers.resourceTag(desired.target, principal.address.name)
            if let application = live.applications.first(where: { $0.tags.contains(tag) }) {
                owned[principal.address] = application
                changes.append(update(principal, application, delivered: live.deliveredPasswords))
                continue
            }
            if let unowned = live.applications.first(where: { $0.displayName == principal.displayName && !$0.tags.contains { $0.hasPrefix("amlauth:") } }) {
                if options.adopt || principal.adopt {
                    owned[principal.address] = unowned
                    var change = update(principal, unowned, delivered: live.deliveredPasswords)
                    change.action = .adopt
                    change.reason = "application '\(unowned.displayName)' (appId \(unowned.appID)) exists without amlauth's marker"
                    change.fields.insert(FieldChange("tags", before: unowned.tags.joined(separator: ", "), after: principal.tags.joined(separator: ", ")), at: 0)
                    changes.append(change)
                } else {
                    notes.append(PlanNote(
                        "an application named '\(unowned.displayName)' (appId \(unowned.appID)) exists but amlauth does not own it; rerun with --adopt (or set adopt: true) to take it over",
                        address: principal.address))
                }
                continue
            }
            var fields = [FieldChange("display_name", before: nil, after: principal.displayName), FieldChange("tags", before: nil, after: principal.tags.joined(separator: ", "))]
            for password in principal.passwords {
                fields.append(FieldChange("password.\(password.name)", before: nil, after: "new, expires in \(password.lifetime), delivered to \(password.sink)", sensitive: true))
            }
            for federated in principal.federatedCredentials {
                fields.append(FieldChange("federated_credential.\(federated.name)", before: nil, after: "\(federated.issuer) \(federated.subject)"))
            }
            for certificate in principal.certificates {
                fields.append(FieldChange("certificate.\(certificate.name)", before: nil, after: Base64.displayThumbprint(certificate.thumbprint)))
            }
            changes.append(Change(principal.address, .create, fields: fields))
        }
        for application in live.applications where application.tags.contains(Markers.targetTag(desired.target)) {
            let name = application.tags.first { $0.hasPrefix(Markers.targetTag(desired.target) + "/") }.map { String($0.dropFirst(Markers.targetTag(desired.target).count + 1)) } ?? application.displayName
            let address = ResourceAddress(.servicePrincipal, name)
            guard !desired.servicePrincipals.contains(where: { $0.address == address }) else { continue }
            orphan(address, "application '\(application.displayName)' (appId \(application.appID))", &changes, &notes)
        }
        return owned
    }

    private func orphan(_ address: ResourceAddress, _ what: String, _ changes: inout [Change], _ notes: inout [PlanNote]) {
        if options.prune {
            changes.append(Change(address, .delete, reason: "owned by amlauth but no longer in the manifests (prune)"))
        } else {
            notes.append(PlanNote("\(what) is owned by amlauth but no longer in the manifests; it stays until you prune (--prune or prune: true)", address: address))
        }
    }

    /// Key of `LiveState.deliveredPasswords`.
    public static func deliveryKey(_ address: ResourceAddress, _ credential: String) -> String { "\(address)/\(credential)" }

    private func update(_ principal: DesiredServicePrincipal, _ application: LiveApplication, delivered: [String: String]) -> Change {
        var fields: [FieldChange] = []
        var rotate = false
        if application.displayName != principal.displayName {
            fields.append(FieldChange("display_name", before: application.displayName, after: principal.displayName))
        }
        let desiredNames = Set(principal.passwords.map(\.name))
        for password in principal.passwords {
            let existing = application.passwords.filter { Markers.passwordOwner($0.displayName)?.credential == password.name }
                .sorted { $0.endDateTime < $1.endDateTime }
            guard let newest = existing.last else {
                fields.append(FieldChange("password.\(password.name)", before: nil, after: "new, expires in \(password.lifetime), delivered to \(password.sink)", sensitive: true))
                continue
            }
            let undelivered = password.sink.path != nil && delivered[Self.deliveryKey(principal.address, password.name)] != newest.keyID
            if undelivered || newest.endDateTime - options.now <= Double(password.renewBefore.seconds) {
                rotate = true
                fields.append(FieldChange(
                    "password.\(password.name)", before: Self.describe(newest, now: options.now),
                    after: "new, expires in \(password.lifetime), delivered to \(password.sink); then the old one is removed", sensitive: true))
            } else if existing.count > 1 {
                // A rotation that did not finish removing the old secret.
                for old in existing.dropLast() {
                    fields.append(FieldChange("password.\(password.name)", before: Self.describe(old, now: options.now), after: nil, sensitive: true))
                }
            }
        }
        for password in application.passwords {
            guard let owner = Markers.passwordOwner(password.displayName), !desiredNames.contains(owner.credential) else { continue }
            fields.append(FieldChange("password.\(owner.credential)", before: Self.describe(password, now: options.now), after: nil, sensitive: true))
        }
        for certificate in principal.certificates {
            let current = application.keyCredentials.first { $0.displayName == Markers.certificateName(certificate.name) }
            if current?.thumbprint != certificate.thumbprint {
                fields.append(FieldChange("certificate.\(certificate.name)", before: current?.thumbprint.map(Base64.displayThumbprint), after: Base64.displayThumbprint(certificate.thumbprint)))
            }
        }
        for key in application.keyCredentials where key.displayName?.hasPrefix("amlauth:") == true {
            guard !principal.certificates.contains(where: { Markers.certificateName($0.name) == key.displayName }) else { continue }
            fields.append(FieldChange("certificate.\(key.displayName!.dropFirst(8))", before: key.thumbprint.map(Base64.displayThumbprint), after: nil))
        }
        for federated in principal.federatedCredentials {
            let current = application.federatedCredentials.first { $0.name == federated.name }
            let after = "\(federated.issuer) \(federated.subject)"
            if let current {
                let same = current.issuer == federated.issuer && current.subject == federated.subject && current.audiences == federated.audiences
                if !same { fields.append(FieldChange("federated_credential.\(federated.name)", before: "\(current.issuer) \(current.subject)", after: after)) }
            } else {
                fields.append(FieldChange("federated_credential.\(federated.name)", before: nil, after: after))
            }
        }
        for current in application.federatedCredentials where !principal.federatedCredentials.contains(where: { $0.name == current.name }) {
            fields.append(FieldChange("federated_credential.\(current.name)", before: "\(current.issuer) \(current.subject)", after: nil))
        }
        let action: Action = fields.isEmpty ? .noOp : rotate ? .rotate : .update
        return Change(principal.address, action, reason: rotate ? "a password is within renew_before of its expiry, or its sink never received it" : nil, fields: fields)
    }

    /// keyId, hint and expiry: all a plan ever says about a password.
    static func describe(_ password: LivePassword, now: Double) -> String {
        let days = Int(((password.endDateTime - now) / 86_400).rounded(.down))
        let expiry = days >= 0 ? "expires in \(days)d" : "expired \(-days)d ago"
        return "keyId \(password.keyID), hint \(password.hint ?? "?")…, \(expiry)"
    }

    // MARK: Role assignments

    private func planRoleAssignments(_ desired: DesiredState, _ live: LiveState, _ applications: [ResourceAddress: LiveApplication], _ changes: inout [Change], _ notes: inout [PlanNote]) {
        var claimed: Set<String> = []
        // Indexes, so a plan of thousands of assignments stays linear: by triple, and by owner.
        var byTriple: [String: LiveRoleAssignment] = [:]
        var byOwner: [String: [LiveRoleAssignment]] = [:]
        for assignment in live.roleAssignments {
            let scope = (try? AzureResourceID.parse(assignment.scope).get())?.canonicalKey ?? assignment.scope.lowercased()
            byTriple["\(scope)|\(assignment.principalID.lowercased())|\(assignment.roleGUID.lowercased())"] = byTriple["\(scope)|\(assignment.principalID.lowercased())|\(assignment.roleGUID.lowercased())"] ?? assignment
            if let owner = Markers.assignmentOwner(assignment.description), owner.target == desired.target {
                byOwner[owner.name, default: []].append(assignment)
            }
        }
        for assignment in desired.roleAssignments {
            let principalID: GUID?
            var dependsOn: [ResourceAddress] = []
            switch assignment.principal {
            case .managed(let address):
                principalID = applications[address]?.servicePrincipalID.flatMap(GUID.init)
                dependsOn = [address]
            case .existing(let id, _):
                principalID = id
            }
            let owned = byOwner[assignment.address.name] ?? []
            let fields = [
                FieldChange("role", before: nil, after: "\(assignment.role) (\(assignment.role.guid))"),
                FieldChange("scope", before: nil, after: assignment.scope.description),
                FieldChange("principal", before: nil, after: principalID?.value ?? Self.principalText(assignment.principal) + " (known after apply)"),
                FieldChange("name", before: nil, after: principalID.map { DeterministicName.roleAssignment(scope: assignment.scope, principalID: $0, role: assignment.role.guid).value } ?? "(known after apply)"),
            ]
            let matching = principalID.flatMap { id in byTriple["\(assignment.scope.canonicalKey)|\(id.value)|\(assignment.role.guid.value)"] }
            if let matching {
                claimed.insert(matching.name)
                if Markers.assignmentOwner(matching.description) != nil {
                    changes.append(Change(assignment.address, .noOp, dependsOn: dependsOn))
                } else if options.adopt || assignment.adopt {
                    changes.append(Change(assignment.address, .adopt, reason: "an identical assignment (\(matching.name)) exists without amlauth's marker", fields: [FieldChange("description", before: matching.description, after: assignment.description)], dependsOn: dependsOn))
                } else {
                    notes.append(PlanNote("an identical role assignment (\(matching.name)) exists but amlauth does not own it; rerun with --adopt (or set adopt: true) to take it over", address: assignment.address))
                }
                continue
            }
            if let previous = owned.first {
                claimed.formUnion(owned.map(\.name))
                var replaced = fields
                replaced[0].before = RoleReference(parsing: previous.roleGUID).map { "\($0) (\($0.guid))" } ?? previous.roleGUID
                replaced[1].before = previous.scope
                replaced[2].before = previous.principalID
                replaced[3].before = previous.name
                // Only what differs; the scope compares as an ARM ID, not as text.
                replaced = replaced.filter { field in
                    field.path == "scope" ? !Self.sameScope(field.before ?? "", assignment.scope) : field.before != field.after
                }
                changes.append(Change(
                    assignment.address, .replace, reason: "role assignments cannot be updated: the new one is created before the old one is deleted",
                    fields: replaced, dependsOn: dependsOn))
            } else {
                changes.append(Change(assignment.address, .create, fields: fields, dependsOn: dependsOn))
            }
        }
        let desiredNames = Set(desired.roleAssignments.map(\.address.name))
        for assignment in live.roleAssignments where !claimed.contains(assignment.name) {
            guard let owner = Markers.assignmentOwner(assignment.description), owner.target == desired.target, !desiredNames.contains(owner.name) else { continue }
            orphan(ResourceAddress(.roleAssignment, owner.name), "role assignment \(assignment.name) at \(assignment.scope)", &changes, &notes)
        }
    }

    static func principalText(_ principal: PrincipalTarget) -> String {
        switch principal {
        case .managed(let address): address.description
        case .existing(let id, _): id.value
        }
    }

    /// Whether an ARM ID as text names `scope` (case-insensitive, canonical form).
    public static func sameScope(_ text: String, _ scope: AzureResourceID) -> Bool {
        guard case .success(let parsed) = AzureResourceID.parse(text) else { return false }
        return parsed == scope
    }

    // MARK: Web services

    private func planWebservices(_ desired: DesiredState, _ live: LiveState, _ changes: inout [Change], _ notes: inout [PlanNote]) {
        for service in desired.webservices {
            let inWorkspace = live.webservices.filter { Self.sameScope($0.workspaceID, service.workspaceID) }
            let isOwned: (LiveWebservice) -> Bool = { $0.kvTags[Markers.serviceTarget] == desired.target && $0.kvTags[Markers.serviceName] == service.address.name }
            let desiredFields = [
                FieldChange("compute_type", before: nil, after: service.computeType.rawValue),
                FieldChange("compute_target", before: nil, after: service.computeTarget),
                FieldChange("auth_enabled", before: nil, after: String(service.authEnabled)),
                FieldChange("token_auth_enabled", before: nil, after: String(service.tokenAuthEnabled)),
                FieldChange("cpu_cores", before: nil, after: Self.number(service.cpuCores)),
                FieldChange("memory_gb", before: nil, after: Self.number(service.memoryGB)),
            ].filter { $0.after != nil }
            guard let current = inWorkspace.first(where: isOwned) else {
                if let unowned = inWorkspace.first(where: { $0.name == service.address.name }) {
                    if options.adopt || service.adopt {
                        changes.append(Change(service.address, .adopt, reason: "service '\(unowned.name)' exists without amlauth's marker", fields: [FieldChange("kv_tags", before: nil, after: "\(Markers.serviceTarget)=\(desired.target), \(Markers.serviceName)=\(service.address.name)")], dependsOn: [service.workspace]))
                    } else {
                        notes.append(PlanNote("a web service named '\(unowned.name)' exists but amlauth does not own it; rerun with --adopt (or set adopt: true) to take it over", address: service.address))
                    }
                    continue
                }
                changes.append(Change(service.address, .create, fields: desiredFields, dependsOn: [service.workspace]))
                continue
            }
            var immutable: [String] = []
            var fields: [FieldChange] = []
            if current.computeType.uppercased() != service.computeType.rawValue {
                immutable.append("compute_type")
                fields.append(FieldChange("compute_type", before: current.computeType, after: service.computeType.rawValue))
            }
            if (current.computeName ?? "") != (service.computeTarget ?? "") {
                immutable.append("compute_target")
                fields.append(FieldChange("compute_target", before: current.computeName, after: service.computeTarget))
            }
            if !immutable.isEmpty {
                changes.append(Change(service.address, .replace, reason: "\(immutable.joined(separator: " and ")) cannot change in place", fields: fields, dependsOn: [service.workspace]))
                continue
            }
            if current.authEnabled != service.authEnabled { fields.append(FieldChange("auth_enabled", before: String(current.authEnabled), after: String(service.authEnabled))) }
            if current.aadAuthEnabled != service.tokenAuthEnabled { fields.append(FieldChange("token_auth_enabled", before: String(current.aadAuthEnabled), after: String(service.tokenAuthEnabled))) }
            if abs(current.cpuCores - service.cpuCores) > 1e-9 { fields.append(FieldChange("cpu_cores", before: Self.number(current.cpuCores), after: Self.number(service.cpuCores))) }
            if abs(current.memoryGB - service.memoryGB) > 1e-9 { fields.append(FieldChange("memory_gb", before: Self.number(current.memoryGB), after: Self.number(service.memoryGB))) }
            var rotate = false
            for (key, tag, wanted) in [("primary", Markers.keyGenerationPrimary, service.keyGenerations.primary), ("secondary", Markers.keyGenerationSecondary, service.keyGenerations.secondary)] {
                let have = Int(current.kvTags[tag] ?? "0") ?? 0
                if wanted > have {
                    rotate = true
                    fields.append(FieldChange("key_rotation.\(key)", before: String(have), after: "\(wanted) (regenerate the \(key) key)", sensitive: false))
                }
            }
            let action: Action = fields.isEmpty ? .noOp : rotate ? .rotate : .update
            changes.append(Change(service.address, action, fields: fields, dependsOn: [service.workspace]))
        }
        for service in live.webservices where service.kvTags[Markers.serviceTarget] == desired.target {
            let name = service.kvTags[Markers.serviceName] ?? service.name
            guard !desired.webservices.contains(where: { $0.address.name == name }) else { continue }
            orphan(ResourceAddress(.webservice, name), "web service '\(service.name)'", &changes, &notes)
        }
    }

    static func number(_ value: Double) -> String {
        value == value.rounded() ? String(Int(value)) : String(value)
    }
}
