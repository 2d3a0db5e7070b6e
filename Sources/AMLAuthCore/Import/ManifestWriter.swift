/// Renders imported objects as manifests: deterministic (the order given, fixed field order, no
/// clock), and safe whatever the cloud holds. Every value that came from the cloud is written as
/// a double-quoted YAML scalar with every quote, backslash, control character and line break
/// escaped, and comments are escaped the same way, so a display name such as
/// `x"\nkind: Target` stays one string and cannot add a key, a document or a comment.
public enum ManifestWriter {
    /// The whole file: the header comment, then one document per imported object.
    public static func render(_ imported: ImportedManifests) -> String {
        var lines = ["# Written by 'amlauth import' from:"]
        lines += imported.origin.map { "#   " + comment($0) }
        lines += [
            "# Objects amlauth does not own yet: review, then take them over with",
            "# 'amlauth plan --adopt' (it should show only adoptions) and 'amlauth apply --adopt'.",
        ]
        if !imported.skipped.isEmpty {
            lines.append("# Not imported:")
            lines += imported.skipped.map { "#   " + comment($0) }
        }
        var text = lines.joined(separator: "\n") + "\n"
        for (index, document) in imported.documents.enumerated() {
            text += (index == 0 ? "" : "---\n") + render(document).joined(separator: "\n") + "\n"
        }
        return text
    }

    static func render(_ document: ImportedDocument) -> [String] {
        let address = document.address
        var lines = [
            "apiVersion: amlauth/v1", "kind: \(address.kind.rawValue)", "metadata:", "  name: \(quoted(address.name))",
            "spec:",
        ]
        switch document {
        case .workspace(let workspace):
            lines.append("  resource_group: \(quoted(workspace.resourceGroup))")
            if let location = workspace.location { lines.append("  location: \(quoted(location))") }
        case .servicePrincipal(let principal):
            lines += servicePrincipal(principal)
        case .roleAssignment(let assignment):
            lines.insert("# live name: " + comment(assignment.liveName), at: 0)
            lines += [
                "  principal: \(principal(assignment.principal))",
                "  role: \(quoted(assignment.role.builtInName ?? assignment.role.guid.value))",
                "  scope: \(scope(assignment.scope))",
            ]
        case .webservice(let service):
            lines += webservice(service)
        }
        return lines
    }

    private static func servicePrincipal(_ principal: ImportedServicePrincipal) -> [String] {
        var lines = ["  # appId \(comment(principal.appID))", "  display_name: \(quoted(principal.displayName))"]
        for certificate in principal.certificates {
            lines.append(
                "  # certificate \(quoted(certificate.displayName ?? "")), thumbprint \(comment(certificate.thumbprint ?? "unknown")): "
                    + "not declared (a certificate credential needs its PEM file); amlauth leaves it in place")
        }
        for password in principal.passwords {
            lines.append(
                "  # password \(quoted(password.displayName ?? "")), keyId \(comment(password.keyID)), expires \(date(password.endDateTime)): "
                    + "its secret cannot be read, so it is not declared and amlauth leaves it in place.")
        }
        if !principal.passwords.isEmpty {
            lines += [
                "  # To have amlauth rotate a password instead, declare one (it is created at the next apply and",
                "  # delivered to its sink), move its consumers over, then remove the old one by hand:",
                "  #   credentials:",
                "  #     - {name: ci, type: password, lifetime: 90d, renew_before: 30d, deliver_to: \"keyvault:VAULT/SECRET\"}",
            ]
        }
        guard !principal.federatedCredentials.isEmpty else { return lines }
        lines.append("  federated_credentials:")
        for credential in principal.federatedCredentials {
            lines += [
                "    - name: \(quoted(credential.name))", "      issuer: \(quoted(credential.issuer))",
                "      subject: \(quoted(credential.subject))",
                "      audiences: [\(credential.audiences.map(quoted).joined(separator: ", "))]",
            ]
        }
        return lines
    }

