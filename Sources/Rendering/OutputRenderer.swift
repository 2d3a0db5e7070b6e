public import AMLAuthCore
import WireFormat

/// `amlauth output` as a table for people or JSON for scripts (`jq -r .servicePrincipals[0].clientId`).
public enum OutputRenderer {
    /// Stable JSON: absent identifiers are `null`, never omitted, so a script can tell them apart
    /// from a typo.
    public static func json(_ outputs: TargetOutputs) -> String {
        func text(_ value: String?) -> JSONValue { value.map(JSONValue.string) ?? .null }
        let document = JSONValue.object([
            ("target", .string(outputs.target)), ("cloud", .string(outputs.cloud)),
            ("tenantId", text(outputs.tenantID)), ("subscriptionId", .string(outputs.subscriptionID)),
            (
                "servicePrincipals",
                .array(
                    outputs.servicePrincipals.map { principal in
                        .object([
                            ("name", .string(principal.name)), ("displayName", .string(principal.displayName)),
                            ("clientId", text(principal.clientID)),
                            ("applicationObjectId", text(principal.applicationObjectID)),
                            ("objectId", text(principal.objectID)),
                        ])
                    })
            ),
            (
                "webservices",
                .array(
                    outputs.webservices.map { service in
                        .object([
                            ("name", .string(service.name)), ("workspace", .string(service.workspace)),
                            ("workspaceId", .string(service.workspaceID)),
                            ("computeType", .string(service.computeType)), ("auth", .string(service.auth)),
                            ("scoringUri", text(service.scoringURI)), ("exists", .bool(service.exists)),
                        ])
                    })
            ),
            (
                "onlineEndpoints",
                .array(
                    outputs.onlineEndpoints.map { endpoint in
                        .object([
                            ("name", .string(endpoint.name)), ("workspace", .string(endpoint.workspace)),
                            ("id", .string(endpoint.id)), ("authMode", .string(endpoint.authMode)),
                            ("scoringUri", text(endpoint.scoringURI)), ("exists", .bool(endpoint.exists)),
                        ])
                    })
            ),
        ])
        return document.serialized() + "\n"
    }

    /// Aligned key/value lines, one block per object; `-` where an object does not exist yet.
    public static func text(_ outputs: TargetOutputs) -> String {
        var lines = [
            "target:        \(outputs.target)",
            "cloud:         \(outputs.cloud)",
            "tenant:        \(outputs.tenantID ?? "-")",
            "subscription:  \(outputs.subscriptionID)",
        ]
        for principal in outputs.servicePrincipals {
            lines.append("")
            lines.append("ServicePrincipal/\(principal.name)  (\(principal.displayName))")
            lines.append("  client id:              \(principal.clientID ?? "- (not created yet)")")
            lines.append("  application object id:  \(principal.applicationObjectID ?? "-")")
            lines.append("  object id:              \(principal.objectID ?? "-")")
        }
        for service in outputs.webservices {
            lines.append("")
            lines.append("Webservice/\(service.name)  (\(service.computeType), \(service.auth) auth)")
            lines.append("  workspace:    \(service.workspace)  \(service.workspaceID)")
            let uri = service.exists ? (service.scoringURI ?? "- (not reported yet)") : "- (not created yet)"
            lines.append("  scoring uri:  \(uri)")
        }
        for endpoint in outputs.onlineEndpoints {
            lines.append("")
            lines.append("OnlineEndpoint/\(endpoint.name)  (\(endpoint.authMode) auth)")
            lines.append("  workspace:    \(endpoint.workspace)")
            let uri = endpoint.exists ? (endpoint.scoringURI ?? "- (not reported yet)") : "- (not created yet)"
            lines.append("  scoring uri:  \(uri)")
        }
        return lines.joined(separator: "\n") + "\n"
    }
}
