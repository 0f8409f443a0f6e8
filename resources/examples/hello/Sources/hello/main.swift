// A one-shot SwiftLambda: prints its arguments and the platform's environment, then exits.
//
// A few arguments make it useful for trying the platform out (and for the emulator's tests):
//   sleep:<seconds>   pause before going on
//   stderr:<text>     write <text> to standard error
//   lines:<n>         print n numbered lines
//   exit:<code>       exit with <code> instead of 0
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

let environment = ProcessInfo.environment
print("Hello from SwiftLambda!")
print("run: \(environment["LAMBDA_RUN_UUID"] ?? "(not set)")")
print("project: \(environment["LAMBDA_PROJECT_UUID"] ?? "(not set)")")
print("arguments: \(CommandLine.arguments.dropFirst().count)")
for (index, argument) in CommandLine.arguments.dropFirst().enumerated() {
    print("  [\(index)] \(argument)")
}

var exitCode: Int32 = 0
for argument in CommandLine.arguments.dropFirst() {
    guard let colon = argument.firstIndex(of: ":") else { continue }
    let command = argument[..<colon]
    let value = String(argument[argument.index(after: colon)...])
    switch command {
    case "sleep":
        usleep(UInt32((Double(value) ?? 0) * 1_000_000))
    case "stderr":
        fputs(value + "\n", stderr)
    case "lines":
        for n in 0..<(Int(value) ?? 0) { print("line \(n)") }
    case "exit":
        exitCode = Int32(value) ?? 1
    default:
        break
    }
}
print("bye")
exit(exitCode)

enum ProcessInfo {
    static var environment: [String: String] {
        var result: [String: String] = [:]
        var pointer = environ
        while let entry = pointer.pointee {
            let pair = String(cString: entry)
            if let eq = pair.firstIndex(of: "=") {
                result[String(pair[..<eq])] = String(pair[pair.index(after: eq)...])
            }
            pointer += 1
        }
        return result
    }
}
