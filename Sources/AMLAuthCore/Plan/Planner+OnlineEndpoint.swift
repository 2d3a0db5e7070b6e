/// Azure ML v2 online endpoints and their deployments. An endpoint's change creates or updates
/// the endpoint with the traffic it has; each deployment's change depends on it; a third change,
/// `OnlineEndpoint/<name>/traffic`, moves traffic once the deployments it names exist, and an
/// owned deployment that left the manifests is deleted only after traffic moved away from it.
extension Planner {
    func planOnlineEndpoints(_ desired: DesiredState, _ live: LiveState, _ draft: inout Draft) {
        let unread = live.unreadScopes.filter { $0.kind == .onlineEndpoints }
        for endpoint in desired.onlineEndpoints {
            let scopes = [endpoint.workspaceID.canonicalKey, endpoint.id.canonicalKey]
            if let scope = unread.first(where: { scopes.contains($0.scope.canonicalKey) }) {
                draft.notes.append(scope.note(for: endpoint.address))
                for deployment in endpoint.deployments { draft.notes.append(scope.note(for: deployment.address)) }
                continue
            }
            planOnlineEndpoint(endpoint, desired, live, &draft)
        }
        var orphans: [String: [LiveOnlineEndpoint]] = [:]
        for endpoint in live.onlineEndpoints where endpoint.tags[Markers.serviceTarget] == desired.target {
            let name = endpoint.tags[Markers.serviceName] ?? endpoint.name
            guard !desired.onlineEndpoints.contains(where: { $0.address.name == name }) else { continue }
            orphans[name, default: []].append(endpoint)
        }
        for (name, endpoints) in orphans.sorted(by: { $0.key < $1.key }) {
            // ARM deletes an endpoint's deployments with it: one change, one step per endpoint.
            orphan(
                ResourceAddress(.onlineEndpoint, name),
                endpoints.map { "online endpoint '\($0.name)'" }.joined(
                    separator: ", "),
                steps: endpoints.map { .deleteOnlineEndpoint($0.id) }, &draft)
        }
    }

