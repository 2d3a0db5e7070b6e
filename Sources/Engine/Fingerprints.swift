public import AMLAuthCore
import AuthCrypto
import Foundation

/// Digests that let `apply plan.json` notice that the world moved since the plan: one per live
/// object read, and one over the manifests.
public enum Fingerprints {
    /// `application/<objectId>`, `roleAssignment/<name>`, `webservice/<workspace>/<name>`,
    /// `sink/<credential>` → SHA-256 of the object's stable encoding.
    public static func of(_ live: LiveState) -> [String: String] {
        var result: [String: String] = [:]
        for application in live.applications { result["application/\(application.objectID)"] = digest(application) }
        for assignment in live.roleAssignments { result["roleAssignment/\(assignment.name)"] = digest(assignment) }
        for service in live.webservices { result["webservice/\(service.workspaceID.lowercased())/\(service.name)"] = digest(service) }
        for (key, keyID) in live.deliveredPasswords { result["sink/\(key)"] = hex(Digest.sha256(Array(keyID.utf8))) }
        return result
    }

    /// SHA-256 over every manifest's path and bytes, in path order.
    public static func manifests(_ files: [SourceFile]) -> String {
        var bytes: [UInt8] = []
        for file in files.sorted(by: { $0.path < $1.path }) { bytes += Array(file.path.utf8) + [0] + file.bytes + [0] }
        return hex(Digest.sha256(bytes))
    }

    private static func digest(_ value: some Encodable) -> String {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        return hex(Digest.sha256([UInt8]((try? encoder.encode(value)) ?? Data())))
    }

    private static func hex(_ bytes: [UInt8]) -> String {
        "sha256:" + bytes.map { String(format: "%02x", $0) }.joined()
    }
}
