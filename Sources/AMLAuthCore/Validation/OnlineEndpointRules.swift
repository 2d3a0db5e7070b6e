import YAMLSource

/// Rules of Azure ML v2 online endpoints and their deployments, from aml-docs
/// (how-to-authenticate-online-endpoint.md, how-to-safely-rollout-online-endpoints.md) and the
/// REST spec's endpoint name pattern. They read drafts, like `AzureMLRules`.
enum OnlineEndpointRules {
    static func check(_ set: ManifestDrafts) -> Diagnostics {
        var diagnostics = Diagnostics()
        // Deployment names per endpoint, for traffic; a deployment named twice is reported once.
        var deployments: [String: [String: SourceLocation]] = [:]
        for deployment in set.onlineDeployments {
            guard let endpoint = deployment.endpoint, let name = deployment.deploymentName else { continue }
            let location = deployment.source.location(of: "name")
            if let first = deployments[endpoint]?[name] {
                diagnostics.report(
                    .duplicateItem, "endpoint '\(endpoint)' has two deployments named '\(name)'", at: location,
                    notes: [Diagnostic.Note("the other one is here", at: first)])
            } else {
                deployments[endpoint, default: [:]][name] = location
            }
            if !AzureMLRules.isServiceName(name) {
                diagnostics.report(
                    .azureMLName, "'\(name)' is not a valid online deployment name", at: location,
                    hint: "3 to 32 lower-case letters, digits or '-', starting with a letter")
            }
        }
        for endpoint in set.onlineEndpoints {
            check(endpoint, deployments: deployments[endpoint.name] ?? [:], into: &diagnostics)
        }
        diagnostics.append(contentsOf: checkKeysFrom(set))
        return diagnostics
    }

    private static func check(
        _ endpoint: OnlineEndpointDraft, deployments: [String: SourceLocation], into diagnostics: inout Diagnostics
    ) {
        let source = endpoint.source
        // The REST spec's name pattern is `^[a-zA-Z][a-zA-Z0-9-]{0,30}[a-zA-Z0-9]$`; Azure folds case
        // into the scoring host name, so amlauth asks for lower case as for v1 services.
        if !AzureMLRules.isServiceName(endpoint.name) {
            diagnostics.report(
                .azureMLName, "'\(endpoint.name)' is not a valid online endpoint name", at: source.nameLocation,
                hint:
                    "3 to 32 lower-case letters, digits or '-', starting with a letter and ending with a letter or digit"
            )
        }
        if case .kubernetes? = endpoint.compute, endpoint.authMode == .aadToken {
            diagnostics.report(
                .endpointAuthMode,
                "'aad_token' works on managed endpoints only; a Kubernetes endpoint takes 'key' or 'aml_token'",
                at: source.location(of: "auth_mode"), hint: "use 'auth_mode: aml_token', or 'compute: managed'")
        }
        if let mode = endpoint.authMode, mode != .key,
            endpoint.keyRotation.primary > 0 || endpoint.keyRotation.secondary > 0
        {
            diagnostics.report(
                .keyRotationWithoutKeyAuth,
                "'key_rotation' regenerates keys, but this endpoint uses '\(mode.rawValue)', not 'key'",
                at: source.location(of: "key_rotation"))
        }
        guard let traffic = source.spec["traffic"]?.object else { return }
        for (name, value) in traffic.sorted(by: { $0.key < $1.key }) where deployments[name] == nil {
            diagnostics.report(
                .trafficDeployment, "traffic names '\(name)', which is not a deployment of endpoint '\(endpoint.name)'",
                at: value.keyLocation ?? value.location,
                hint: Suggestion.hint(for: name, in: deployments.keys.sorted())
                    ?? "add an OnlineDeployment with 'endpoint: \(endpoint.name)' and 'name: \(name)'")
        }
        let sum = endpoint.traffic.values.reduce(0, +)
        if sum != 100, sum != 0, endpoint.traffic.count == traffic.count {
            diagnostics.report(
                .trafficSum, "traffic sums to \(sum)%; it must be 100% (or 0% for no traffic)",
                at: source.location(of: "traffic"))
        }
    }
}
