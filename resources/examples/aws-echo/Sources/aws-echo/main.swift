// A function for AWS Lambda's custom runtime, with no dependencies: it speaks the runtime API
// (http://$AWS_LAMBDA_RUNTIME_API/2018-06-01/runtime/…) over one kept-alive socket itself.
//
// The event's "action" chooses what it does:
//   (none), "echo"                 answers {"requestId", "functionArn", "deadlineMs", "env", "event", …}
//   "fail", "message"              reports a function error (POST …/error, errorType EchoFailure)
//   "sleep", "seconds"             sleeps, then echoes (past the timeout: the emulator kills it)
//   "crash"                        traps (fatalError): the runtime exits mid-invocation
//   "exit", "code"                 exits with that code mid-invocation
//   "log", "lines"                 prints that many lines, then echoes
//   "big", "bytes"                 answers a body of about that many bytes
//   "probe", "otherId"             makes calls out of turn and answers the status codes it got
//   "getenv", "name"               prints NAME=<value> to its log and answers {"name", "value"} (null when unset)
// A function whose name contains "init-error" reports an init error (POST …/init/error) and exits.
#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif

setvbuf(stdout, nil, _IOLBF, 0)
signal(SIGPIPE, SIG_IGN)

func environmentValue(_ name: String) -> String? {
    guard let value = getenv(name) else { return nil }
    return String(cString: value)
}

func fail(_ message: String) -> Never {
    fputs("aws-echo: \(message)\n", stderr)
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
            fields[name] = line[line.index(after: colon)...].trimmingCharacters(in: " \t")
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
    func trimmingCharacters(in set: String) -> String {
        var s = Substring(self)
        while let c = s.first, set.contains(c) { s = s.dropFirst() }
        while let c = s.last, set.contains(c) { s = s.dropLast() }
        return String(s)
    }
}

/// A JSON string literal.
func json(_ s: String) -> String {
    var out = "\""
    for u in s.unicodeScalars {
        switch u {
        case "\"": out += "\\\""
        case "\\": out += "\\\\"
        case "\n": out += "\\n"
        case "\r": out += "\\r"
        case "\t": out += "\\t"
        default:
            if u.value < 0x20 {
                let hex = String(u.value, radix: 16)
                out += "\\u" + String(repeating: "0", count: 4 - hex.count) + hex
            } else {
                out.unicodeScalars.append(u)
            }
        }
    }
    return out + "\""
}

/// The value of a top-level `"name": …` in a small JSON event (a string's content, or a bare token).
func field(_ event: String, _ name: String) -> String? {
    guard let key = event.range(of: "\"\(name)\"") else { return nil }
    var i = key.upperBound
    func skipSpaces() { while i < event.endIndex, event[i] == " " || event[i] == "\n" || event[i] == "\t" || event[i] == "\r" { i = event.index(after: i) } }
    skipSpaces()
    guard i < event.endIndex, event[i] == ":" else { return nil }
    i = event.index(after: i)
    skipSpaces()
    guard i < event.endIndex else { return nil }
    if event[i] == "\"" {
        var value = ""
        i = event.index(after: i)
        while i < event.endIndex, event[i] != "\"" {
            if event[i] == "\\" { i = event.index(after: i) }
            if i < event.endIndex { value.append(event[i]) }
            i = event.index(after: i)
        }
        return value
    }
    var value = ""
    while i < event.endIndex, !",}] \n\t\r".contains(event[i]) {
        value.append(event[i])
        i = event.index(after: i)
    }
    return value
}

extension String {
    func range(of needle: String) -> Range<String.Index>? {
        guard !needle.isEmpty, needle.count <= count else { return nil }
        var start = startIndex
        while let end = index(start, offsetBy: needle.count, limitedBy: endIndex) {
            if self[start..<end] == needle { return start..<end }
            if start == endIndex { break }
            start = index(after: start)
        }
        return nil
    }
}

func sleepSeconds(_ seconds: Double) {
    var request = timespec(tv_sec: Int(seconds), tv_nsec: Int((seconds - Double(Int(seconds))) * 1_000_000_000))
    var remaining = timespec()
    while nanosleep(&request, &remaining) != 0 && errno == EINTR { request = remaining }
}

guard let endpoint = environmentValue("AWS_LAMBDA_RUNTIME_API") else { fail("AWS_LAMBDA_RUNTIME_API is not set: run me in AWS Lambda or the emulator") }
let runtime = RuntimeConnection(endpoint: endpoint)
let functionName = environmentValue("AWS_LAMBDA_FUNCTION_NAME") ?? "aws-echo"
let base = "/2018-06-01/runtime"

func call(_ method: String, _ path: String, headers: [(String, String)] = [], body: [UInt8] = []) -> Response {
    do {
        return try runtime.request(method, base + path, headers: headers, body: body)
    } catch let error as TransportError {
        fail("runtime API call \(method) \(path) failed: \(error.message)")
    } catch {
        fail("runtime API call \(method) \(path) failed: \(error)")
    }
}

