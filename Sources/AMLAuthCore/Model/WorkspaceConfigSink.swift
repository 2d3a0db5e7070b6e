/// `workspace-config:PATH`, a Workspace's `deliver_to`: the `config.json` that azureml-core's
/// `Workspace.from_config()` reads (`subscription_id`, `resource_group`, `workspace_name`), so a
/// notebook or script in the repository finds the workspace the manifests name. It holds no secret.
///
/// The keys are azureml-core's (`azureml/core/workspace.py`, `Workspace.write_config` and
/// `from_config`, which looks for `config.json` in the directory, `.azureml/` and `aml_config/`,
/// walking up from the working directory).
public struct WorkspaceConfigSink: Sendable, Hashable, CustomStringConvertible {
    public static let prefix = "workspace-config:"
    public static let form = "workspace-config:PATH"

    /// The file, relative to the Target's directory unless absolute.
    public var path: String

    public init(path: String) { self.path = path }

    /// The sink, or why `text` is not one.
    public static func parse(_ text: String) -> Result<WorkspaceConfigSink, SinkSyntaxError> {
        guard text.hasPrefix(prefix) else {
            return .failure(
                SinkSyntaxError(
                    "a Workspace delivers only its config, to \(form) (e.g. workspace-config:.azureml/config.json)"))
        }
        let path = String(text.dropFirst(prefix.count))
        guard !path.isEmpty, !path.hasSuffix("/") else {
            return .failure(SinkSyntaxError("\(form) needs a file name, e.g. workspace-config:.azureml/config.json"))
        }
        return .success(WorkspaceConfigSink(path: path))
    }

    public var description: String { Self.prefix + path }

    /// The file's content: what `Workspace.write_config` writes, keys in its order.
    public static func document(subscriptionID: String, resourceGroup: String, workspaceName: String) -> String {
        func quoted(_ text: String) -> String {
            var output = "\""
            for scalar in text.unicodeScalars {
                switch scalar {
                case "\"": output += "\\\""
                case "\\": output += "\\\\"
                case _ where scalar.value < 0x20:
                    output +=
                        "\\u" + String(repeating: "0", count: 4 - String(scalar.value, radix: 16).count)
                        + String(scalar.value, radix: 16)
                default: output.unicodeScalars.append(scalar)
                }
            }
            return output + "\""
        }
        return """
            {
                "subscription_id": \(quoted(subscriptionID)),
                "resource_group": \(quoted(resourceGroup)),
                "workspace_name": \(quoted(workspaceName))
            }

            """
    }
}