    private static func webservice(_ service: ImportedWebservice) -> [String] {
        var lines = [
            "  workspace: \(quoted(service.workspace))", "  compute_type: \(service.computeType.rawValue)",
        ]
        if let target = service.computeTarget { lines.append("  compute_target: \(quoted(target))") }
        lines += [
            "  models: [\(service.models.map { quoted($0.description) }.joined(separator: ", "))]",
            "  entry_script: \(quoted(service.entryScript))",
            "  environment: \(quoted(service.environment.description))",
            "  cpu_cores: \(number(service.cpuCores))", "  memory_gb: \(number(service.memoryGB))",
            "  auth_enabled: \(service.authEnabled)", "  token_auth_enabled: \(service.tokenAuthEnabled)",
        ]
        return lines
    }

    private static func principal(_ reference: PrincipalReference) -> String {
        switch reference {
        case .servicePrincipal(let name): return "{service_principal: \(quoted(name))}"
        case .objectID(let id, let type):
            return "{object_id: \(quoted(id.value))" + (type.map { ", type: \($0.rawValue)" } ?? "") + "}"
        }
    }

    private static func scope(_ reference: ScopeReference) -> String {
        switch reference {
        case .workspace(let name): "{workspace: \(quoted(name))}"
        case .resourceGroup(let group): "{resource_group: \(quoted(group))}"
        case .subscription: "{subscription: true}"
        case .id(let id): "{id: \(quoted(id.description))}"
        }
    }

    /// A YAML double-quoted scalar: `"` and `\` escaped, and every control character, line break
    /// (including NEL, LS, PS) and BOM written as an escape, so the value is one line and one string.
    public static func quoted(_ text: String) -> String { "\"" + escaped(text) + "\"" }

    /// Text for a `#` comment: the same escapes, so it cannot end the comment line.
    public static func comment(_ text: String) -> String { escaped(text) }

    private static func escaped(_ text: String) -> String {
        var result = ""
        for scalar in text.unicodeScalars {
            switch scalar {
            case "\"": result += "\\\""
            case "\\": result += "\\\\"
            case "\n": result += "\\n"
            case "\t": result += "\\t"
            case "\r": result += "\\r"
            default:
                let value = scalar.value
                if value < 0x20 || (0x7F...0x9F).contains(value) || value == 0x2028 || value == 0x2029
                    || value == 0xFEFF
                {
                    let hex = String(value, radix: 16, uppercase: true)
                    result += "\\u" + String(repeating: "0", count: 4 - hex.count) + hex
                } else {
                    result.unicodeScalars.append(scalar)
                }
            }
        }
        return result
    }

    /// A number as the plan shows it: `1`, `0.5`.
    static func number(_ value: Double) -> String { PlanValue.number(value).description }

    /// `YYYY-MM-DD` (UTC) of seconds since 1970, without a calendar library (days-from-civil inverse).
    static func date(_ seconds: Double) -> String {
        let days = Int((seconds / 86_400).rounded(.down)) + 719_468
        let era = (days >= 0 ? days : days - 146_096) / 146_097
        let dayOfEra = days - era * 146_097
        let yearOfEra = (dayOfEra - dayOfEra / 1_460 + dayOfEra / 36_524 - dayOfEra / 146_096) / 365
        let dayOfYear = dayOfEra - (365 * yearOfEra + yearOfEra / 4 - yearOfEra / 100)
        let monthIndex = (5 * dayOfYear + 2) / 153
        let day = dayOfYear - (153 * monthIndex + 2) / 5 + 1
        let month = monthIndex < 10 ? monthIndex + 3 : monthIndex - 9
        let year = yearOfEra + era * 400 + (month <= 2 ? 1 : 0)
        func two(_ number: Int) -> String { number < 10 ? "0\(number)" : "\(number)" }
        return "\(year)-\(two(month))-\(two(day))"
    }
}
