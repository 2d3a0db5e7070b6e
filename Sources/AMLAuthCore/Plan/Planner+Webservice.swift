/// Azure ML v1 web services: created, patched in place, replaced when the compute changes, and
/// their keys regenerated once per generation the manifests ask for.
extension Planner {
    func planWebservices(_ desired: DesiredState, _ live: LiveState, _ draft: inout Draft) {
        let unreadWorkspaces = live.unreadScopes.filter { $0.kind == .webservices }
        for service in desired.webservices {
            if let unread = unreadWorkspaces.first(where: { $0.scope.canonicalKey == service.workspaceID.canonicalKey })
            {
                draft.notes.append(unread.note(for: service.address))
                continue
            }
            let inWorkspace = live.webservices.filter { $0.workspaceID == service.workspaceID }
            let dependsOn = [service.workspace]
            guard
                let current = inWorkspace.first(where: {
                    $0.isOwned(target: desired.target, name: service.address.name)
                })
            else {
                if let unowned = inWorkspace.first(where: { $0.name == service.address.name }) {
                    if options.adopt || service.adopt {
                        var change = update(service, unowned, target: desired.target, adopting: true, &draft)
                        change.action = .adopt
                        change.reason = "service '\(unowned.name)' exists without amlauth's marker"
                        draft.changes.append(change)
                    } else {
                        // A name collision blocks the create: never "No changes".
                        draft.notes.append(
                            PlanNote(
                                "a web service named '\(unowned.name)' exists but amlauth does not own it; rerun with --adopt (or set adopt: true) to take it over",
                                address: service.address, blocking: true))
                    }
                    continue
                }
                draft.changes.append(
                    Change(
                        service.address, .create, fields: Self.fields(service),
                        steps: [.createService(definition(service, target: desired.target))], dependsOn: dependsOn))
                continue
            }
            var immutable: [String] = []
            var fields: [FieldChange] = []
            if current.computeType.uppercased() != service.computeType.rawValue {
                immutable.append("compute_type")
                fields.append(
                    FieldChange(
                        "compute_type", before: .string(current.computeType),
                        after: .string(service.computeType.rawValue)))
            }
            if (current.computeName ?? "") != (service.computeTarget ?? "") {
                immutable.append("compute_target")
                fields.append(
                    FieldChange(
                        "compute_target", before: current.computeName.map(PlanValue.string),
                        after: service.computeTarget.map(PlanValue.string)))
            }
            // ACI has no in-place resource change: azureml-core's `AciWebservice.update()` patches
            // no `/containerResourceRequirements` path (only `aks.py` does), so a new size is a new
            // container group (fidelity audit D8).
            if service.computeType == .aci && current.computeType.uppercased() == "ACI" {
                if abs(current.cpuCores - service.cpuCores) > 1e-9 {
                    immutable.append("cpu_cores")
                    fields.append(
                        FieldChange("cpu_cores", before: .number(current.cpuCores), after: .number(service.cpuCores)))
                }
                if abs(current.memoryGB - service.memoryGB) > 1e-9 {
                    immutable.append("memory_gb")
                    fields.append(
                        FieldChange("memory_gb", before: .number(current.memoryGB), after: .number(service.memoryGB)))
                }
            }
            if !immutable.isEmpty {
                draft.changes.append(
                    Change(
                        service.address, .replace,
                        reason: "\(Self.list(immutable)) cannot change in place", fields: fields,
                        steps: [
                            .deleteService(workspace: service.workspaceID, name: current.name),
                            .createService(definition(service, target: desired.target)),
                        ],
                        dependsOn: dependsOn))
                continue
            }
            draft.changes.append(update(service, current, target: desired.target, adopting: false, &draft))
        }
        if let unread = live.undeclaredWorkspacesUnread { draft.notes.append(PlanNote(unread)) }
        var orphans: [String: [LiveWebservice]] = [:]
        for service in live.webservices where service.kvTags[Markers.serviceTarget] == desired.target {
            let name = service.kvTags[Markers.serviceName] ?? service.name
            guard !desired.webservices.contains(where: { $0.address.name == name }) else { continue }
            orphans[name, default: []].append(service)
        }
        for (name, services) in orphans.sorted(by: { $0.key < $1.key }) {
            let what = services.map { "web service '\($0.name)'" }.joined(separator: ", ")
            orphan(
                ResourceAddress(.webservice, name), what,
                steps: services.map { .deleteService(workspace: $0.workspaceID, name: $0.name) }, &draft)
        }
    }

