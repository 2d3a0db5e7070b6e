import FileStorage
import Foundation
import Glibc
import Testing

/// `OutputFile.write`: what `plan -o PATH` does with whatever PATH names.
struct OutputFileTests {
    @Test func createsOrAtomicallyReplacesARegularFile() throws {
        let directory = try temporaryDirectory("output")
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let path = directory + "/plan.json"
        try OutputFile.write(Array("one".utf8), to: path, mode: 0o644)
        #expect(contents(path) == "one" && permissions(path) == 0o644)
        #expect(chmod(path, 0o600) == 0)
        try OutputFile.write(Array("two".utf8), to: path, mode: 0o644)
        #expect(contents(path) == "two" && permissions(path) == 0o644)
        #expect(try leftovers(in: directory, except: ["plan.json"]) == [])
    }

    @Test func writesThroughAFIFOAndLeavesIt() throws {
        let directory = try temporaryDirectory("output")
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let fifo = directory + "/plan.fifo"
        #expect(mkfifo(fifo, 0o600) == 0)
        #expect(link(fifo, directory + "/keep.fifo") == 0)
        let reader = FIFOReader(fifo)
        try OutputFile.write(Array("through the pipe".utf8), to: fifo, mode: 0o644)
        #expect(reader.finish(unblockingThrough: directory + "/keep.fifo") == "through the pipe")
        #expect(Kind(at: fifo) == .fifo)
    }

    /// What /dev/stdout is when standard output is a pipe: a link to a FIFO.
    @Test func writesThroughALinkToAFIFO() throws {
        let directory = try temporaryDirectory("output")
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let fifo = directory + "/pipe"
        #expect(mkfifo(fifo, 0o600) == 0)
        try FileManager.default.createSymbolicLink(atPath: directory + "/stdout", withDestinationPath: fifo)
        let reader = FIFOReader(fifo)
        try OutputFile.write(Array("linked".utf8), to: directory + "/stdout", mode: 0o644)
        #expect(reader.finish(unblockingThrough: fifo) == "linked")
        #expect(Kind(at: directory + "/stdout") == .symlink)
    }

    /// A private copy of /dev/full (1, 7): the write fails with the device's reason and the node stays.
    @Test func aFailedWriteToADeviceIsReportedAndTheDeviceStays() throws {
        let directory = try temporaryDirectory("output")
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let full = directory + "/full"
        try #require(mknod(full, S_IFCHR | 0o666, 0x107) == 0, "mknod needs root")
        let mode = permissions(full)
        let failure = try #require(throws: FileFailure.self) {
            try OutputFile.write(Array("plan".utf8), to: full, mode: 0o644)
        }
        #expect(failure.description == "cannot write '\(full)': No space left on device")
        #expect(Kind(at: full) == .characterDevice)
        #expect(permissions(full) == mode, "not even chmod-ed")
        try OutputFile.write(Array("plan".utf8), to: "/dev/null", mode: 0o644)
        #expect(Kind(at: "/dev/null") == .characterDevice)
    }

    @Test func refusesLinksToFilesDanglingLinksAndDirectories() throws {
        let directory = try temporaryDirectory("output")
        defer { try? FileManager.default.removeItem(atPath: directory) }
        try Data("untouched".utf8).write(to: URL(fileURLWithPath: directory + "/real.json"))
        try FileManager.default.createSymbolicLink(
            atPath: directory + "/to-file", withDestinationPath: directory + "/real.json")
        try FileManager.default.createSymbolicLink(
            atPath: directory + "/dangling", withDestinationPath: directory + "/missing.json")
        try FileManager.default.createDirectory(atPath: directory + "/folder", withIntermediateDirectories: false)
        let expectations: [(String, FileFailure.Reason, Kind)] = [
            ("to-file", .linkNotToAStream(.regularFile), .symlink),
            ("dangling", .linkNotToAStream(nil), .symlink),
            ("folder", .notARegularFile(.directory), .directory),
        ]
        for (name, reason, kind) in expectations {
            #expect(throws: FileFailure(path: directory + "/" + name, reason: reason)) {
                try OutputFile.write(Array("plan".utf8), to: directory + "/" + name, mode: 0o644)
            }
            #expect(Kind(at: directory + "/" + name) == kind)
        }
        #expect(contents(directory + "/real.json") == "untouched")
        #expect(!FileManager.default.fileExists(atPath: directory + "/missing.json"))
        #expect(
            FileFailure(path: "p", reason: .linkNotToAStream(nil)).description.contains(
                "it is a symbolic link to nothing"))
        #expect(try leftovers(in: directory, except: ["real.json", "to-file", "dangling", "folder"]) == [])
    }
}
