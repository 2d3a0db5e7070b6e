import FileStorage
import Foundation
import Glibc
import Testing

/// `AtomicFile.write`: the temporary file cannot be predicted or planted, and only a regular file
/// (or nothing) is ever replaced.
struct AtomicFileTests {
    @Test func writesTheFileWithTheRequestedModeAndLeavesNoTemporaryFile() throws {
        let directory = try temporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let path = directory + "/state.json"
        let previous = umask(0o077)
        defer { umask(previous) }
        try AtomicFile.write(Array("one".utf8), to: path, mode: 0o644)
        #expect(contents(path) == "one")
        #expect(permissions(path) == 0o644, "the mode is set explicitly, not left to the umask")
        try AtomicFile.write(Array("two".utf8), to: path, mode: 0o600)
        #expect(contents(path) == "two")
        #expect(permissions(path) == 0o600)
        #expect(try leftovers(in: directory, except: ["state.json"]) == [])
    }

    /// The old temporary name was `<path>.tmp-<pid>`, opened with O_CREAT|O_TRUNC: a symbolic link
    /// planted there received the bytes.
    @Test func aSymlinkPlantedAtTheOldTemporaryNameReceivesNothing() throws {
        let directory = try temporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let path = directory + "/sp.json"
        let victim = directory + "/victim"
        try Data("untouched".utf8).write(to: URL(fileURLWithPath: victim))
        try FileManager.default.createSymbolicLink(atPath: path + ".tmp-\(getpid())", withDestinationPath: victim)
        try AtomicFile.write(Array("secret".utf8), to: path, mode: 0o600)
        #expect(contents(victim) == "untouched")
        #expect(Kind(at: path) == .regular)
        #expect(contents(path) == "secret")
        #expect(Kind(at: path + ".tmp-\(getpid())") == .symlink, "the planted link is neither used nor removed")
    }

    @Test func temporaryNamesAreNotDerivedFromThePathOrProcess() throws {
        let directory = try temporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let path = directory + "/sp.json"
        // Occupy the name the old scheme would pick: a writer that needs it fails.
        try FileManager.default.createDirectory(atPath: path + ".tmp-\(getpid())", withIntermediateDirectories: false)
        try AtomicFile.write(Array("x".utf8), to: path, mode: 0o600)
        #expect(contents(path) == "x")
        #expect(try leftovers(in: directory, except: ["sp.json", "sp.json.tmp-\(getpid())"]) == [])
    }

    @Test(arguments: ["symlink", "fifo", "directory"])
    func neverReplacesWhatIsNotARegularFile(_ kind: String) throws {
        let directory = try temporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let path = directory + "/target"
        let victim = directory + "/victim"
        try Data("untouched".utf8).write(to: URL(fileURLWithPath: victim))
        let expected: Kind
        switch kind {
        case "symlink":
            try FileManager.default.createSymbolicLink(atPath: path, withDestinationPath: victim)
            expected = .symlink
        case "fifo":
            #expect(mkfifo(path, 0o600) == 0)
            expected = .fifo
        default:
            try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: false)
            expected = .directory
        }
        let failure = try #require(throws: AtomicFile.Failure.self) {
            try AtomicFile.write(Array("new".utf8), to: path, mode: 0o600)
        }
        #expect(failure.description.contains(path))
        #expect(failure.description.contains("is a \(expected)"), "\(failure)")
        #expect(Kind(at: path) == expected, "still a \(expected)")
        #expect(contents(victim) == "untouched")
        #expect(try leftovers(in: directory, except: ["target", "victim"]) == [], "no temporary file left")
    }
}

/// `AtomicFile.writeSecret`: 0600, and only in a directory nobody else can write (or a sticky one
/// that is yours). Tests run as root, where permission bits do not stop anything: the checks are
/// on the modes and owners `fstat` reports, not on EACCES.
struct SecretFileTests {
    @Test func refusesADirectoryGroupOrOthersMayWrite() throws {
        let directory = try temporaryDirectory("secret")
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let me = geteuid()
        let cases: [(String, mode_t, uid_t, String?)] = [
            ("private", 0o700, me, nil),
            ("readable", 0o755, me, nil),
            ("sticky-mine", 0o1777, me, nil),
            ("world", 0o777, me, "writable by group or others (mode 0777) and is not a sticky directory owned by you"),
            ("group", 0o770, me, "writable by group or others (mode 0770)"),
            ("others", 0o703, me, "writable by group or others (mode 0703)"),
            (
                "sticky-theirs", 0o1777, 4242,
                "writable by group or others (mode 1777) and, though sticky, is owned by uid 4242, not by you (uid \(me))"
            ),
        ]
        for (name, mode, owner, refusal) in cases {
            let folder = directory + "/" + name
            try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: false)
            #expect(chmod(folder, mode) == 0 && chown(folder, owner, getgid()) == 0)
            let path = folder + "/sp.json"
            do {
                try AtomicFile.writeSecret(Array("secret".utf8), to: path)
                #expect(refusal == nil, "\(name) was accepted")
                #expect(permissions(path) == 0o600)
            } catch {
                let expected = try #require(refusal, "\(name): \(error)")
                #expect(error.description.contains("its directory '\(folder)' is \(expected)"), "\(error)")
                #expect(error.description.contains("anyone who can write there could plant or swap the file"))
                #expect(try leftovers(in: folder, except: []) == [], "nothing written in \(name)")
            }
        }
    }

    @Test func refusesASymbolicLinkEvenToARegularFile() throws {
        let directory = try temporaryDirectory("secret")
        defer { try? FileManager.default.removeItem(atPath: directory) }
        try Data("old".utf8).write(to: URL(fileURLWithPath: directory + "/real.json"))
        try FileManager.default.createSymbolicLink(atPath: directory + "/sp.json", withDestinationPath: "real.json")
        let failure = try #require(throws: FileFailure.self) {
            try AtomicFile.writeSecret(Array("secret".utf8), to: directory + "/sp.json")
        }
        #expect(failure.reason == .notARegularFile(.symbolicLink))
        #expect(
            failure.description.contains("it is a symbolic link; amlauth never writes through or replaces a link here"))
        #expect(contents(directory + "/real.json") == "old")
    }

    @Test func aRelativePathIsWrittenInTheWorkingDirectoryAndAPathWithoutANameIsRefused() throws {
        #expect(throws: FileFailure(path: "some/dir/", reason: .notAFileName)) {
            try AtomicFile.write([], to: "some/dir/", mode: 0o600)
        }
        #expect(throws: FileFailure(path: "..", reason: .notAFileName)) {
            try AtomicFile.write([], to: "..", mode: 0o600)
        }
        let missing = try #require(throws: FileFailure.self) {
            try AtomicFile.write([], to: "/nonexistent-amlauth-dir/x", mode: 0o600)
        }
        #expect(
            missing.description
                == "cannot write '/nonexistent-amlauth-dir/x': cannot open its directory '/nonexistent-amlauth-dir': No such file or directory"
        )
    }
}
