@testable import ContextdDaemon
import Testing

/// The small parsers behind sizes, listen addresses and paths.
@Suite struct ValueParsingTests {
    @Test(arguments: [
        ("1048576", 1_048_576), ("1MiB", 1_048_576), ("1 MiB", 1_048_576), ("512KiB", 524_288), ("1mib", 1_048_576),
        ("2GiB", 2_147_483_648), ("64B", 64), ("1KB", 1_000), ("3MB", 3_000_000), ("1GB", 1_000_000_000),
        ("1.5KiB", 1_536), ("10_000", 10_000),
    ])
    func sizes(_ text: String, _ bytes: Int) throws {
        #expect(try ByteSize.parse(text).get() == bytes)
    }

    @Test(arguments: ["", "MiB", "1 M", "1.2B", "ten", "1e400KiB", "9999999999GiB"])
    func notSizes(_ text: String) {
        #expect(throws: ValueProblem.self) { try ByteSize.parse(text).get() }
    }

    @Test(arguments: [
        ("127.0.0.1:8470", "127.0.0.1", 8470), ("localhost:1", "localhost", 1), ("0.0.0.0:65535", "0.0.0.0", 65535),
        ("[::1]:8470", "::1", 8470), ("[fe80::1%eth0]:80", "fe80::1%eth0", 80), ("crm-gw.example.com:443", "crm-gw.example.com", 443),
        ("127.0.0.1:0", "127.0.0.1", 0), ("[::]:0", "::", 0),
    ])
    func listenAddresses(_ text: String, _ host: String, _ port: Int) throws {
        let address = try ListenAddress.parse(text).get()
        #expect(address == ListenAddress(host: host, port: port))
        #expect(address.description == text)
    }

    @Test(arguments: [
        "8470", ":8470", "127.0.0.1:", "127.0.0.1:-1", "127.0.0.1:65536", "127.0.0.1:http", "256.0.0.1:80", "1.2.3:80",
        "::1:8470", "[::1]8470", "[::1:8470", "[zz::1]:80", "bad_host:80", "-x.example:80", "a b:80",
    ])
    func notListenAddresses(_ text: String) {
        #expect(throws: ValueProblem.self) { try ListenAddress.parse(text).get() }
    }

    @Test(arguments: ["127.0.0.1", "127.0.0.2", "127.255.255.254", "::1", "localhost"])
    func loopbackAddresses(_ host: String) {
        #expect(ListenAddress(host: host, port: 0).isLoopback)
    }

    /// Every interface, a LAN address and any other host name may be reached from elsewhere.
    @Test(arguments: ["0.0.0.0", "::", "10.1.2.3", "192.168.1.20", "fe80::1%eth0", "example.org", "127.example.com",
        "localhost.example.org", "128.0.0.1"])
    func notLoopbackAddresses(_ host: String) {
        #expect(!ListenAddress(host: host, port: 8470).isLoopback)
    }

    @Test func pathsAreResolvedAndComparedAsText() {
        let base = AbsolutePath(absolute: "/etc/contextd/")
        #expect(AbsolutePath("./var//spool/", relativeTo: base).description == "/etc/contextd/var/spool")
        #expect(AbsolutePath("../../../x", relativeTo: base).description == "/x")
        #expect(AbsolutePath("/srv/./a/../b", relativeTo: base).description == "/srv/b")
        #expect(AbsolutePath(absolute: "/srv/spool/cards").isWithin(AbsolutePath(absolute: "/srv/spool")))
        #expect(AbsolutePath(absolute: "/srv/spool").isWithin(AbsolutePath(absolute: "/srv/spool")))
        #expect(!AbsolutePath(absolute: "/srv/spool-2").isWithin(AbsolutePath(absolute: "/srv/spool")))
        #expect(AbsolutePath(absolute: "/").description == "/")
    }
}
