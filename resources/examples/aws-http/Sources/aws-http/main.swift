// An HTTP function, called through a function URL (`/lambda-url/{LAMBDA_ID}/…` in the emulator):
//   /hello?name=…   201 with a text body, an `x-hello` header and a `visits` cookie
//   /event          200 with the event the function received, as JSON
//   /binary         the bytes 0…255 (a base64 body with isBase64Encoded)
//   /fail           a function error (the caller gets 502)
//   /sleep?seconds= sleeps, then answers (past the function's timeout the caller gets 504)
//   anything else   404
#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif
import Foundation

print("aws-http: init (function \(environmentValue("AWS_LAMBDA_FUNCTION_NAME") ?? "aws-http"))")

let runtime = LambdaRuntime { (request: APIGatewayV2Request, context: LambdaContext) throws -> APIGatewayV2Response in
    print("aws-http: \(context.requestId) \(request.context.http.method) \(request.rawPath)")
    switch request.rawPath {
    case "/hello":
        let name = request.queryStringParameters["name"] ?? "world"
        return APIGatewayV2Response(
            statusCode: 201,
            headers: ["content-type": "text/plain; charset=utf-8", "x-hello": "world"],
            body: "Hello, \(name)!\n",
            cookies: ["visits=1; Path=/; HttpOnly"])
    case "/event":
        return APIGatewayV2Response(statusCode: 200, headers: ["content-type": "application/json"], body: context.rawEvent)
    case "/binary":
        let bytes = Data((0...255).map { UInt8($0) })
        return APIGatewayV2Response(
            statusCode: 200, headers: ["content-type": "application/octet-stream"],
            body: bytes.base64EncodedString(), isBase64Encoded: true)
    case "/fail":
        throw HandlerError(type: "HelloFailure", message: "failed on purpose")
    case "/sleep":
        let seconds = Double(request.queryStringParameters["seconds"] ?? "1") ?? 1
        Thread.sleep(forTimeInterval: seconds)
        return APIGatewayV2Response(statusCode: 200, body: "{\"slept\":\(seconds)}")
    default:
        return APIGatewayV2Response(
            statusCode: 404, headers: ["content-type": "application/json"], body: "{\"message\":\"Not Found\"}")
    }
}
runtime.run()
