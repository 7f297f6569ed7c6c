import NIOCore
import NIOHTTPTypes

/// On each connection of the API: registers it in the ``ConnectionTable`` (closing it when
/// there is no room), tells the table when a request starts and ends, and closes a connection
/// whose first request's headers did not arrive within the header timeout.
///
/// It sits after the HTTP decoder, so "headers arrived" means the whole request head was
/// parsed: a client that trickles a byte a second is closed like one that sends nothing. Later
/// requests on a kept-alive connection are bounded by the idle timeout (Hummingbird's own
/// handler, which never fires while a request is in progress).
final class ConnectionGuard: ChannelDuplexHandler, RemovableChannelHandler {
    typealias InboundIn = HTTPRequestPart
    typealias InboundOut = HTTPRequestPart
    typealias OutboundIn = HTTPResponsePart
    typealias OutboundOut = HTTPResponsePart

    private let table: ConnectionTable
    private let headerTimeout: TimeAmount
    private var registered = false
    private var sawRequest = false
    private var headerDeadline: Scheduled<Void>?

    init(table: ConnectionTable, headerTimeout: TimeAmount) {
        self.table = table
        self.headerTimeout = headerTimeout
    }

    func handlerAdded(context: ChannelHandlerContext) {
        if context.channel.isActive { register(context) }
    }

    func channelActive(context: ChannelHandlerContext) {
        register(context)
        context.fireChannelActive()
    }

    func channelInactive(context: ChannelHandlerContext) {
        unregister(context)
        context.fireChannelInactive()
    }

    func handlerRemoved(context: ChannelHandlerContext) {
        unregister(context)
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        if case .head = unwrapInboundIn(data) {
            sawRequest = true
            headerDeadline?.cancel()
            headerDeadline = nil
            table.requestStarted(on: context.channel)
        }
        context.fireChannelRead(data)
    }

    func write(context: ChannelHandlerContext, data: NIOAny, promise: EventLoopPromise<Void>?) {
        if case .end = unwrapOutboundIn(data) { table.requestEnded(on: context.channel, now: .now()) }
        context.write(data, promise: promise)
    }

    private func register(_ context: ChannelHandlerContext) {
        guard !registered else { return }
        registered = true
        guard table.admit(context.channel, now: .now()) else {
            context.close(promise: nil)
            return
        }
        let table = self.table
        headerDeadline = context.eventLoop.assumeIsolated().scheduleTask(in: headerTimeout) { [weak self] in
            guard let self, !self.sawRequest else { return }
            table.headerTimedOut()
            context.close(promise: nil)
        }
    }

    private func unregister(_ context: ChannelHandlerContext) {
        headerDeadline?.cancel()
        headerDeadline = nil
        guard registered else { return }
        registered = false
        table.remove(context.channel)
    }
}