    private func planOnlineEndpoint(
        _ endpoint: DesiredOnlineEndpoint, _ desired: DesiredState, _ live: LiveState, _ draft: inout Draft
    ) {
        let workspaceKey = endpoint.workspaceID.canonicalKey
        let inWorkspace = live.onlineEndpoints.filter { $0.workspaceID.canonicalKey == workspaceKey }
        var found = inWorkspace.first { $0.isOwned(target: desired.target, name: endpoint.address.name) }
        var adopting = false
        if found == nil,
            let unowned = inWorkspace.first(where: { $0.name.lowercased() == endpoint.address.name.lowercased() })
        {
            guard options.adopt || endpoint.adopt else {
                // A name collision blocks the create: never "No changes".
                draft.notes.append(
                    PlanNote(
                        "an online endpoint named '\(unowned.name)' exists but amlauth does not own it; rerun with --adopt (or set adopt: true) to take it over",
                        address: endpoint.address, blocking: true))
                return
            }
            found = unowned
            adopting = true
        }
        let location =
            endpoint.location ?? live.workspaces.first { $0.id.canonicalKey == workspaceKey }?.location
            ?? found?.location ?? ""
        var context = EndpointContext(endpoint: endpoint, target: desired.target, location: location)
        guard let current = found else {
            draft.changes.append(
                Change(
                    endpoint.address, .create, fields: Self.fields(endpoint),
                    steps: [.putOnlineEndpoint(context.put(traffic: [:]))], dependsOn: [endpoint.workspace]))
            let changed = planDeployments(context, live: [], &draft)
            let keys = planKeyCopy(context, into: endpoint.id, traffic: [:], live, &draft)
            planTraffic(keys.context, from: [:], after: changed + keys.changes, &draft)
            return
        }
        // The compute an endpoint runs on is fixed at creation: a Kubernetes endpoint is bound to
        // its cluster, a managed one to Azure's (REST spec `OnlineEndpointProperties.compute`,
        // "ARM resource ID of the compute if it exists"; az ml has no command that moves one). So
        // is the region of any ARM resource. Both replace the endpoint, and its deployments with it.
        var immutable: [String] = []
        var fields: [FieldChange] = []
        if current.computeID?.canonicalKey != endpoint.computeID?.canonicalKey {
            immutable.append("compute")
            fields.append(
                FieldChange(
                    "compute", before: .string(current.computeID?.segments.last?.name ?? "managed"),
                    after: .string(endpoint.computeID?.segments.last?.name ?? "managed")))
        }
        if !location.isEmpty, current.location.lowercased() != location.lowercased() {
            immutable.append("location")
            fields.append(FieldChange("location", before: .string(current.location), after: .string(location)))
        }
        if !immutable.isEmpty {
            draft.changes.append(
                Change(
                    endpoint.address, .replace, reason: "\(Self.list(immutable)) cannot change in place",
                    fields: fields,
                    steps: [.deleteOnlineEndpoint(current.id), .putOnlineEndpoint(context.put(traffic: [:]))],
                    dependsOn: [endpoint.workspace]))
            let changed = planDeployments(context, live: [], &draft)
            let keys = planKeyCopy(context, into: endpoint.id, traffic: [:], live, &draft)
            planTraffic(keys.context, from: [:], after: changed + keys.changes, &draft)
            return
        }
        // The keys marker as it is: only the change that copies the keys writes it.
        context.keysCopiedFrom = current.tags[Markers.keysCopiedFrom]
        draft.changes.append(updateEndpoint(context, current, adopting: adopting, &draft))
        let liveDeployments = live.onlineDeployments.filter { $0.endpointID.canonicalKey == current.id.canonicalKey }
        let changed = planDeployments(context, live: liveDeployments, &draft)
        let keys = planKeyCopy(
            context, into: current.id, liveName: current.name, traffic: current.traffic, live, &draft)
        planTraffic(keys.context, from: current.traffic, after: changed + keys.changes, &draft)
        planRemovedDeployments(context, liveDeployments, traffic: current.traffic, &draft)
    }

    /// What every step of one endpoint shares.
    struct EndpointContext {
        var endpoint: DesiredOnlineEndpoint
        var target: String
        var location: String
        /// The `amlauth.keys-from` marker the endpoint's PUTs write (nil: none).
        var keysCopiedFrom: String? = nil

        /// The markers: which Target and resource owns it, and the key generations last applied.
        var tags: [String: String] {
            endpoint.tags.merging(
                [
                    Markers.serviceTarget: target, Markers.serviceName: endpoint.address.name,
                    Markers.keyGenerationPrimary: String(endpoint.keyGenerations.primary),
                    Markers.keyGenerationSecondary: String(endpoint.keyGenerations.secondary),
                ].merging(keysCopiedFrom.map { [Markers.keysCopiedFrom: $0] } ?? [:], uniquingKeysWith: { $1 }),
                uniquingKeysWith: { _, marker in marker })
        }

        func put(traffic: [String: Int]) -> OnlineEndpointPut {
            OnlineEndpointPut(
                workspaceID: endpoint.workspaceID, name: endpoint.address.name, location: location,
                authMode: endpoint.authMode, computeID: endpoint.computeID, traffic: traffic,
                publicNetworkAccess: endpoint.publicNetworkAccess, description: endpoint.description, tags: tags)
        }

        func put(_ deployment: DesiredOnlineDeployment) -> OnlineDeploymentPut {
            OnlineDeploymentPut(
                endpointID: endpoint.id, name: deployment.name, location: location, model: deployment.model,
                environment: deployment.environment, instanceType: deployment.instanceType,
                instanceCount: deployment.instanceCount,
                tags: [Markers.serviceTarget: target, Markers.serviceName: deployment.address.name],
                code: deployment.code.map {
                    OnlineDeploymentCode(
                        codeID: Planner.codeUpload(for: $0, workspaceID: endpoint.workspaceID).codeVersionID,
                        scoringScript: $0.scoringScript)
                })
        }
    }

