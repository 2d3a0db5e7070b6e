/// `keys_from`: the change `OnlineEndpoint/<name>/keys` that copies a v1 service's keys into the
/// endpoint once, after the endpoint (and a declared service) exist, and records the copy in the
/// endpoint's `amlauth.keys-from` tag. The plan names the service, never a key: apply reads them.
///
/// How the next plan knows the keys were copied: by that tag, not by comparing the keys. Comparing
/// would make `plan` read both services' keys (a secret read, and the listKeys permission, for
/// every plan) and would fight `key_rotation`: once callers move, the endpoint's own rotation must
/// win over the v1 keys, where a comparison would copy the old keys back.
extension Planner {
    /// Plans the copy when `keys_from` names a service whose keys the endpoint has not taken yet;
    /// returns the context the later endpoint PUTs (traffic) use, and the changes they wait for.
    func planKeyCopy(
        _ context: EndpointContext, into endpointID: AzureResourceID, liveName: String? = nil,
        traffic: [String: Int], _ live: LiveState, _ draft: inout Draft
    ) -> (context: EndpointContext, changes: [ResourceAddress]) {
        let endpoint = context.endpoint
        guard let source = endpoint.keysFrom, context.keysCopiedFrom != source.service else { return (context, []) }
        var dependsOn = [endpoint.address]
        if let declared = source.declared {
            dependsOn.append(declared)
        } else if let blocked = liveSourceProblem(source, live) {
            draft.notes.append(PlanNote(blocked, address: endpoint.address, blocking: true))
            return (context, [])
        }
        var copied = context
        copied.keysCopiedFrom = source.service
        var put = copied.put(traffic: traffic)
        if let liveName { put.name = liveName }
        let address = endpoint.keysAddress
        draft.changes.append(
            Change(
                address, .rotate, reason: "keep the keys of v1 web service '\(source.service)' (read at apply time)",
                fields: [FieldChange("keys", before: nil, after: "copied from webservice '\(source.service)'")],
                steps: [
                    .copyOnlineEndpointKeys(
                        endpoint: endpointID, workspace: source.workspaceID, service: source.service),
                    .putOnlineEndpoint(put),
                ], dependsOn: dependsOn))
        // A v1 service deleted by this plan keeps its keys until they are copied.
        for index in draft.changes.indices {
            let deletes = draft.changes[index].steps.contains { step in
                guard case .deleteService(let workspace, let name) = step else { return false }
                return workspace.canonicalKey == source.workspaceID.canonicalKey && name == source.service
            }
            if deletes { draft.changes[index].dependsOn.append(address) }
        }
        return (copied, [address])
    }

    /// Why a live service cannot give its keys: not read, not there, or without key auth.
    private func liveSourceProblem(_ source: OnlineEndpointKeySource, _ live: LiveState) -> String? {
        let key = source.workspaceID.canonicalKey
        if live.unreadScopes.contains(where: { $0.kind == .webservices && $0.scope.canonicalKey == key }) {
            return
                "keys_from names web service '\(source.service)', but the workspace's services could not be read; the keys are not copied"
        }
        guard
            let service = live.webservices.first(where: {
                $0.workspaceID.canonicalKey == key && $0.name == source.service
            })
        else {
            return
                "keys_from names web service '\(source.service)', which no Webservice manifest declares and the endpoint's workspace does not have"
        }
        guard service.authEnabled else {
            return "keys_from names web service '\(source.service)', which has no key auth and so no keys to copy"
        }
        return nil
    }
}
