import AMLAuthCore
import Foundation
import Glibc
import Synchronization
import TestSupport
import Testing

/// `plan -o PATH` treats PATH as a shell redirect would for pipes and terminals, replaces only
/// regular files, and never replaces a device, a FIFO or a symbolic link.
extension PlanCommandTests {
    /// What `path` is, without following a final symbolic link.
    static func kind(_ path: String) -> mode_t? {
        var status = stat()
        return lstat(path, &status) == 0 ? status.st_mode & S_IFMT : nil
    }

    /// Reads a FIFO on a background thread until its writers have closed it.
    final class FIFOReader: Sendable {
        private let done = DispatchSemaphore(value: 0)
        private let received = Mutex<[UInt8]>([])

        init(_ path: String) {
            Thread { [self] in
                let descriptor = open(path, O_RDONLY | O_CLOEXEC)
                if descriptor >= 0 {
                    var buffer = [UInt8](repeating: 0, count: 65536)
                    while true {
                        let count = buffer.withUnsafeMutableBytes { read(descriptor, $0.baseAddress, $0.count) }
                        if count > 0 {
                            received.withLock { $0 += buffer[..<count] }
                        } else if count < 0 && errno == EINTR {
                            continue
                        } else {
                            break
                        }
                    }
                    close(descriptor)
                }
                done.signal()
            }.start()
        }

        /// What was read. If the reader still waits (nobody opened the FIFO), `link`, another name
        /// of the same FIFO, is opened for writing and closed, so the reader ends.
        func finish(unblockingThrough link: String) -> String {
            if done.wait(timeout: .now() + 1) == .timedOut {
                let writer = open(link, O_WRONLY | O_NONBLOCK | O_CLOEXEC)
                if writer >= 0 { close(writer) }
                done.wait()
            }
            return String(decoding: received.withLock { $0 }, as: UTF8.self)
        }
    }

    /// `plan -o FIFO` writes into the FIFO, as `terraform plan -out` to a pipe does.
    @Test func planOutputWritesThroughAFIFO() throws {
        let directory = try WhoamiCommandTests.quickstart()
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let fifo = directory + "/plan.fifo"
        #expect(mkfifo(fifo, 0o600) == 0)
        #expect(link(fifo, directory + "/plan.fifo.keep") == 0)
        let reader = FIFOReader(fifo)
        let planned = try CommandRunner.amlauth(["plan", directory, "-o", fifo])
        let received = reader.finish(unblockingThrough: directory + "/plan.fifo.keep")
        #expect(planned.status == 0, "\(planned.stderr)")
        #expect(Self.kind(fifo) == S_IFIFO, "still a FIFO")
        let document = try? PlanDocument.parse(Array(received.utf8))
        #expect(document != nil, "the reader received the plan file: \(received.prefix(200))")
    }

    /// `plan -o DEVICE` writes to the device (here a private copy of /dev/full, so the write fails),
    /// reports the failure, and leaves the device node in place.
    @Test func planOutputToAFullDeviceFailsAndKeepsTheDevice() throws {
        let directory = try WhoamiCommandTests.quickstart()
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let full = directory + "/full"
        try #require(mknod(full, S_IFCHR | 0o666, 0x107) == 0, "mknod (1, 7) needs root")
        let planned = try CommandRunner.amlauth(["plan", directory, "-o", full])
        #expect(planned.status == 1)
        #expect(
            planned.stderr.contains("amlauth plan: cannot write '\(full)': No space left on device"),
            "\(planned.stderr)")
        #expect(Self.kind(full) == S_IFCHR, "still a character device")
        #expect(
            try FileManager.default.contentsOfDirectory(atPath: directory).sorted() == [
                ".amlauth", "amlauth.yaml", "full", "score.py", "webservices.yaml",
            ])
    }

    /// A symbolic link to a pipe (what /dev/stdout is under a pipe) is written through; a link to
    /// anything else is refused and stays a link.
    @Test func planOutputFollowsALinkOnlyToAPipeOrTerminal() throws {
        let directory = try WhoamiCommandTests.quickstart()
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let stdout = directory + "/stdout"
        try FileManager.default.createSymbolicLink(atPath: stdout, withDestinationPath: "/proc/self/fd/1")
        let piped = try CommandRunner.amlauth(["plan", directory, "--json", "-o", stdout])
        #expect(piped.status == 0, "\(piped.stderr)")
        #expect(piped.stdout.contains("\"manifest_digest\""), "the plan file went to standard output")
        #expect(Self.kind(stdout) == S_IFLNK)

        let elsewhere = directory + "/elsewhere.json"
        try Data("untouched".utf8).write(to: URL(fileURLWithPath: elsewhere))
        let link = directory + "/plan.json"
        try FileManager.default.createSymbolicLink(atPath: link, withDestinationPath: elsewhere)
        let refused = try CommandRunner.amlauth(["plan", directory, "-o", link])
        #expect(refused.status == 1)
        #expect(
            refused.stderr.contains("amlauth plan: cannot write '\(link)': it is a symbolic link to a regular file"),
            "\(refused.stderr)")
        #expect(Self.kind(link) == S_IFLNK)
        #expect(try String(contentsOfFile: elsewhere, encoding: .utf8) == "untouched")
    }
}
