internal import COpenSSL

/// OpenSSL's in-memory BIO, for PEM in and out. Freed when the value goes away.
final class MemoryBIO {
    let pointer: OpaquePointer

    /// An empty BIO to write into.
    init() throws {
        guard let bio = BIO_new(BIO_s_mem()) else { throw CryptoError.openSSL("BIO_new") }
        pointer = bio
    }

    /// A read-only BIO over a copy of `bytes`.
    init(reading bytes: [UInt8]) throws {
        let bio = bytes.withUnsafeBytes { BIO_new_mem_buf($0.baseAddress, Int32($0.count)) }
        guard let bio else { throw CryptoError.openSSL("BIO_new_mem_buf") }
        // BIO_new_mem_buf does not copy: keep the bytes alive as long as the BIO.
        self.bytes = bytes
        pointer = bio
    }

    private var bytes: [UInt8] = []

    deinit { BIO_free(pointer) }

    /// Everything written so far.
    var contents: [UInt8] {
        var data: UnsafeMutablePointer<CChar>?
        let length = COpenSSL_BIO_get_mem_data(pointer, &data)
        guard let data, length > 0 else { return [] }
        return data.withMemoryRebound(to: UInt8.self, capacity: length) {
            Array(UnsafeBufferPointer(start: $0, count: length))
        }
    }
}
