// A program that dies on purpose, for the emulator's crash-diagnosis tests. Never a user example.
//   fatal          fatalError("boom: …"): a Swift runtime trap with a message
//   unwrap         force-unwraps nil
//   index          reads an array out of range
//   segv           writes through a null pointer (SIGSEGV)
//   abort          abort() (SIGABRT)
//   hold:<MiB>     touches that many MiB, then sleeps (live stats; the memory stays in use)
#if canImport(Glibc)
import Glibc
#endif

@inline(never)
func explode(_ what: String) -> Never {
    fatalError("boom: \(what)")
}

@inline(never)
func unwrapNothing(_ value: Int?) -> Int {
    value!
}

@inline(never)
func readPastTheEnd(_ values: [Int], _ index: Int) -> Int {
    values[index]
}

@inline(never)
func writeThroughNull(_ address: Int) {
    // a pointer whose bits are `address` (0 here), made at run time so the compiler cannot see it
    var pointer = UnsafeMutablePointer<Int>(bitPattern: 1)!
    withUnsafeMutableBytes(of: &pointer) { $0.storeBytes(of: address, as: Int.self) }
    pointer.pointee = 42
}

let command = CommandLine.arguments.dropFirst().first ?? ""
let parts = command.split(separator: ":", maxSplits: 1).map(String.init)
print("crashy: \(command)")
fflush(stdout)

switch parts.first ?? "" {
case "fatal":
    explode("the answer was \(CommandLine.arguments.count + 40)")
case "unwrap":
    print(unwrapNothing(CommandLine.arguments.count > 5 ? 1 : nil))
case "index":
    print(readPastTheEnd([1, 2, 3], CommandLine.arguments.count + 3))
case "segv":
    writeThroughNull(CommandLine.arguments.count > 5 ? 8 : 0)
case "abort":
    abort()
case "hold":
    let mib = Int(parts.count > 1 ? parts[1] : "64") ?? 64
    let block = malloc(mib << 20)!
    memset(block, 1, mib << 20)
    // handed to the kernel, so the optimizer cannot drop the allocation as unused
    let devNull = open("/dev/null", O_WRONLY)
    _ = write(devNull, block, mib << 20)
    print("holding \(mib) MiB")
    fflush(stdout)
    while true { sleep(60) }
default:
    print("usage: crashy fatal|unwrap|index|segv|abort|hold:<MiB>")
}