    /// `a`, `a and b`, `a, b and c`.
    static func list(_ items: [String]) -> String {
        items.count <= 2
            ? items.joined(separator: " and ")
            : items.dropLast().joined(separator: ", ") + " and " + items[items.count - 1]
    }

    /// The fields of a new service, in the order the manifest names them: where it goes, what it
    /// serves, how it authenticates and who may fetch its tokens.
    private static func fields(_ service: DesiredWebservice) -> [FieldChange] {
        [
            FieldChange("workspace", before: nil, after: .string(service.workspace.name)),
            FieldChange("compute_type", before: nil, after: .string(service.computeType.rawValue)),
            FieldChange("compute_target", before: nil, after: service.computeTarget.map(PlanValue.string)),
            FieldChange("auth_enabled", before: nil, after: .bool(service.authEnabled)),
            FieldChange("token_auth_enabled", before: nil, after: .bool(service.tokenAuthEnabled)),
            FieldChange("cpu_cores", before: nil, after: .number(service.cpuCores)),
            FieldChange("memory_gb", before: nil, after: .number(service.memoryGB)),
            FieldChange(
                "models", before: nil, after: .string(service.models.map(\.description).joined(separator: ", "))),
            FieldChange(
                "entry_script", before: nil,
                after: .string(EntryScriptFile.display(service.entryScript, digest: service.entryScriptFile?.sha256))),
            FieldChange("environment", before: nil, after: .string(service.environment.description)),
            FieldChange(
                "token_clients", before: nil,
                after: service.tokenClients.isEmpty
                    ? nil : .string(service.tokenClients.map(\.description).joined(separator: ", "))),
        ].filter { $0.after != nil }
    }

    private func definition(_ service: DesiredWebservice, target: String) -> ServiceDefinition {
        ServiceDefinition(
            workspace: service.workspaceID, name: service.address.name, computeType: service.computeType,
            computeTarget: service.computeTarget,
            authEnabled: service.authEnabled, tokenAuthEnabled: service.tokenAuthEnabled, cpuCores: service.cpuCores,
            memoryGB: service.memoryGB,
            kvTags: [
                Markers.serviceTarget: target, Markers.serviceName: service.address.name,
                Markers.keyGenerationPrimary: String(service.keyGenerations.primary),
                Markers.keyGenerationSecondary: String(service.keyGenerations.secondary),
            ],
            models: service.models, entryScript: service.entryScript, environment: service.environment,
            description: service.description, entryScriptFile: service.entryScriptFile)
    }

