// A one-shot that prints the environment variables named by its arguments: how a project's
// environment, its .env file and its secrets arrive in a run.
//   NAME          prints NAME=<value>, or NAME is not set
//   length:NAME   prints the value's length and the value reversed (a secret checked without printing it)
// With no arguments it prints every variable, sorted by name.
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

func value(of name: String) -> String? {
    guard let raw = getenv(name) else { return nil }
    return String(cString: raw)
}

var arguments = Array(CommandLine.arguments.dropFirst())
if arguments.isEmpty {
    var names: [String] = []
    var pointer = environ
    while let entry = pointer.pointee {
        let pair = String(cString: entry)
        if let eq = pair.firstIndex(of: "=") { names.append(String(pair[..<eq])) }
        pointer += 1
    }
    arguments = names.sorted()
}
for argument in arguments {
    if argument.hasPrefix("length:") {
        let name = String(argument.dropFirst("length:".count))
        if let v = value(of: name) {
            print("\(name) length=\(v.count) reversed=\(String(v.reversed()))")
        } else {
            print("\(name) is not set")
        }
    } else if let v = value(of: argument) {
        print("\(argument)=\(v)")
    } else {
        print("\(argument) is not set")
    }
}
