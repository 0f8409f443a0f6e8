// A dependency-free HTTP service for SwiftLambda's service mode, written on Glibc sockets.
// It binds 0.0.0.0:$PORT (the platform sets PORT=8080) and answers:
//   GET /hello          "Hello from run <LAMBDA_RUN_UUID>"
//   ANY /status/<code>  an empty-bodied answer with that status code
//   ANY /sleep/<ms>     waits, then answers "slept <ms>ms"
//   ANY /hop            an answer that carries hop-by-hop headers (a proxy must drop them)
//   GET /index.html     a small HTML page, for a browser
//   anything else       echoes the request it received, byte for byte: request line, headers, body
// Every connection gets its own thread and is kept alive between requests.
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

setvbuf(stdout, nil, _IOLBF, 0)
signal(SIGPIPE, SIG_IGN)

func environmentValue(_ name: String) -> String? {
    guard let value = getenv(name) else { return nil }
    return String(cString: value)
}

let port = UInt16(environmentValue("PORT") ?? "8080") ?? 8080
let runID = environmentValue("LAMBDA_RUN_UUID") ?? "local"

let listener = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
var reuse: Int32 = 1
setsockopt(listener, SOL_SOCKET, SO_REUSEADDR, &reuse, socklen_t(MemoryLayout<Int32>.size))
var address = sockaddr_in()
address.sin_family = sa_family_t(AF_INET)
address.sin_port = port.bigEndian
address.sin_addr = in_addr(s_addr: 0) // 0.0.0.0: reachable across the container boundary
let bound = withUnsafePointer(to: &address) {
    $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
        bind(listener, $0, socklen_t(MemoryLayout<sockaddr_in>.size))
    }
}
guard bound == 0, listen(listener, 256) == 0 else {
    fputs("echo-service: cannot listen on port \(port): errno \(errno)\n", stderr)
    exit(1)
}
print("echo-service listening on 0.0.0.0:\(port) (run \(runID))")

struct Request {
    let method: String
    let path: String
    let headers: [(String, String)]
    let raw: [UInt8]
    var wantsClose: Bool {
        headers.contains { $0.0.lowercased() == "connection" && $0.1.lowercased().contains("close") }
    }
}

final class Connection {
    let fd: Int32
    var buffer: [UInt8] = []
    init(fd: Int32) { self.fd = fd }

    /// Reads more bytes into the buffer; false at end of stream.
    func fill() -> Bool {
        var chunk = [UInt8](repeating: 0, count: 65536)
        let n = chunk.withUnsafeMutableBytes { recv(fd, $0.baseAddress, 65536, 0) }
        if n <= 0 { return false }
        buffer.append(contentsOf: chunk[0..<n])
        return true
    }

    func indexOf(_ pattern: [UInt8], from start: Int) -> Int? {
        guard buffer.count >= pattern.count, start <= buffer.count - pattern.count else { return nil }
        var i = start
        while i <= buffer.count - pattern.count {
            if buffer[i] == pattern[0] && Array(buffer[i..<(i + pattern.count)]) == pattern { return i }
            i += 1
        }
        return nil
    }

    func readRequest() -> Request? {
        let crlf2: [UInt8] = [13, 10, 13, 10]
        var headEnd: Int? = indexOf(crlf2, from: 0)
        while headEnd == nil {
            if !fill() { return nil }
            headEnd = indexOf(crlf2, from: 0)
        }
        let bodyStart = headEnd! + 4
        let head = String(decoding: buffer[0..<headEnd!], as: UTF8.self)
        var lines = head.split(separator: "\r\n", omittingEmptySubsequences: false).map(String.init)
        let requestLine = lines.removeFirst().split(separator: " ").map(String.init)
        guard requestLine.count >= 2 else { return nil }
        var headers: [(String, String)] = []
        for line in lines {
            guard let colon = line.firstIndex(of: ":") else { continue }
            let name = String(line[..<colon])
            let value = String(line[line.index(after: colon)...]).trimmingSpaces()
            headers.append((name, value))
        }
        func header(_ name: String) -> String? {
            headers.first { $0.0.lowercased() == name }?.1
        }
        var end = bodyStart
        if let te = header("transfer-encoding"), te.lowercased().contains("chunked") {
            // Walk chunk sizes until the zero-size chunk and its closing CRLF.
            var cursor = bodyStart
            while true {
                var lineEnd = indexOf([13, 10], from: cursor)
                while lineEnd == nil {
                    if !fill() { return nil }
                    lineEnd = indexOf([13, 10], from: cursor)
                }
                let sizeText = String(decoding: buffer[cursor..<lineEnd!], as: UTF8.self)
                let size = Int(sizeText.split(separator: ";")[0], radix: 16) ?? 0
                cursor = lineEnd! + 2 + size + 2
                while buffer.count < cursor { if !fill() { return nil } }
                if size == 0 { break }
            }
            end = cursor
        } else if let length = Int(header("content-length") ?? "0"), length > 0 {
            end = bodyStart + length
            while buffer.count < end { if !fill() { return nil } }
        }
        let raw = Array(buffer[0..<end])
        buffer.removeFirst(end)
        return Request(method: requestLine[0], path: requestLine[1], headers: headers, raw: raw)
    }

