import FileStorage
import Foundation
import Testing

/// The login cache's file rules: read only from a private regular file, never through a link,
/// in a directory created 0700.
struct PrivateFileTests {
    @Test func readsAPrivateFileAndNothingElse() throws {
        let directory = try temporaryDirectory("private")
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let home = directory + "/config/amlauth"
        try PrivateFile.prepareDirectory(home)
        let mode = try FileManager.default.attributesOfItem(atPath: home)[.posixPermissions] as? Int
        #expect(mode == 0o700)
        let path = home + "/login.json"
        #expect(try PrivateFile.read(path) == nil)
        try AtomicFile.writeSecret(Array("{}".utf8), to: path)
        #expect(try PrivateFile.read(path) == Array("{}".utf8))

        try FileManager.default.setAttributes([.posixPermissions: 0o640], ofItemAtPath: path)
        #expect(throws: PrivateFile.Problem.self) { try PrivateFile.read(path) }
        try FileManager.default.setAttributes([.posixPermissions: 0o600], ofItemAtPath: path)

        let link = home + "/link.json"
        try FileManager.default.createSymbolicLink(atPath: link, withDestinationPath: path)
        do {
            _ = try PrivateFile.read(link)
            Issue.record("read through a symbolic link")
        } catch {
            #expect(error.reason.contains("symbolic link"))
        }
        try PrivateFile.remove(link)
        #expect(FileManager.default.fileExists(atPath: path), "removing a link leaves its target")

        // A directory open to others is refused, not used.
        let open = directory + "/open"
        try FileManager.default.createDirectory(atPath: open, withIntermediateDirectories: false)
        try FileManager.default.setAttributes([.posixPermissions: 0o755], ofItemAtPath: open)
        #expect(throws: PrivateFile.Problem.self) { try PrivateFile.prepareDirectory(open) }
    }
}