    /// Auth mode, network access, description, tags and key regeneration, in place. The auth mode
    /// is sent with a PUT like every other property: aml-docs (how-to-authenticate-online-endpoint.md)
    /// sets it "when you create an online endpoint" and documents no update; if Azure refuses the
    /// change, apply fails with its error and nothing is lost, where a replace would delete the
    /// endpoint and every deployment behind it.
    private func updateEndpoint(
        _ context: EndpointContext, _ current: LiveOnlineEndpoint, adopting: Bool, _ draft: inout Draft
    ) -> Change {
        let endpoint = context.endpoint
        var fields: [FieldChange] = []
        var steps: [Step] = []
        if adopting {
            fields.append(
                FieldChange(
                    "markers", before: nil,
                    after: "\(Markers.serviceTarget)=\(context.target), \(Markers.serviceName)=\(endpoint.address.name)"
                ))
        }
        if OnlineEndpointAuth(armValue: current.authMode) != endpoint.authMode {
            fields.append(
                FieldChange(
                    "auth_mode",
                    before: .string(OnlineEndpointAuth(armValue: current.authMode)?.rawValue ?? current.authMode),
                    after: .string(endpoint.authMode.rawValue)))
        }
        if let wanted = endpoint.publicNetworkAccess, (current.publicNetworkAccess ?? "Enabled") != wanted {
            fields.append(
                FieldChange(
                    "public_network_access", before: .string((current.publicNetworkAccess ?? "Enabled").lowercased()),
                    after: .string(wanted.lowercased())))
        }
        if (current.description ?? "") != (endpoint.description ?? "") {
            fields.append(
                FieldChange(
                    "description", before: current.description.map(PlanValue.string),
                    after: endpoint.description.map(PlanValue.string)))
        }
        let userTags = current.tags.filter { !$0.key.hasPrefix("amlauth.") }
        if userTags != endpoint.tags {
            fields.append(
                FieldChange(
                    "tags", before: Self.render(userTags).map(PlanValue.string),
                    after: Self.render(endpoint.tags).map(PlanValue.string)))
        }
        var regenerated: [ServiceKey] = []
        // As for web services: the tag records the generation last applied, and any change of the
        // manifest's number regenerates that key once, before the tag records it.
        for (key, tag, wanted) in [
            (ServiceKey.primary, Markers.keyGenerationPrimary, endpoint.keyGenerations.primary),
            (.secondary, Markers.keyGenerationSecondary, endpoint.keyGenerations.secondary),
        ] {
            let have = Int(current.tags[tag] ?? "0") ?? 0
            guard wanted != have else { continue }
            if wanted < have {
                draft.notes.append(
                    PlanNote(
                        "key_rotation.\(key.rawValue) is \(wanted) in the manifests but \(have) was applied last; the change regenerates the \(key.rawValue) key once (keep the number increasing to keep its history readable)",
                        address: endpoint.address))
            }
            regenerated.append(key)
            fields.append(
                FieldChange(
                    "key_rotation.\(key.rawValue)", before: .number(Double(have)), after: .number(Double(wanted))))
            steps.append(.regenerateOnlineEndpointKey(endpoint: current.id, key: key))
        }
        let tagsDiffer = current.tags != context.tags
        if !fields.isEmpty || tagsDiffer {
            // The traffic it has: moving traffic is the `/traffic` change, after the deployments.
            var put = context.put(traffic: current.traffic)
            put.name = current.name
            steps.append(.putOnlineEndpoint(put))
        }
        if fields.isEmpty, tagsDiffer {
            // Only amlauth's own tags differ (a marker written by an older run): still a change.
            fields.append(FieldChange("markers", before: nil, after: "amlauth markers"))
        }
        let action: Action =
            fields.isEmpty ? .noOp : adopting ? .adopt : regenerated.isEmpty ? .update : .rotate
        var reason: String?
        if adopting {
            reason = "endpoint '\(current.name)' exists without amlauth's marker"
        } else if !regenerated.isEmpty {
            reason =
                "regenerate the " + regenerated.map(\.rawValue).joined(separator: " and ") + " key"
                + (regenerated.count > 1 ? "s" : "")
        }
        return Change(
            endpoint.address, action, reason: reason, fields: fields, steps: action == .noOp ? [] : steps,
            dependsOn: [endpoint.workspace])
    }