    func send(_ bytes: [UInt8]) {
        var sent = 0
        while sent < bytes.count {
            let n = bytes[sent...].withUnsafeBytes { Glibc.send(fd, $0.baseAddress, $0.count, 0) }
            if n <= 0 { return }
            sent += n
        }
    }

    func respond(status: Int, reason: String, headers: [(String, String)] = [], body: [UInt8], head: Bool) {
        var text = "HTTP/1.1 \(status) \(reason)\r\n"
        for (name, value) in headers { text += "\(name): \(value)\r\n" }
        text += "Content-Length: \(body.count)\r\n\r\n"
        send(Array(text.utf8) + (head ? [] : body))
    }
}

extension String {
    func trimmingSpaces() -> String {
        var s = Substring(self)
        while s.first == " " || s.first == "\t" { s.removeFirst() }
        while s.last == " " || s.last == "\t" { s.removeLast() }
        return String(s)
    }
}

func serve(_ connection: Connection) {
    defer { close(connection.fd) }
    while let request = connection.readRequest() {
        let head = request.method == "HEAD"
        let path = request.path.split(separator: "?", maxSplits: 1).first.map(String.init) ?? "/"
        let parts = path.split(separator: "/").map(String.init)
        if path == "/hello" {
            connection.respond(status: 200, reason: "OK", headers: [("Content-Type", "text/plain")],
                               body: Array("Hello from run \(runID)\n".utf8), head: head)
        } else if parts.count == 2, parts[0] == "status", let code = Int(parts[1]) {
            connection.respond(status: code, reason: "Status", body: [], head: head)
        } else if parts.count == 2, parts[0] == "sleep", let ms = Int(parts[1]) {
            usleep(UInt32(ms) * 1000)
            connection.respond(status: 200, reason: "OK", body: Array("slept \(ms)ms\n".utf8), head: head)
        } else if path == "/index.html" {
            let page = "<!doctype html><html><head><meta charset=\"utf-8\"><title>echo-service</title></head>" +
                "<body><h1>echo-service</h1><p id=\"run\">Run \(runID)</p>" +
                "<p>Any other path echoes the request it received.</p></body></html>\n"
            connection.respond(status: 200, reason: "OK", headers: [("Content-Type", "text/html; charset=utf-8")],
                               body: Array(page.utf8), head: head)
        } else if path == "/hop" {
            connection.respond(status: 200, reason: "OK", headers: [
                ("Connection", "X-Hop-Secret"), ("X-Hop-Secret", "must-not-pass"), ("Keep-Alive", "timeout=5"),
                ("Proxy-Authenticate", "Basic"), ("Upgrade", "h2c"), ("X-End-To-End", "kept"),
            ], body: Array("hop\n".utf8), head: head)
        } else {
            connection.respond(status: 200, reason: "OK", headers: [
                ("Content-Type", "application/octet-stream"), ("X-Echo-Method", request.method),
            ], body: request.raw, head: head)
        }
        if request.wantsClose { return }
    }
}

while true {
    let client = accept(listener, nil, nil)
    if client < 0 { continue }
    var thread = pthread_t()
    let box = Unmanaged.passRetained(Connection(fd: client)).toOpaque()
    pthread_create(&thread, nil, { argument in
        let connection = Unmanaged<Connection>.fromOpaque(argument!).takeRetainedValue()
        serve(connection)
        return nil
    }, box)
    pthread_detach(thread)
}
