// A deliberately badly behaved binary for the emulator's reliability tests. Never a user example.
//   forkbomb       fork until the kernel refuses, report how far it got, exit 3
//   memhog         allocate and touch memory in 32 MiB steps until killed
//   flood:<MiB>    write that many MiB of 1 KiB lines to stdout as fast as possible
//   burst:<lines>  write that many short numbered lines
//   tick:<n>:<ms>  print "tick <unix ms>" n times, every <ms> milliseconds (latency benchmarks)
#if canImport(Glibc)
import Glibc
#endif

setvbuf(stdout, nil, _IOFBF, 1 << 16)
let command = CommandLine.arguments.dropFirst().first ?? ""
let parts = command.split(separator: ":", maxSplits: 1).map(String.init)

switch parts.first ?? "" {
case "forkbomb":
    var children = 0
    while true {
        let pid = fork()
        if pid == 0 {
            pause()
            _exit(0)
        }
        if pid < 0 {
            print("fork failed after \(children) children: errno \(errno)")
            fflush(stdout)
            exit(3)
        }
        children += 1
    }
case "memhog":
    var blocks: [UnsafeMutableRawPointer] = []
    let step = 32 << 20
    while true {
        guard let block = malloc(step) else {
            print("malloc failed after \(blocks.count * 32) MiB")
            exit(4)
        }
        memset(block, 1, step)
        blocks.append(block)
        print("holding \(blocks.count * 32) MiB")
        fflush(stdout)
    }
case "flood":
    let mib = Int(parts.count > 1 ? parts[1] : "1") ?? 1
    var line = [UInt8](repeating: UInt8(ascii: "x"), count: 1023)
    line.append(UInt8(ascii: "\n"))
    for _ in 0..<(mib * 1024) {
        _ = line.withUnsafeBufferPointer { fwrite($0.baseAddress, 1, $0.count, stdout) }
    }
    fflush(stdout)
    print("flood done")
case "burst":
    let count = Int(parts.count > 1 ? parts[1] : "1") ?? 1
    for n in 0..<count { print("burst line \(n)") }
    fflush(stdout)
case "tick":
    let fields = command.split(separator: ":").map(String.init)
    let count = Int(fields.count > 1 ? fields[1] : "10") ?? 10
    let interval = Int(fields.count > 2 ? fields[2] : "100") ?? 100
    setvbuf(stdout, nil, _IOLBF, 0)
    for _ in 0..<count {
        var now = timespec()
        clock_gettime(CLOCK_REALTIME, &now)
        print("tick \(Int(now.tv_sec) * 1000 + Int(now.tv_nsec) / 1_000_000)")
        usleep(UInt32(interval * 1000))
    }
default:
    print("usage: hostile forkbomb | memhog | flood:<MiB> | burst:<lines> | tick:<n>:<ms>")
    exit(2)
}