    /// One change per desired deployment; returns the addresses of those that do something.
    private func planDeployments(
        _ context: EndpointContext, live: [LiveOnlineDeployment], _ draft: inout Draft
    ) -> [ResourceAddress] {
        var changed: [ResourceAddress] = []
        for deployment in context.endpoint.deployments {
            let put = context.put(deployment)
            let dependsOn = [context.endpoint.address]
            guard let current = live.first(where: { $0.name.lowercased() == deployment.name.lowercased() }) else {
                draft.changes.append(
                    Change(
                        deployment.address, .create, fields: Self.fields(deployment, endpoint: context.endpoint),
                        steps: Self.codeSteps(deployment, context.endpoint) + [.putOnlineDeployment(put)],
                        dependsOn: dependsOn))
                changed.append(deployment.address)
                continue
            }
            var fields: [FieldChange] = []
            if current.modelVersionedName != deployment.model.description {
                fields.append(
                    FieldChange(
                        "model", before: current.modelVersionedName.map(PlanValue.string),
                        after: .string(deployment.model.description)))
            }
            if let wanted = deployment.environment, current.environment != wanted {
                fields.append(
                    FieldChange(
                        "environment", before: current.environment.map(PlanValue.string), after: .string(wanted)))
            }
            if let wanted = deployment.instanceType, current.instanceType?.lowercased() != wanted.lowercased() {
                fields.append(
                    FieldChange(
                        "instance_type", before: current.instanceType.map(PlanValue.string), after: .string(wanted)))
            }
            // New code is uploaded before the PUT; unchanged code exists already under its digest.
            let codeFields = Self.codeFields(deployment, current)
            fields += codeFields
            let upload: [Step] = codeFields.isEmpty ? [] : Self.codeSteps(deployment, context.endpoint)
            if current.instanceCount != deployment.instanceCount {
                fields.append(
                    FieldChange(
                        "instance_count", before: .number(Double(current.instanceCount)),
                        after: .number(Double(deployment.instanceCount))))
            }
            if current.tags[Markers.serviceTarget] != context.target
                || current.tags[Markers.serviceName] != deployment.address.name
            {
                fields.append(
                    FieldChange(
                        "markers", before: nil,
                        after:
                            "\(Markers.serviceTarget)=\(context.target), \(Markers.serviceName)=\(deployment.address.name)"
                    ))
            }
            // Azure rolls a deployment to a new model or size in place (PUT of the whole deployment).
            let action: Action = fields.isEmpty ? .noOp : .update
            draft.changes.append(
                Change(
                    deployment.address, action, fields: fields,
                    steps: action == .noOp ? [] : upload + [.putOnlineDeployment(put)],
                    dependsOn: dependsOn))
            if action != .noOp { changed.append(deployment.address) }
        }
        return changed
    }

