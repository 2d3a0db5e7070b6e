import WireFormat

/// Service principals: the application, its service principal, passwords, certificates and
/// federated credentials.
extension Planner {
    /// Plans applications and returns, for each desired principal, how a role assignment will name
    /// its service principal: a known object id, or the one its change creates. A principal that
    /// will have no service principal after apply (an unowned look-alike not adopted) is absent.
    func planServicePrincipals(_ desired: DesiredState, _ live: LiveState, _ draft: inout Draft) -> [ResourceAddress:
        AssigneeReference]
    {
        var principals: [ResourceAddress: AssigneeReference] = [:]
        for principal in desired.servicePrincipals {
            let tag = Markers.resourceTag(desired.target, principal.address.name)
            // Ours by marker, or by the uniqueName amlauth creates with (an apply cut short before
            // the tags were written, or tags edited by hand): the marker is then set again.
            if let application = live.applications.first(where: { $0.tags.contains(tag) })
                ?? live.applications.first(where: { $0.uniqueName == principal.uniqueName })
            {
                var change = update(principal, application, delivered: live.deliveredPasswords, &draft)
                if !application.tags.contains(tag) { Self.restoreMarkers(principal, application, &change) }
                principals[principal.address] = Self.reference(application, change)
                draft.changes.append(change)
                continue
            }
            // Assumed, as the fidelity audit's D21 (UNVERIFIED): Graph's `$filter` eq/in on
            // displayName ignores case. Matching without case is the safe side either way: a
            // look-alike becomes a blocking note or an adoption, never a second application.
            if let unowned = live.applications.first(where: {
                $0.displayName.lowercased() == principal.displayName.lowercased()
                    && !$0.tags.contains(where: Markers.isMarker)
            }) {
                if options.adopt || principal.adopt {
                    var change = update(principal, unowned, delivered: live.deliveredPasswords, &draft)
                    let tags = Array(Set(unowned.tags + principal.tags)).sorted()
                    change.action = .adopt
                    change.reason =
                        "application '\(unowned.displayName)' (appId \(unowned.appID)) exists without amlauth's marker"
                    change.fields.insert(
                        FieldChange(
                            "tags", before: .string(unowned.tags.joined(separator: ", ")),
                            after: .string(principal.tags.joined(separator: ", "))), at: 0)
                    if change.steps.isEmpty { change.steps = [.useApplication(Self.reference(unowned))] }
                    change.steps.insert(.setApplicationTags(tags), at: 1)
                    principals[principal.address] = Self.reference(unowned, change)
                    draft.changes.append(change)
                } else {
                    // A name collision blocks the create (a second application of the same name would
                    // be a duplicate): never "No changes".
                    draft.notes.append(
                        PlanNote(
                            "an application named '\(unowned.displayName)' (appId \(unowned.appID)) exists but amlauth does not own it; rerun with --adopt (or set adopt: true) to take it over",
                            address: principal.address, blocking: true))
                }
                continue
            }
            draft.changes.append(create(principal))
            principals[principal.address] = .createdBy(principal.address)
        }
        var orphans: [String: [LiveApplication]] = [:]
        for application in live.applications where application.tags.contains(Markers.targetTag(desired.target)) {
            let name = Markers.resourceName(inTags: application.tags, target: desired.target) ?? application.displayName
            guard !desired.servicePrincipals.contains(where: { $0.address.name == name }) else { continue }
            orphans[name, default: []].append(application)
        }
        for (name, applications) in orphans.sorted(by: { $0.key < $1.key }) {
            let what = applications.map { "application '\($0.displayName)' (appId \($0.appID))" }.joined(
                separator: ", ")
            orphan(
                ResourceAddress(.servicePrincipal, name), what,
                steps: applications.map { .deleteApplication(objectID: $0.objectID) }, &draft)
        }
        return principals
    }

    static func reference(_ application: LiveApplication) -> ApplicationReference {
        ApplicationReference(
            objectID: application.objectID, appID: application.appID, servicePrincipalID: application.servicePrincipalID
        )
    }