print("aws-echo: init (function \(functionName), runtime API at \(endpoint))")
if functionName.contains("init-error") {
    let body = "{\"errorMessage\":\"init failed on purpose\",\"errorType\":\"EchoInitFailure\",\"stackTrace\":[]}"
    let answer = call("POST", "/init/error", headers: [("Lambda-Runtime-Function-Error-Type", "EchoInitFailure")], body: Array(body.utf8))
    print("aws-echo: init/error answered \(answer.status)")
    exit(1)
}

let environmentNames = [
    "AWS_LAMBDA_FUNCTION_NAME", "AWS_LAMBDA_FUNCTION_VERSION", "AWS_LAMBDA_FUNCTION_MEMORY_SIZE", "AWS_REGION",
    "AWS_DEFAULT_REGION", "_HANDLER", "LAMBDA_TASK_ROOT", "AWS_LAMBDA_LOG_GROUP_NAME", "AWS_LAMBDA_LOG_STREAM_NAME", "TZ",
]

while true {
    let next = call("GET", "/invocation/next")
    guard next.status == 200, let requestId = next.headers["lambda-runtime-aws-request-id"] else {
        fail("GET /invocation/next answered \(next.status): \(String(decoding: next.body, as: UTF8.self))")
    }
    let event = String(decoding: next.body, as: UTF8.self)
    let action = field(event, "action") ?? "echo"
    print("aws-echo: \(requestId) \(action)")

    func respond(_ body: String) {
        let answer = call("POST", "/invocation/\(requestId)/response", body: Array(body.utf8))
        if answer.status != 202 { print("aws-echo: response answered \(answer.status): \(String(decoding: answer.body, as: UTF8.self))") }
    }

    func echo() -> String {
        let env = environmentNames.map { "\(json($0)):\(json(environmentValue($0) ?? ""))" }.joined(separator: ",")
        let context = next.headers["lambda-runtime-client-context"].map { $0 } ?? "null"
        return "{\"requestId\":\(json(requestId)),\"functionArn\":\(json(next.headers["lambda-runtime-invoked-function-arn"] ?? "")),"
            + "\"deadlineMs\":\(next.headers["lambda-runtime-deadline-ms"] ?? "0"),\"traceId\":\(json(next.headers["lambda-runtime-trace-id"] ?? "")),"
            + "\"clientContext\":\(context),\"env\":{\(env)},\"event\":\(event.isEmpty ? "null" : event)}"
    }

    switch action {
    case "fail":
        let message = field(event, "message") ?? "failed on purpose"
        let body = "{\"errorMessage\":\(json(message)),\"errorType\":\"EchoFailure\",\"stackTrace\":[\"main.swift\"]}"
        let answer = call("POST", "/invocation/\(requestId)/error", headers: [("Lambda-Runtime-Function-Error-Type", "EchoFailure")], body: Array(body.utf8))
        print("aws-echo: error answered \(answer.status)")
    case "sleep":
        let seconds = Double(field(event, "seconds") ?? "1") ?? 1
        sleepSeconds(seconds)
        respond(echo())
    case "crash":
        print("aws-echo: crashing as asked")
        fatalError("crash requested by the event")
    case "exit":
        print("aws-echo: exiting as asked")
        exit(Int32(field(event, "code") ?? "3") ?? 3)
    case "log":
        let lines = Int(field(event, "lines") ?? "10") ?? 10
        for i in 1...max(1, lines) { print("aws-echo: log line \(i) of \(lines)") }
        respond(echo())
    case "getenv":
        let name = field(event, "name") ?? ""
        let value = environmentValue(name)
        print("aws-echo: \(name)=\(value ?? "(not set)")")
        respond("{\"name\":\(json(name)),\"value\":\(value.map(json) ?? "null")}")
    case "big":
        let bytes = Int(field(event, "bytes") ?? "1024") ?? 1024
        respond("{\"big\":\"" + String(repeating: "x", count: max(0, bytes)) + "\"}")
    case "probe":
        let other = field(event, "otherId") ?? "00000000-0000-0000-0000-000000000000"
        let wrongId = call("POST", "/invocation/\(other)/response", body: Array("{}".utf8)).status
        let otherError = call("POST", "/invocation/\(other)/error", body: Array("{}".utf8)).status
        let nextWhileBusy = call("GET", "/invocation/next").status
        let initErrorAfterInit = call("POST", "/init/error", body: Array("{}".utf8)).status
        let unknownPath = call("GET", "/invocation/\(requestId)/nothing").status
        respond("{\"requestId\":\(json(requestId)),\"probe\":{\"wrongId\":\(wrongId),\"otherError\":\(otherError),\"nextWhileBusy\":\(nextWhileBusy),\"initErrorAfterInit\":\(initErrorAfterInit),\"unknownPath\":\(unknownPath)}}")
    default:
        respond(echo())
    }
}
