// A dependency-free one-shot that tries the ways a run reaches the world, on Glibc sockets:
//   tcp HOST PORT                      opens a TCP connection
//   get URL [Header:value ...]          an HTTP/1.1 GET (http:// only); prints the status line and body
//   env NAME                            prints an environment variable
// `${NAME}` in an argument is replaced by that environment variable, so
//   get '${SWIFTLAMBDA_API_URL}/dev/<LAMBDA_ID>/api/hello' 'X-API-Key:${OTHER_SERVICE_KEY}'
// calls another project's service through the emulator, as it would call the hosted platform.
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

setvbuf(stdout, nil, _IOLBF, 0)
signal(SIGPIPE, SIG_IGN)

func expand(_ text: String) -> String {
    var out = ""
    var chars = Array(text)[...]
    while let c = chars.popFirst() {
        if c == "$", chars.first == "{", let end = chars.firstIndex(of: "}") {
            let name = String(chars[chars.index(after: chars.startIndex)..<end])
            if let value = getenv(name) { out += String(cString: value) }
            chars = chars[chars.index(after: end)...]
        } else {
            out.append(c)
        }
    }
    return out
}

struct Failure: Error {
    let message: String
}

/// A connected socket to host:port, or why not.
func connectTo(_ host: String, _ port: String) -> Result<Int32, Failure> {
    var hints = addrinfo()
    hints.ai_family = AF_UNSPEC
    hints.ai_socktype = Int32(SOCK_STREAM.rawValue)
    var list: UnsafeMutablePointer<addrinfo>?
    let rc = getaddrinfo(host, port, &hints, &list)
    guard rc == 0, let first = list else { return .failure(Failure(message: "resolve \(host): \(String(cString: gai_strerror(rc)))")) }
    defer { freeaddrinfo(list) }
    var lastError = "no address"
    var entry: UnsafeMutablePointer<addrinfo>? = first
    while let e = entry {
        let fd = socket(e.pointee.ai_family, e.pointee.ai_socktype, e.pointee.ai_protocol)
        if fd >= 0 {
            var timeout = timeval(tv_sec: 10, tv_usec: 0)
            setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &timeout, socklen_t(MemoryLayout<timeval>.size))
            if connect(fd, e.pointee.ai_addr, e.pointee.ai_addrlen) == 0 { return .success(fd) }
            lastError = String(cString: strerror(errno))
            close(fd)
        }
        entry = e.pointee.ai_next
    }
    return .failure(Failure(message: "connect \(host):\(port): \(lastError)"))
}

func tcp(_ host: String, _ port: String) {
    switch connectTo(host, port) {
    case .success(let fd):
        close(fd)
        print("tcp \(host):\(port) connected")
    case .failure(let failure):
        print("tcp \(host):\(port) failed: \(failure.message)")
    }
}

func get(_ url: String, _ headers: [String]) {
    guard url.hasPrefix("http://") else { return print("get \(url) failed: only http:// URLs") }
    let rest = url.dropFirst("http://".count)
    let slash = rest.firstIndex(of: "/") ?? rest.endIndex
    let authority = String(rest[..<slash])
    let path = slash == rest.endIndex ? "/" : String(rest[slash...])
    let colon = authority.lastIndex(of: ":")
    let host = colon.map { String(authority[..<$0]) } ?? authority
    let port = colon.map { String(authority[authority.index(after: $0)...]) } ?? "80"
    let fd: Int32
    switch connectTo(host, port) {
    case .success(let s): fd = s
    case .failure(let failure): return print("get \(url) failed: \(failure.message)")
    }
    defer { close(fd) }
    var request = "GET \(path) HTTP/1.1\r\nHost: \(authority)\r\nConnection: close\r\n"
    for header in headers { request += header + "\r\n" }
    request += "\r\n"
    let bytes = Array(request.utf8)
    guard send(fd, bytes, bytes.count, 0) == bytes.count else { return print("get \(url) failed: send") }
    var response: [UInt8] = []
    var chunk = [UInt8](repeating: 0, count: 65536)
    while true {
        let n = chunk.withUnsafeMutableBytes { recv(fd, $0.baseAddress, 65536, 0) }
        if n <= 0 { break }
        response.append(contentsOf: chunk[0..<n])
    }
    let crlf2: [UInt8] = [13, 10, 13, 10]
    guard let headEnd = (0..<max(0, response.count - 3)).first(where: { Array(response[$0..<($0 + 4)]) == crlf2 })
    else { return print("get \(url) failed: no HTTP answer") }
    let head = String(decoding: response[..<headEnd], as: UTF8.self)
    let statusLine = head.split(separator: "\r\n").first.map(String.init) ?? ""
    let body = String(String(decoding: response[(headEnd + 4)...], as: UTF8.self).map { $0.isNewline ? " " : $0 })
    print("get \(url) -> \(statusLine) | \(body.prefix(400))")
}

var args = Array(CommandLine.arguments.dropFirst()).map(expand)
while !args.isEmpty {
    let command = args.removeFirst()
    switch command {
    case "tcp" where args.count >= 2:
        tcp(args[0], args[1])
        args.removeFirst(2)
    case "env" where !args.isEmpty:
        let name = args.removeFirst()
        print("env \(name)=\(getenv(name).map { String(cString: $0) } ?? "")")
    case "get" where !args.isEmpty:
        let url = args.removeFirst()
        var headers: [String] = []
        while let next = args.first, next.contains(":"), !next.hasPrefix("http://") {
            headers.append(args.removeFirst())
        }
        get(url, headers)
    default:
        print("usage: net-probe [tcp HOST PORT] [get URL [Header:value ...]] [env NAME] ...")
        exit(2)
    }
}
