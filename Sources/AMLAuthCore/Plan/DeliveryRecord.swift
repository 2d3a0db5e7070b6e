import WireFormat

/// The cloud's record that a password reached its sink: a tag on the application, next to the
/// ownership markers, `amlauth:delivered:<keyId>=<sink digest>`.
///
/// Why a tag: a password credential's properties (its displayName included) are fixed when
/// `addPassword` creates it, and the secret exists before amlauth can deliver it, so the
/// password itself cannot say it was delivered; an application's `tags` can be changed at any
/// time (Graph `PATCH /applications/{id}`). The record holds no secret: the keyId is public
/// metadata, and the sink is a digest of its spec (`file:.secrets/x.json`), so a changed sink is
/// delivered to again and no path leaks into the directory.
///
/// apply writes the record only after the sink has the password: a crash between delivery and
/// record leaves the newest password without one, and the next plan replaces it (rotates),
/// never keeps a password nobody may hold.
public struct DeliveryRecord: Sendable, Equatable {
    public var keyID: String
    public var sinkDigest: String

    public static let prefix = "amlauth:delivered:"

    public init(keyID: String, sink: SecretSink) {
        self.keyID = keyID
        self.sinkDigest = Self.digest(sink)
    }

    /// The tag that says it.
    public var tag: String { Self.prefix + keyID + "=" + sinkDigest }

    /// The keyId a delivery tag names, or nil when `tag` is not one.
    public static func keyID(inTag tag: String) -> String? {
        guard tag.hasPrefix(prefix) else { return nil }
        return tag.dropFirst(prefix.count).split(separator: "=", maxSplits: 1).first.map(String.init)
    }

    /// The first 16 hex digits of SHA-1 over the sink's spec: it tells sinks apart, it is not a
    /// secret and protects none.
    public static func digest(_ sink: SecretSink) -> String {
        let hash = SHA1.hash(Array("amlauth delivery sink\n\(sink.description)".utf8))
        let hex = Array("0123456789abcdef")
        return String(hash.prefix(8).flatMap { [hex[Int($0 >> 4)], hex[Int($0 & 0x0f)]] })
    }

    /// Whether `tags` say that password `keyID` was delivered to `sink` (this very sink spec).
    public static func isRecorded(keyID: String, sink: SecretSink, in tags: [String]) -> Bool {
        tags.contains(DeliveryRecord(keyID: keyID, sink: sink).tag)
    }

    /// `tags` with this record added. Records of passwords that no longer exist, and earlier
    /// records of the same credential (`sameCredential`: the keyIds of its other passwords), are
    /// dropped, so an application carries at most one record per credential plus, during a
    /// rotation, none for the password being replaced. Other tags are kept as they are.
    public func applied(to tags: [String], livePasswords: Set<String>, sameCredential: Set<String>) -> [String] {
        var result = tags.filter { tag in
            guard let keyID = Self.keyID(inTag: tag) else { return true }
            return livePasswords.contains(keyID) && !sameCredential.contains(keyID) && keyID != self.keyID
        }
        result.append(tag)
        return result
    }
}
