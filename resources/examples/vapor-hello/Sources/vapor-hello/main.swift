import Foundation
import Vapor

let app = try await Application.make(.detect())
// Bind to the port SwiftLambda allocates via the PORT env var; 8080 outside the platform.
let port = Int(ProcessInfo.processInfo.environment["PORT"] ?? "8080") ?? 8080
app.http.server.configuration.hostname = "0.0.0.0"
app.http.server.configuration.port = port

// A client GET …/instances/{RUN_ID}/api/hello arrives here as GET /hello.
app.get("hello") { _ async -> String in
    let runID = ProcessInfo.processInfo.environment["LAMBDA_RUN_UUID"] ?? "local"
    return "Hello from run \(runID)\n"
}

app.post("echo") { req async throws -> Response in
    let body = req.body.string ?? ""
    return Response(status: .ok, body: .init(string: body))
}

try await app.execute()
try await app.asyncShutdown()
