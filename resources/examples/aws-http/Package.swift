// swift-tools-version:5.9
import PackageDescription

// An HTTP function for AWS Lambda (function URLs, API Gateway HTTP APIs) with no dependencies: the
// handler is written as swift-aws-lambda-events' APIGatewayV2Request → APIGatewayV2Response
// handlers are, and Runtime.swift speaks the runtime API over plain sockets (as aws-echo does).
let package = Package(
    name: "aws-http",
    products: [
        .executable(name: "aws-http", targets: ["aws-http"]),
    ],
    targets: [
        .executableTarget(name: "aws-http"),
    ]
)
