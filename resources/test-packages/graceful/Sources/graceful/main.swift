// A program for the emulator's graceful-stop tests. Never a user example.
//   trap     on SIGTERM, finish the work in hand, print a drain line and "drained", exit 0
//   ignore   ignore SIGTERM and keep running (the stop must kill it after the grace)
#if canImport(Glibc)
import Glibc
#endif

setvbuf(stdout, nil, _IOLBF, 0)

// set by the signal handler; read between sleeps (each usleep is a call the loop cannot skip past)
var terminationRequested: sig_atomic_t = 0

switch CommandLine.arguments.dropFirst().first ?? "" {
case "trap":
    signal(SIGTERM) { _ in terminationRequested = 1 }
    print("ready")
    while terminationRequested == 0 { usleep(10_000) }
    print("draining: finishing in-flight work")
    usleep(200_000)
    print("drained")
    exit(0)
case "ignore":
    signal(SIGTERM, SIG_IGN)
    print("ready")
    while true { usleep(100_000) }
default:
    fputs("usage: graceful trap|ignore\n", stderr)
    exit(2)
}
