import AMLAuthCore
import Engine
import Foundation
import Testing

/// Reading a deployment's code directory: azure-ai-ml's content hash, deterministic and blind to
/// timestamps; symlinks that leave the directory refused; the size limit.
struct CodeDirectoryTests {
    private func scratch(_ files: [String: String]) throws -> String {
        let root = FileManager.default.temporaryDirectory.appendingPathComponent("amlauth-code-\(UUID().uuidString)")
            .path
        for (path, text) in files {
            let full = root + "/" + path
            try FileManager.default.createDirectory(
                atPath: (full as NSString).deletingLastPathComponent, withIntermediateDirectories: true)
            try text.write(toFile: full, atomically: true, encoding: .utf8)
        }
        return root
    }

    /// The value azure-ai-ml 1.35.2 computes for this directory:
    /// `get_content_hash("d")` (`_utils/_asset_utils.py`)
    /// with d/score.py = "print(1)\n" and d/sub/Util.py = "X = 2\n" (file count, `#path#size`
    /// per file ordered by lower-cased path, then the bytes).
    @Test func theDigestIsTheSDKsContentHash() throws {
        let root = try scratch(["score.py": "print(1)\n", "sub/Util.py": "X = 2\n"])
        defer { try? FileManager.default.removeItem(atPath: root) }
        let snapshot = try CodeDirectory.read(root, scoringScript: "score.py").get()
        #expect(snapshot.files.map(\.path) == ["score.py", "sub/Util.py"])
        #expect(snapshot.digest.fileCount == 2)
        #expect(snapshot.digest.totalBytes == 15)
        #expect(snapshot.digest.sha256 == Self.sdkHash)
    }

    static let sdkHash = "26fe08305b8334d8e0b40b32ff1e365ddbdced976c75c38ab97dca796b1514e6"

    @Test func theDigestIgnoresTimestampsAndChangesWithAnyByte() throws {
        let root = try scratch(["score.py": "print(1)\n", "sub/Util.py": "X = 2\n"])
        defer { try? FileManager.default.removeItem(atPath: root) }
        let first = try CodeDirectory.read(root, scoringScript: "score.py").get().digest
        try FileManager.default.setAttributes(
            [.modificationDate: Date(timeIntervalSince1970: 0)], ofItemAtPath: root + "/score.py")
        #expect(try CodeDirectory.read(root, scoringScript: "score.py").get().digest == first)
        try "X = 3\n".write(toFile: root + "/sub/Util.py", atomically: true, encoding: .utf8)
        #expect(try CodeDirectory.read(root, scoringScript: "score.py").get().digest.sha256 != first.sha256)
    }

    @Test func aSymlinkLeavingTheDirectoryIsRefusedNotFollowed() throws {
        let root = try scratch(["score.py": "print(1)\n"])
        defer { try? FileManager.default.removeItem(atPath: root) }
        try FileManager.default.createSymbolicLink(atPath: root + "/passwd", withDestinationPath: "/etc/passwd")
        #expect(CodeDirectory.read(root, scoringScript: "score.py").failure == .symlinkLeaves("passwd"))
        try FileManager.default.removeItem(atPath: root + "/passwd")
        try FileManager.default.createSymbolicLink(atPath: root + "/up", withDestinationPath: "../")
        #expect(CodeDirectory.read(root, scoringScript: "score.py").failure == .symlinkLeaves("up"))
    }

    @Test func aSymlinkToAFileInsideIsReadAsThatFile() throws {
        let root = try scratch(["score.py": "print(1)\n"])
        defer { try? FileManager.default.removeItem(atPath: root) }
        try FileManager.default.createSymbolicLink(atPath: root + "/main.py", withDestinationPath: "score.py")
        let snapshot = try CodeDirectory.read(root, scoringScript: "main.py").get()
        #expect(snapshot.files.map(\.path) == ["main.py", "score.py"])
        #expect(snapshot.files[0].bytes == snapshot.files[1].bytes)
    }

    @Test func missingScriptEmptyAndTooLargeAreRefused() throws {
        let root = try scratch(["score.py": "print(1)\n", "data.bin": "0123456789"])
        defer { try? FileManager.default.removeItem(atPath: root) }
        #expect(CodeDirectory.read(root, scoringScript: "main.py").failure == .scriptMissing("main.py"))
        #expect(CodeDirectory.read(root + "/absent", scoringScript: "score.py").failure == .missing)
        #expect(
            CodeDirectory.read(root, scoringScript: "score.py", limit: 12).failure == .tooLarge(bytes: 19, limit: 12))
        #expect(CodeDirectory.sizeLimit == 100_000_000)
    }
}

extension Result {
    fileprivate var failure: Failure? {
        if case .failure(let failure) = self { return failure }
        return nil
    }
}
