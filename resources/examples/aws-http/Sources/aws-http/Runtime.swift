// The AWS Lambda runtime API loop (http://$AWS_LAMBDA_RUNTIME_API/2018-06-01/runtime/…) over one
// kept-alive socket, with no dependencies: the connection code is aws-echo's, copied (examples are
// standalone packages). `LambdaRuntime` decodes each event, calls the handler and posts its answer,
// as swift-aws-lambda-runtime's LambdaRuntime does.
#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif
import Foundation

func environmentValue(_ name: String) -> String? {
    guard let value = getenv(name) else { return nil }
    return String(cString: value)
}

func fail(_ message: String) -> Never {
    fputs("aws-http: \(message)\n", stderr)
    exit(1)
}

struct Response {
    let status: Int
    let headers: [String: String]
    let body: [UInt8]
}

struct TransportError: Error {
    let message: String
}

/// One HTTP/1.1 connection to the runtime API, opened again when the server closed it.
final class RuntimeConnection {
    let host: String
    let port: String
    private var fd: Int32 = -1
    private var buffer: [UInt8] = []

    init(endpoint: String) {
        guard let colon = endpoint.lastIndex(of: ":") else { fail("AWS_LAMBDA_RUNTIME_API is not host:port: \(endpoint)") }
        host = String(endpoint[..<colon])
        port = String(endpoint[endpoint.index(after: colon)...])
    }

    private func open() throws {
        var hints = addrinfo()
        hints.ai_family = AF_UNSPEC
        hints.ai_socktype = Int32(SOCK_STREAM.rawValue)
        var list: UnsafeMutablePointer<addrinfo>?
        let rc = getaddrinfo(host, port, &hints, &list)
        guard rc == 0, let first = list else { throw TransportError(message: "cannot resolve \(host): \(rc)") }
        defer { freeaddrinfo(list) }
        var entry: UnsafeMutablePointer<addrinfo>? = first
        while let ai = entry {
            let s = socket(ai.pointee.ai_family, ai.pointee.ai_socktype, ai.pointee.ai_protocol)
            if s >= 0 {
                if connect(s, ai.pointee.ai_addr, ai.pointee.ai_addrlen) == 0 {
                    var one: Int32 = 1
                    setsockopt(s, Int32(IPPROTO_TCP), TCP_NODELAY, &one, socklen_t(MemoryLayout<Int32>.size))
                    fd = s
                    buffer = []
                    return
                }
                close(s)
            }
            entry = ai.pointee.ai_next
        }
        throw TransportError(message: "cannot connect to \(host):\(port): errno \(errno)")
    }

    private func closeConnection() {
        if fd >= 0 { close(fd) }
        fd = -1
        buffer = []
    }

    private func writeAll(_ bytes: [UInt8]) throws {
        var offset = 0
        while offset < bytes.count {
            let n = bytes.withUnsafeBytes { write(fd, $0.baseAddress! + offset, bytes.count - offset) }
            if n < 0 && errno == EINTR { continue }
            guard n > 0 else { throw TransportError(message: "write failed: errno \(errno)") }
            offset += n
        }
    }

    /// Reads more bytes into the buffer; throws at end of stream.
    private func fill() throws {
        var chunk = [UInt8](repeating: 0, count: 65536)
        while true {
            let n = chunk.withUnsafeMutableBytes { read(fd, $0.baseAddress!, 65536) }
            if n < 0 && errno == EINTR { continue }
            guard n > 0 else { throw TransportError(message: "the runtime API closed the connection") }
            buffer.append(contentsOf: chunk[0..<n])
            return
        }
    }

    private func take(_ count: Int) throws -> [UInt8] {
        while buffer.count < count { try fill() }
        let bytes = Array(buffer[0..<count])
        buffer.removeFirst(count)
        return bytes
    }

    private func takeLine() throws -> String {
        while true {
            if let i = buffer.firstIndex(of: 10) {
                var line = Array(buffer[0..<i])
                buffer.removeFirst(i + 1)
                if line.last == 13 { line.removeLast() }
                return String(decoding: line, as: UTF8.self)
            }
            try fill()
        }
    }

    func request(_ method: String, _ path: String, headers: [(String, String)] = [], body: [UInt8] = []) throws -> Response {
        if fd < 0 { try open() }
        do {
            return try exchange(method, path, headers: headers, body: body)
        } catch {
            closeConnection()
            throw error
        }
    }

