// swift-tools-version:5.9
import PackageDescription

// A function for AWS Lambda's custom runtime (provided.al2023) with no dependencies: it speaks the
// runtime API over plain sockets. The emulator's AWS Lambda mode runs it unchanged.
let package = Package(
    name: "aws-echo",
    products: [
        .executable(name: "aws-echo", targets: ["aws-echo"]),
    ],
    targets: [
        .executableTarget(name: "aws-echo"),
    ]
)
