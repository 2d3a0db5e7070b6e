import AuthCrypto

/// Creating and checking directory objects, shared by the seed and the Graph routes.
enum Directory {
    static func newApplication(displayName: String, tags: [String], appID: String, now: Double) -> (
        application: ApplicationRecord, servicePrincipal: ServicePrincipalRecord
    ) {
        let application = ApplicationRecord(
            id: SecureRandom.uuid(), appID: appID, displayName: displayName, tags: tags, createdDateTime: now)
        let servicePrincipal = ServicePrincipalRecord(
            id: SecureRandom.uuid(), appID: appID, displayName: displayName, tags: tags, createdDateTime: now)
        return (application, servicePrincipal)
    }

    /// A stored password: a salted PBKDF2 hash and the first three characters, never the secret.
    static func passwordRecord(secret: String, displayName: String?, start: Double, end: Double) -> PasswordRecord {
        let salt = SecureRandom.bytes(16)
        return PasswordRecord(
            keyID: SecureRandom.uuid(), displayName: displayName, hint: String(secret.prefix(3)), startDateTime: start,
            endDateTime: end,
            salt: Base64URL.encode(salt), hash: Base64URL.encode(Digest.pbkdf2(Array(secret.utf8), salt: salt)))
    }

    static func matches(_ secret: String, _ record: PasswordRecord) -> Bool {
        guard let salt = Base64URL.decode(record.salt), let hash = Base64URL.decode(record.hash) else { return false }
        let candidate = Digest.pbkdf2(Array(secret.utf8), salt: salt)
        // Constant-time comparison: the secret must not leak through timing.
        return candidate.count == hash.count && zip(candidate, hash).reduce(0) { $0 | ($1.0 ^ $1.1) } == 0
    }
}