    /// The principal as role assignments see it after this change: its id when it has one now,
    /// else the one the change creates.
    private static func reference(_ application: LiveApplication, _ change: Change) -> AssigneeReference? {
        if let id = application.servicePrincipalID.flatMap(GUID.init) { return .id(id) }
        let creates = change.steps.contains { if case .ensureServicePrincipal = $0 { true } else { false } }
        return creates ? .createdBy(change.address) : nil
    }

    private func create(_ principal: DesiredServicePrincipal) -> Change {
        var fields: [FieldChange] = [
            FieldChange("display_name", before: nil, after: .string(principal.displayName)),
            FieldChange("tags", before: nil, after: .string(principal.tags.joined(separator: ", "))),
        ]
        var steps: [Step] = [
            .createApplication(
                displayName: principal.displayName, tags: principal.tags, uniqueName: principal.uniqueName),
            .ensureServicePrincipal(tags: principal.tags),
        ]
        for password in principal.passwords {
            fields.append(
                FieldChange(
                    "password.\(password.name)", before: nil,
                    after: "new, expires in \(password.lifetime), delivered to \(password.sink)", sensitive: true))
        }
        for federated in principal.federatedCredentials {
            fields.append(
                FieldChange(
                    "federated_credential.\(federated.name)", before: nil,
                    after: "\(federated.issuer) \(federated.subject)"))
            steps.append(.createFederatedCredential(federated))
        }
        for certificate in principal.certificates {
            fields.append(
                FieldChange(
                    "certificate.\(certificate.name)", before: nil,
                    after: .string(Base64.displayThumbprint(certificate.thumbprint))))
        }
        if !principal.certificates.isEmpty { steps.append(.setCertificates(Self.uploads(principal.certificates))) }
        steps += principal.passwords.map {
            .addPassword(PasswordRequest(credential: $0.name, serial: 1, lifetime: $0.lifetime, sink: $0.sink))
        }
        return Change(principal.address, .create, fields: fields, steps: steps)
    }

    static func uploads(_ certificates: [DesiredCertificate]) -> [CertificateUpload] {
        certificates.map { CertificateUpload(displayName: Markers.certificateName($0.name), der: $0.der) }
    }

    private func update(
        _ principal: DesiredServicePrincipal, _ application: LiveApplication, delivered: [String: String],
        _ draft: inout Draft
    ) -> Change {
        var fields: [FieldChange] = []
        var steps: [Step] = []
        var rotate = false
        if application.displayName != principal.displayName {
            fields.append(
                FieldChange(
                    "display_name", before: .string(application.displayName), after: .string(principal.displayName)))
            steps.append(.setDisplayName(principal.displayName))
        }
        if application.servicePrincipalID == nil {
            // An application without its service principal (an apply cut short between the two).
            fields.append(FieldChange("service_principal", before: nil, after: "created"))
            steps.append(.ensureServicePrincipal(tags: principal.tags))
        }
        let (passwordFields, passwordSteps, rotates) = passwords(principal, application, delivered: delivered)
        let (certificateFields, certificateSteps) = certificates(principal, application, &draft)
        let (federatedFields, federatedSteps) = federatedCredentials(principal, application)
        fields += passwordFields + certificateFields + federatedFields
        rotate = rotates
        // Federated credentials and certificates first, passwords last, as a reviewer reads risk.
        steps += federatedSteps + certificateSteps + passwordSteps
        let action: Action = fields.isEmpty ? .noOp : rotate ? .rotate : .update
        if !steps.isEmpty { steps.insert(.useApplication(Self.reference(application)), at: 0) }
        return Change(
            principal.address, action,
            reason: rotate ? "a password is within renew_before of its expiry, or its sink never received it" : nil,
            fields: fields, steps: steps)
    }