    private func exchange(_ method: String, _ path: String, headers: [(String, String)], body: [UInt8]) throws -> Response {
        var head = "\(method) \(path) HTTP/1.1\r\nHost: \(host):\(port)\r\nContent-Length: \(body.count)\r\n"
        for (name, value) in headers { head += "\(name): \(value)\r\n" }
        head += "\r\n"
        try writeAll(Array(head.utf8) + body)
        let statusLine = try takeLine()
        let parts = statusLine.split(separator: " ", maxSplits: 2)
        guard parts.count >= 2, let status = Int(parts[1]) else { throw TransportError(message: "bad status line: \(statusLine)") }
        var fields: [String: String] = [:]
        while true {
            let line = try takeLine()
            if line.isEmpty { break }
            guard let colon = line.firstIndex(of: ":") else { continue }
            let name = line[..<colon].lowercased()
            fields[name] = line[line.index(after: colon)...].trimmed(" \t")
        }
        var responseBody: [UInt8] = []
        if fields["transfer-encoding"]?.lowercased() == "chunked" {
            while true {
                let sizeLine = try takeLine()
                guard let size = Int(sizeLine.split(separator: ";")[0], radix: 16) else { throw TransportError(message: "bad chunk size") }
                if size == 0 {
                    while try !takeLine().isEmpty {}
                    break
                }
                responseBody += try take(size)
                _ = try takeLine()
            }
        } else if let length = Int(fields["content-length"] ?? "0"), length > 0 {
            responseBody = try take(length)
        }
        if fields["connection"]?.lowercased() == "close" { closeConnection() }
        return Response(status: status, headers: fields, body: responseBody)
    }
}

extension StringProtocol {
    func trimmed(_ set: String) -> String {
        var s = Substring(self)
        while let c = s.first, set.contains(c) { s = s.dropFirst() }
        while let c = s.last, set.contains(c) { s = s.dropLast() }
        return String(s)
    }
}


/// What a handler knows about its invocation (a few of swift-aws-lambda-runtime's LambdaContext fields).
struct LambdaContext {
    let requestId: String
    let invokedFunctionARN: String
    let deadlineMs: String
    /// the event exactly as the runtime API delivered it (the `/event` route answers it)
    let rawEvent: String
}

/// The error document a failed invocation posts (`errorType`, `errorMessage`).
struct HandlerError: Error {
    let type: String
    let message: String
}

/// Takes invocations one after the other: decodes the event, runs the handler, posts its answer.
struct LambdaRuntime<Event: Decodable, Output: Encodable> {
    let handler: (Event, LambdaContext) throws -> Output

    init(_ handler: @escaping (Event, LambdaContext) throws -> Output) {
        self.handler = handler
    }

    func run() -> Never {
        setvbuf(stdout, nil, _IOLBF, 0)
        signal(SIGPIPE, SIG_IGN)
        guard let endpoint = environmentValue("AWS_LAMBDA_RUNTIME_API") else {
            fail("AWS_LAMBDA_RUNTIME_API is not set: run me in AWS Lambda or the emulator")
        }
        let connection = RuntimeConnection(endpoint: endpoint)
        func call(_ method: String, _ path: String, headers: [(String, String)] = [], body: [UInt8] = []) -> Response {
            do {
                return try connection.request(method, "/2018-06-01/runtime" + path, headers: headers, body: body)
            } catch let error as TransportError {
                fail("runtime API call \(method) \(path) failed: \(error.message)")
            } catch {
                fail("runtime API call \(method) \(path) failed: \(error)")
            }
        }
        let encoder = JSONEncoder()
        while true {
            let next = call("GET", "/invocation/next")
            guard next.status == 200, let requestId = next.headers["lambda-runtime-aws-request-id"] else {
                fail("GET /invocation/next answered \(next.status): \(String(decoding: next.body, as: UTF8.self))")
            }
            let context = LambdaContext(
                requestId: requestId,
                invokedFunctionARN: next.headers["lambda-runtime-invoked-function-arn"] ?? "",
                deadlineMs: next.headers["lambda-runtime-deadline-ms"] ?? "0",
                rawEvent: String(decoding: next.body, as: UTF8.self))
            do {
                let event = try JSONDecoder().decode(Event.self, from: Data(next.body))
                let output = try handler(event, context)
                let answer = call("POST", "/invocation/\(requestId)/response", body: Array(try encoder.encode(output)))
                if answer.status != 202 { print("aws-http: response answered \(answer.status)") }
            } catch {
                let failure = error as? HandlerError ?? HandlerError(type: String(describing: type(of: error)), message: "\(error)")
                print("aws-http: \(requestId) failed: \(failure.type): \(failure.message)")
                let document: [String: String] = ["errorType": failure.type, "errorMessage": failure.message]
                let body = (try? encoder.encode(document)) ?? Data()
                _ = call("POST", "/invocation/\(requestId)/error",
                         headers: [("Lambda-Runtime-Function-Error-Type", failure.type)], body: Array(body))
            }
        }
    }
}