    /// Moves traffic once the deployments exist (a traffic map may name only existing deployments).
    private func planTraffic(
        _ context: EndpointContext, from before: [String: Int], after deployments: [ResourceAddress],
        _ draft: inout Draft
    ) {
        let wanted = context.endpoint.traffic.filter { $0.value > 0 }
        guard before.filter({ $0.value > 0 }) != wanted else { return }
        draft.changes.append(
            Change(
                context.endpoint.trafficAddress, .update, reason: "once the deployments it names are in place",
                fields: [
                    FieldChange(
                        "traffic", before: Self.render(before).map(PlanValue.string),
                        after: .string(Self.render(context.endpoint.traffic) ?? "none"))
                ],
                steps: [.putOnlineEndpoint(context.put(traffic: context.endpoint.traffic))],
                dependsOn: [context.endpoint.address] + deployments))
    }

    /// Owned deployments the manifests no longer name: deleted with prune, after traffic moved away.
    private func planRemovedDeployments(
        _ context: EndpointContext, _ live: [LiveOnlineDeployment], traffic: [String: Int], _ draft: inout Draft
    ) {
        let wanted = Set(context.endpoint.deployments.map { $0.name.lowercased() })
        for deployment in live where !wanted.contains(deployment.name.lowercased()) {
            guard deployment.tags[Markers.serviceTarget] == context.target else {
                draft.notes.append(
                    PlanNote(
                        "deployment '\(deployment.name)' of endpoint '\(context.endpoint.address.name)' is not amlauth's; it stays",
                        address: context.endpoint.address))
                continue
            }
            let address = ResourceAddress(
                .onlineDeployment,
                deployment.tags[Markers.serviceName] ?? "\(context.endpoint.address.name)-\(deployment.name)")
            let before = draft.changes.count
            orphan(
                address, "deployment '\(deployment.name)' of endpoint '\(context.endpoint.address.name)'",
                steps: [.deleteOnlineDeployment(deployment.id)], &draft)
            if draft.changes.count > before, (traffic[deployment.name] ?? 0) > 0 {
                draft.changes[draft.changes.count - 1].dependsOn.append(context.endpoint.trafficAddress)
            }
        }
    }

    /// `a=1, b=2`, or nil for none.
    static func render(_ map: [String: some CustomStringConvertible]) -> String? {
        map.isEmpty ? nil : map.keys.sorted().map { "\($0)=\(map[$0]!)" }.joined(separator: ", ")
    }

    private static func fields(_ endpoint: DesiredOnlineEndpoint) -> [FieldChange] {
        [
            FieldChange("workspace", before: nil, after: .string(endpoint.workspace.name)),
            FieldChange("compute", before: nil, after: .string(endpoint.computeID?.segments.last?.name ?? "managed")),
            FieldChange("auth_mode", before: nil, after: .string(endpoint.authMode.rawValue)),
            FieldChange(
                "public_network_access", before: nil,
                after: endpoint.publicNetworkAccess.map { .string($0.lowercased()) }),
            FieldChange("description", before: nil, after: endpoint.description.map(PlanValue.string)),
            FieldChange("tags", before: nil, after: render(endpoint.tags).map(PlanValue.string)),
            FieldChange(
                "token_clients", before: nil,
                after: endpoint.tokenClients.isEmpty
                    ? nil : .string(endpoint.tokenClients.map(\.description).joined(separator: ", "))),
        ].filter { $0.after != nil }
    }

    private static func fields(_ deployment: DesiredOnlineDeployment, endpoint: DesiredOnlineEndpoint)
        -> [FieldChange]
    {
        [
            FieldChange("endpoint", before: nil, after: .string(endpoint.address.name)),
            FieldChange("name", before: nil, after: .string(deployment.name)),
            FieldChange("model", before: nil, after: .string(deployment.model.description)),
            FieldChange("environment", before: nil, after: deployment.environment.map(PlanValue.string)),
            FieldChange("instance_type", before: nil, after: deployment.instanceType.map(PlanValue.string)),
            FieldChange("instance_count", before: nil, after: .number(Double(deployment.instanceCount))),
        ].filter { $0.after != nil } + codeFields(deployment, nil)
    }
}