    /// Add new → deliver → remove old: a rotation never leaves a moment without a valid secret.
    private func passwords(
        _ principal: DesiredServicePrincipal, _ application: LiveApplication, delivered: [String: String]
    ) -> ([FieldChange], [Step], rotate: Bool) {
        var fields: [FieldChange] = []
        var steps: [Step] = []
        var rotate = false
        for password in principal.passwords {
            let existing = application.passwords.filter {
                Markers.passwordOwner($0.displayName)?.credential == password.name
            }
            .sorted { $0.endDateTime < $1.endDateTime }
            let serial = (existing.compactMap { Markers.passwordOwner($0.displayName)?.serial }.max() ?? 0) + 1
            let request = PasswordRequest(
                credential: password.name, serial: serial, lifetime: password.lifetime, sink: password.sink)
            guard let newest = existing.last else {
                fields.append(
                    FieldChange(
                        "password.\(password.name)", before: nil,
                        after: "new, expires in \(password.lifetime), delivered to \(password.sink)", sensitive: true))
                steps.append(.addPassword(request))
                continue
            }
            // Delivered when the cloud records it (`DeliveryRecord`, written by whichever machine
            // or job delivered it), or when the sink on this machine holds it (a file written
            // before records existed). A fresh CI checkout without the git-ignored file is not a
            // reason to rotate; a crash between delivery and record (no record) is.
            // A Key Vault sink is asked itself and outranks the record: a secret deleted or
            // overwritten by hand since is delivered again.
            let recorded = DeliveryRecord.isRecorded(keyID: newest.keyID, sink: password.sink, in: application.tags)
            let sinkHolds = delivered[Self.deliveryKey(principal.address, password.name)]
            let undelivered: Bool
            if case .keyVault = password.sink, let sinkHolds {
                undelivered = sinkHolds != newest.keyID
            } else {
                undelivered = !recorded && sinkHolds != newest.keyID
            }
            if undelivered || newest.endDateTime - options.now <= Double(password.renewBefore.seconds) {
                rotate = true
                fields.append(
                    FieldChange(
                        "password.\(password.name)", before: .string(Self.describe(newest, now: options.now)),
                        after:
                            "new, expires in \(password.lifetime), delivered to \(password.sink); then the old one is removed",
                        sensitive: true))
                steps.append(.addPassword(request))
                steps += existing.map { .removePassword(keyID: $0.keyID) }
            } else if existing.count > 1 {
                // A rotation that did not finish removing the old secret.
                for old in existing.dropLast() {
                    fields.append(
                        FieldChange(
                            "password.\(password.name)", before: .string(Self.describe(old, now: options.now)),
                            after: nil, sensitive: true))
                    steps.append(.removePassword(keyID: old.keyID))
                }
            }
        }
        let desiredNames = Set(principal.passwords.map(\.name))
        for password in application.passwords {
            guard let owner = Markers.passwordOwner(password.displayName), !desiredNames.contains(owner.credential)
            else { continue }
            fields.append(
                FieldChange(
                    "password.\(owner.credential)", before: .string(Self.describe(password, now: options.now)),
                    after: nil, sensitive: true))
            steps.append(.removePassword(keyID: password.keyID))
        }
        return (fields, steps, rotate)
    }

    /// keyId, hint and expiry: all a plan ever says about a password.
    static func describe(_ password: LivePassword, now: Double) -> String {
        let days = Int(((password.endDateTime - now) / 86_400).rounded(.down))
        let expiry = days >= 0 ? "expires in \(days)d" : "expired \(-days)d ago"
        return "keyId \(password.keyID), hint \(password.hint ?? "?")…, \(expiry)"
    }

