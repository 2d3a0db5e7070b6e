public import AMLAuthCore
import AuthCrypto

extension EntryScriptFile {
    /// The entry script with these bytes and their SHA-256 (lower-case hex): the one place that
    /// hashes script content, for the CLI's file reader and the test harness alike.
    public static func of(_ content: [UInt8]) -> EntryScriptFile {
        let digest = Digest.sha256(content).map { byte in
            let hex = String(byte, radix: 16)
            return hex.count == 1 ? "0" + hex : hex
        }.joined()
        return EntryScriptFile(content: content, sha256: digest)
    }
}
