import AMLAuthCore
public import HTTPClient
import WireFormat

/// Every failure talking to Azure, in one shape: which service, what HTTP status and error code,
/// the service's message and request id, and whether trying again could help. Never carries a
/// secret, a key or a token.
public struct AzureError: Error, Sendable, CustomStringConvertible {
    public enum Service: String, Sendable {
        case entra = "Entra ID"
        case graph = "Microsoft Graph"
        case resourceManager = "Azure Resource Manager"
        case modelManagement = "Azure ML model management"
        case scoring = "web service scoring"
        case keyVault = "Azure Key Vault"
        case storage = "Azure Storage"
        case credential = "credential"
    }

    public var service: Service
    /// nil when no HTTP response arrived (connection, TLS, timeout).
    public var status: Int?
    /// The service's error code (`RoleAssignmentExists`, `AADSTS7000215`, `ConnectionFailed`).
    public var code: String
    public var message: String
    public var requestID: String?
    /// `METHOD URL` without the query string.
    public var target: String
    /// Attempts made, the first included.
    public var attempts = 1

    public init(service: Service, status: Int?, code: String, message: String, requestID: String? = nil, target: String)
    {
        self.service = service
        self.status = status
        self.code = code
        self.message = message
        self.requestID = requestID
        self.target = target
    }

    /// Worth retrying later (throttling, server trouble, broken connections); everything else —
    /// validation errors, 403, 404 — fails at once.
    public var isRetryable: Bool {
        if let status { return RetryPolicy.retryableStatuses.contains(status) }
        return ["ConnectionFailed", "Timeout"].contains(code)
    }

    /// Graph's answer to creating a service principal for an application it has not replicated
    /// yet (real Entra: 400 `Request_BadRequest`, "…does not reference a valid application
    /// object…", also seen as `NoBackingApplicationObject`): worth waiting out.
    /// A caller holding only `Application.ReadWrite.OwnedBy` gets 403 instead ("When using this
    /// permission, the backing application of the service principal being created must in the
    /// local tenant", sic), also "usually due to the application object not being fully
    /// replicated": terraform-provider-azuread service_principal_resource.go retries both (audit D5).
    public var isApplicationNotReplicated: Bool {
        guard service == .graph else { return false }
        if status == 400 {
            return code == "NoBackingApplicationObject"
                || message.contains("does not reference a valid application object")
        }
        return status == 403
            && message.contains("backing application of the service principal being created must in the local tenant")
    }

    public var description: String {
        var text = "\(service.rawValue): \(code)"
        if let status { text += " (HTTP \(status))" }
        text += ": \(message)"
        text += " [\(target)"
        if let requestID { text += ", request id \(requestID)" }
        if attempts > 1 { text += ", after \(attempts) attempts" }
        return text + "]"
    }

    /// Decodes a service's error body: ARM and Graph `{"error":{"code","message"}}`, model
    /// management `{"code","message"}`, Entra `{"error","error_description","error_codes"}`.
    public static func from(_ response: HTTPResponse, service: Service, target: String) -> AzureError {
        let json = try? JSONParser.parse(response.body)
        let requestID = response.header("x-ms-request-id") ?? response.header("request-id")
        var code = "HTTP\(response.status)"
        var message = response.status == 401 ? "unauthorized" : "the service answered \(response.status)"
        if let error = json?["error"], let inner = error["code"]?.stringValue {
            code = inner
            message = error["message"]?.stringValue ?? message
        } else if let oauth = json?["error"]?.stringValue {
            // Entra: the first line of error_description ("AADSTS7000215: …"); the rest is trace ids.
            let description = json?["error_description"]?.stringValue ?? oauth
            let first = description.split(separator: "\r\n").first.map(String.init) ?? description
            code = json?["error_codes"]?.arrayValue?.first?.numberValue.map { "AADSTS\(Int($0))" } ?? oauth
            message = first.hasPrefix(code + ": ") ? String(first.dropFirst(code.count + 2)) : first
        } else if let inner = json?["code"]?.stringValue {
            code = inner
            message = json?["message"]?.stringValue ?? message
        } else if let inner = json?["error"]?["message"]?.stringValue {
            // Model management's validation answers carry a message and no code (azureml-core
            // `_check_validate_error` reads `error.message`; audit D20): keep the message.
            message = inner
        } else if let inner = json?["message"]?.stringValue ?? json?["Message"]?.stringValue {
            message = inner
        }
        return AzureError(
            service: service, status: response.status, code: code, message: message, requestID: requestID,
            target: target)
    }

    public static func from(_ error: TransportError, service: Service) -> AzureError {
        let code =
            switch error.kind {
            case .connection: "ConnectionFailed"
            case .timeout: "Timeout"
            case .tls: "TLSFailed"
            case .refused: "Refused"
            case .cancelled: "Cancelled"
            case .other: "TransportFailed"
            }
        return AzureError(service: service, status: nil, code: code, message: error.message, target: error.target)
    }
}