    /// Certificates named `amlauth:<credential>`. Graph's PATCH replaces the whole keyCredentials
    /// collection, so certificates amlauth does not own (one added by hand to an adopted
    /// application) are re-sent unchanged by keyId, as azure-cli's `credential reset --append` and
    /// terraform-provider-azuread's application_certificate do (audit D12); a note names them.
    private func certificates(
        _ principal: DesiredServicePrincipal, _ application: LiveApplication, _ draft: inout Draft
    ) -> ([FieldChange], [Step]) {
        var fields: [FieldChange] = []
        for certificate in principal.certificates {
            let current = application.keyCredentials.first {
                $0.displayName == Markers.certificateName(certificate.name)
            }
            if current?.thumbprint != certificate.thumbprint {
                fields.append(
                    FieldChange(
                        "certificate.\(certificate.name)",
                        before: current?.thumbprint.map { .string(Base64.displayThumbprint($0)) },
                        after: .string(Base64.displayThumbprint(certificate.thumbprint))))
            }
        }
        for key in application.keyCredentials {
            guard let credential = Markers.certificateOwner(key.displayName),
                !principal.certificates.contains(where: { $0.name == credential })
            else { continue }
            fields.append(
                FieldChange(
                    "certificate.\(credential)", before: key.thumbprint.map { .string(Base64.displayThumbprint($0)) },
                    after: nil))
        }
        guard !fields.isEmpty else { return ([], []) }
        let unowned = application.keyCredentials.filter { !Markers.isMarker($0.displayName) }
        if !unowned.isEmpty {
            draft.notes.append(
                PlanNote(
                    "application '\(application.displayName)' also has certificates amlauth does not own (\(unowned.map { $0.displayName ?? $0.keyID }.joined(separator: ", "))); Graph replaces all certificates at once, so they are sent again unchanged",
                    address: principal.address))
        }
        return (fields, [.setCertificates(Self.uploads(principal.certificates), keeping: unowned.map(\.keyID))])
    }

    /// Federated credentials by name: a changed one is updated in place (Graph's PATCH keeps the
    /// id and never leaves a moment without the credential; audit D11), a new one created, one the
    /// manifests dropped deleted (deletions first: they may free a name).
    private func federatedCredentials(_ principal: DesiredServicePrincipal, _ application: LiveApplication) -> (
        [FieldChange], [Step]
    ) {
        var fields: [FieldChange] = []
        var deletions: [Step] = []
        var changes: [Step] = []
        func same(_ current: LiveFederatedCredential, _ wanted: DesiredFederatedCredential) -> Bool {
            current.issuer == wanted.issuer && current.subject == wanted.subject
                && current.audiences == wanted.audiences
        }
        for current in application.federatedCredentials {
            guard let wanted = principal.federatedCredentials.first(where: { $0.name == current.name }) else {
                deletions.append(.deleteFederatedCredential(id: current.id, name: current.name))
                fields.append(
                    FieldChange(
                        "federated_credential.\(current.name)", before: "\(current.issuer) \(current.subject)",
                        after: nil))
                continue
            }
            guard !same(current, wanted) else { continue }
            changes.append(.updateFederatedCredential(id: current.id, wanted))
            fields.append(
                FieldChange(
                    "federated_credential.\(current.name)", before: "\(current.issuer) \(current.subject)",
                    after: "\(wanted.issuer) \(wanted.subject)"))
        }
        for wanted in principal.federatedCredentials
        where !application.federatedCredentials.contains(where: { $0.name == wanted.name }) {
            changes.append(.createFederatedCredential(wanted))
            fields.append(
                FieldChange(
                    "federated_credential.\(wanted.name)", before: nil, after: "\(wanted.issuer) \(wanted.subject)"))
        }
        return (fields, deletions + changes)
    }
}

extension Planner {
    /// An application found by amlauth's `uniqueName` without its marker tags: they are written
    /// again (kept tags plus the markers), as the first thing the change does.
    static func restoreMarkers(
        _ principal: DesiredServicePrincipal, _ application: LiveApplication, _ change: inout Change
    ) {
        let tags = Array(Set(application.tags + principal.tags)).sorted()
        change.fields.insert(
            FieldChange(
                "tags", before: .string(application.tags.joined(separator: ", ")),
                after: .string(principal.tags.joined(separator: ", "))), at: 0)
        if change.steps.isEmpty { change.steps = [.useApplication(reference(application))] }
        change.steps.insert(.setApplicationTags(tags), at: 1)
        if change.action == .noOp { change.action = .update }
        change.reason =
            change.reason ?? "application \(application.appID) has amlauth's uniqueName but lost its marker tags"
    }
}
