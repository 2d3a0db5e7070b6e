import AuthCrypto
import WireFormat

/// The local cloud's storage host names. Azure names a storage account's blob endpoint
/// `{account}.blob.{suffix}` (`core.windows.net` in the public cloud), and azureml-core rebuilds
/// that host from any SAS URL it is given, so the local cloud has to answer on such names too. Its
/// suffix is `localhost`: libcurl (amlauth) resolves every `*.localhost` name to loopback itself
/// (RFC 6761), the server certificate covers `*.blob.localhost`, and clients whose resolver does
/// not (Python's) go through the local cloud's CONNECT proxy, which tunnels only these names to
/// the local cloud. The cloud-metadata document publishes the suffix.
public enum StorageHost {
    /// The storage endpoint suffix, as ARM's cloud metadata names it (`suffixes.storage`).
    public static let suffix = "localhost"

    /// The container of a workspace's storage account where the artifact service keeps files.
    static let artifactContainer = "azureml"

    /// `*.blob.localhost`, the name the server certificate covers.
    public static let certificateName = "*.blob.\(suffix)"

    /// The account a `Host` header names (`{account}.blob.localhost[:port]`), or nil for any other
    /// host. Account names are 3 to 24 lower-case letters and digits, as Azure's are.
    public static func account(fromHost host: String?) -> String? {
        guard let host else { return nil }
        let name = host.lowercased().split(separator: ":", maxSplits: 1).first.map(String.init) ?? ""
        let labels = name.split(separator: ".", omittingEmptySubsequences: false)
        guard labels.count == 3, labels[1] == "blob", labels[2] == suffix, (3...24).contains(labels[0].count),
            labels[0].allSatisfy({ ($0.isASCII && $0.isLetter) || $0.isNumber })
        else { return nil }
        return String(labels[0])
    }

    /// `https://{account}.blob.localhost:{port}`, on the port the request being answered came to.
    static func origin(account: String, serving context: RequestContext) -> String {
        let host = context.request.header("host") ?? ""
        let port = host.hasSuffix("]") ? nil : host.split(separator: ":").last.flatMap { Int($0) }
        return "https://\(account).blob.\(suffix)" + (port.map { ":\($0)" } ?? "")
    }

    /// Why Azure Storage refuses a Put Blob before storing anything (status, error code, message),
    /// or nil: a missing or other `x-ms-blob-type` (only BlockBlob is served), or a `Content-MD5`
    /// that is not the body's (what azure-storage-blob's `validate_content=True` relies on; 400
    /// `Md5Mismatch` in the Blob service REST reference's error codes).
    static func putBlobRefusal(_ request: CloudRequest) -> (status: Int, code: String, message: String)? {
        guard let type = request.header("x-ms-blob-type") else {
            return (400, "MissingRequiredHeader", "An HTTP header that's mandatory for this request is not specified.")
        }
        guard type == "BlockBlob" else {
            return (400, "InvalidHeaderValue", "The value for one of the HTTP headers is not in the correct format.")
        }
        if let sent = request.header("content-md5"), sent != contentMD5(request.body) {
            return (
                400, "Md5Mismatch",
                "The MD5 value specified in the request did not match with the MD5 value calculated by the server."
            )
        }
        return nil
    }

    /// The base64 MD5 of a blob's content, as `Content-MD5` carries it.
    static func contentMD5(_ content: [UInt8]) -> String { Base64.encode(Digest.md5(content)) }

    /// Azure Storage's error: the code in `x-ms-error-code` and an XML `<Error>` body with the
    /// request id and time, and for a failed SAS check the `AuthenticationErrorDetail`.
    static func error(_ status: Int, _ code: String, _ message: String, context: RequestContext, detail: String? = nil)
        -> CloudResponse
    {
        var xml =
            "<?xml version=\"1.0\" encoding=\"utf-8\"?><Error><Code>\(code)</Code><Message>\(message)\nRequestId:\(context.requestID)\nTime:\(context.timestamp)</Message>"
        if let detail { xml += "<AuthenticationErrorDetail>\(detail)</AuthenticationErrorDetail>" }
        xml += "</Error>"
        return CloudResponse(
            status: status, headers: [("Content-Type", "application/xml"), ("x-ms-error-code", code)],
            body: Array(xml.utf8))
    }
}