    /// In-place drift, key regeneration and (when adopting) amlauth's kvTags, as one change.
    private func update(
        _ service: DesiredWebservice, _ current: LiveWebservice, target: String, adopting: Bool, _ draft: inout Draft
    ) -> Change {
        var fields: [FieldChange] = []
        var patches: [ServicePatch] = []
        var steps: [Step] = []
        var tags = current.kvTags
        tags[Markers.serviceTarget] = target
        tags[Markers.serviceName] = service.address.name
        if adopting {
            fields.append(
                FieldChange(
                    "kv_tags", before: nil,
                    after: "\(Markers.serviceTarget)=\(target), \(Markers.serviceName)=\(service.address.name)"))
        }
        if current.authEnabled != service.authEnabled {
            fields.append(
                FieldChange("auth_enabled", before: .bool(current.authEnabled), after: .bool(service.authEnabled)))
            patches.append(.authEnabled(service.authEnabled))
        }
        if current.aadAuthEnabled != service.tokenAuthEnabled {
            fields.append(
                FieldChange(
                    "token_auth_enabled", before: .bool(current.aadAuthEnabled), after: .bool(service.tokenAuthEnabled))
            )
            patches.append(.tokenAuthEnabled(service.tokenAuthEnabled))
        }
        if abs(current.cpuCores - service.cpuCores) > 1e-9 {
            fields.append(FieldChange("cpu_cores", before: .number(current.cpuCores), after: .number(service.cpuCores)))
            patches.append(.cpuCores(service.cpuCores))
        }
        if abs(current.memoryGB - service.memoryGB) > 1e-9 {
            fields.append(FieldChange("memory_gb", before: .number(current.memoryGB), after: .number(service.memoryGB)))
            patches.append(.memoryGB(service.memoryGB))
        }
        // The definition, when the service reports it: models, entry script and environment. The
        // entry script compares by name (`driverProgram`) and by content: the digest of the file
        // the manifest names against the one in the service's driver asset (fidelity audit D1).
        let reportsDefinition = !current.models.isEmpty || current.entryScript != nil || current.environment != nil
        let wantedModels = service.models.map(\.description)
        if reportsDefinition {
            var differs = false
            if Set(current.models) != Set(wantedModels) {
                differs = true
                fields.append(
                    FieldChange(
                        "models", before: .string(current.models.sorted().joined(separator: ", ")),
                        after: .string(wantedModels.sorted().joined(separator: ", "))))
            }
            let contentDiffers =
                service.entryScriptFile.map { $0.shortDigest != current.entryScriptDigest } ?? false
            if current.entryScript != EntryScriptFile.assetName(service.entryScript) || contentDiffers {
                differs = true
                fields.append(
                    FieldChange(
                        "entry_script",
                        before: current.entryScript.map { name in
                            if current.entryScriptDigest == nil, let why = current.entryScriptUnread {
                                return .string("\(name) (content not read: \(why))")
                            }
                            return .string(EntryScriptFile.display(name, digest: current.entryScriptDigest))
                        },
                        after: .string(
                            EntryScriptFile.display(service.entryScript, digest: service.entryScriptFile?.sha256))))
            }
            if current.environment != service.environment.description {
                differs = true
                fields.append(
                    FieldChange(
                        "environment", before: current.environment.map(PlanValue.string),
                        after: .string(service.environment.description)))
            }
            if differs {
                patches.append(
                    .definition(
                        models: service.models, entryScript: service.entryScript, environment: service.environment,
                        script: service.entryScriptFile))
            }
        }
        var regenerated: [ServiceKey] = []
        // The kvTag records the manifest value last applied. Any change of the manifest value
        // regenerates the key once, so an engineer who bumps the number in an incident always gets
        // a new key, whatever the cloud recorded (a value lowered by a revert included).
        for (key, tag, wanted) in [
            (ServiceKey.primary, Markers.keyGenerationPrimary, service.keyGenerations.primary),
            (.secondary, Markers.keyGenerationSecondary, service.keyGenerations.secondary),
        ] {
            let have = Int(current.kvTags[tag] ?? "0") ?? 0
            guard wanted != have else { continue }
            if wanted < have {
                draft.notes.append(
                    PlanNote(
                        "key_rotation.\(key.rawValue) is \(wanted) in the manifests but \(have) was applied last; the change regenerates the \(key.rawValue) key once (keep the number increasing to keep its history readable)",
                        address: service.address))
            }
            tags[tag] = String(wanted)
            regenerated.append(key)
            fields.append(
                FieldChange(
                    "key_rotation.\(key.rawValue)", before: .number(Double(have)), after: .number(Double(wanted))))
            steps.append(.regenerateKey(workspace: service.workspaceID, name: current.name, key: key))
        }
        // The generation is recorded after the keys are regenerated: a crash in between regenerates again, never skips.
        if tags != current.kvTags { patches.insert(.kvTags(tags), at: 0) }
        if !patches.isEmpty {
            steps.append(.patchService(workspace: service.workspaceID, name: current.name, patches: patches))
        }
        let action: Action = fields.isEmpty ? .noOp : regenerated.isEmpty ? .update : .rotate
        let reason =
            regenerated.isEmpty
            ? nil
            : "regenerate the " + regenerated.map(\.rawValue).joined(separator: " and ") + " key"
                + (regenerated.count > 1 ? "s" : "")
        return Change(
            service.address, action, reason: reason, fields: fields, steps: action == .noOp ? [] : steps,
            dependsOn: [service.workspace])
    }
}
