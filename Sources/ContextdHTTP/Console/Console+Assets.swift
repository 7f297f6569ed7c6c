import ContextdEngine
import ContextdEvents
import ContextdStore
import HTTPTypes
import Hummingbird
import Logging

/// `/assets/console.css` and `/assets/console.js`, compiled into the binary: the console needs
/// nothing from the network, so it works on an air-gapped host.
extension Console {
    func registerAssets(on router: Router<BasicRequestContext>) {
        router.get("assets/console.css") { _, _ in Self.asset(ConsoleStyle.source, type: "text/css; charset=utf-8") }
        router.get("assets/console.js") { _, _ in
            Self.asset(ConsoleScript.source, type: "text/javascript; charset=utf-8")
        }
    }

    private static func asset(_ text: StaticString, type: String) -> Response {
        Response(status: .ok, headers: [.contentType: type, .cacheControl: "no-cache", .xContentTypeOptions: "nosniff"],
            body: ResponseBody(byteBuffer: ByteBuffer(string: text.description)))
    }
}
