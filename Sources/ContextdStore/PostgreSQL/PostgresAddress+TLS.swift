import Glibc
public import NIOSSL

extension PostgresAddress {
    /// The TLS settings `sslmode` and `sslrootcert` ask for; nil for `disable`.
    ///
    /// - `verify-full`: the chain against `sslrootcert` (or the system's roots) and the host
    ///   name, or the IP address against the certificate's IP entries.
    /// - `verify-ca`, and `require` with `sslrootcert` (as libpq): the chain only.
    /// - `require` without `sslrootcert`, `prefer`, `allow`: encrypted, the certificate not
    ///   checked; whether TLS is insisted on is ``PostgresClient/Configuration/TLS``'s business.
    ///
    /// The root certificate is read here, so that a missing or unreadable file is an error
    /// when the configuration loads, not when the first connection is made.
    public func tlsConfiguration() throws(PostgresAddressError) -> TLSConfiguration? {
        guard sslMode != .disable else { return nil }
        var configuration = TLSConfiguration.makeClientConfiguration()
        let checksChain = sslMode.verifiesChain(withRootCertificate: rootCertificate != nil)
        switch sslMode {
        case .verifyFull: configuration.certificateVerification = .fullVerification
        case _ where checksChain: configuration.certificateVerification = .noHostnameVerification
        default: configuration.certificateVerification = .none
        }
        if checksChain, let rootCertificate {
            configuration.trustRoots = .certificates(try Self.certificates(in: rootCertificate))
        }
        return configuration
    }

    /// The certificates of a PEM file, or why there are none.
    static func certificates(in path: String) throws(PostgresAddressError) -> [NIOSSLCertificate] {
        let bytes: [UInt8]
        switch Self.contents(of: path) {
        case .success(let read): bytes = read
        case .failure(let error): throw error
        }
        do {
            let certificates = try NIOSSLCertificate.fromPEMBytes(bytes)
            guard !certificates.isEmpty else { throw NIOSSLError.failedToLoadCertificate }
            return certificates
        } catch {
            throw PostgresAddressError("the root certificate \(path) (sslrootcert) holds no PEM certificate "
                + "('-----BEGIN CERTIFICATE-----'); give the CA certificate that signed the server's certificate")
        }
    }

    /// A small file's bytes through POSIX calls, so that the reason is the system's own words.
    private static func contents(of path: String) -> Result<[UInt8], PostgresAddressError> {
        func failure(_ reason: String) -> Result<[UInt8], PostgresAddressError> {
            .failure(PostgresAddressError("cannot read the root certificate \(path) (sslrootcert): \(reason)"))
        }
        let descriptor = Glibc.open(path, O_RDONLY)
        guard descriptor >= 0 else { return failure(String(cString: strerror(errno))) }
        defer { Glibc.close(descriptor) }
        var status = stat()
        if fstat(descriptor, &status) == 0 && (status.st_mode & S_IFMT) == S_IFDIR {
            return failure("it is a directory, not a file")
        }
        var bytes: [UInt8] = []
        var chunk = [UInt8](repeating: 0, count: 16 * 1024)
        while bytes.count <= 1 << 20 {
            let count = chunk.withUnsafeMutableBytes { Glibc.read(descriptor, $0.baseAddress, $0.count) }
            if count < 0 && errno == EINTR { continue }
            if count < 0 { return failure(String(cString: strerror(errno))) }
            if count == 0 { return .success(bytes) }
            bytes += chunk[..<count]
        }
        return failure("it is larger than 1 MiB, too large for a file of certificates")
    }
}
