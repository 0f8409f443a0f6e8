// API Gateway HTTP API / function URL events (payload format 2.0), shaped as swift-aws-lambda-events'
// `APIGatewayV2Request` and `APIGatewayV2Response`: the same property names and the same required
// fields, so a handler written here moves to the real library by changing its imports.
import Foundation

typealias HTTPHeaders = [String: String]

struct APIGatewayV2Request: Codable {
    struct Context: Codable {
        struct HTTP: Codable {
            let method: String
            let path: String
            let `protocol`: String
            let sourceIp: String
            let userAgent: String
        }

        let accountId: String
        let apiId: String
        let domainName: String
        let domainPrefix: String
        let stage: String
        let requestId: String
        let http: HTTP
        /// `23/Apr/2020:11:08:18 +0000`
        let time: String
        let timeEpoch: UInt64
    }

    let version: String
    let routeKey: String
    let rawPath: String
    let rawQueryString: String
    let cookies: [String]
    let headers: HTTPHeaders
    let queryStringParameters: [String: String]
    let pathParameters: [String: String]
    let context: Context
    let body: String?
    let isBase64Encoded: Bool

    enum CodingKeys: String, CodingKey {
        case version, routeKey, rawPath, rawQueryString, cookies, headers, queryStringParameters, pathParameters
        case context = "requestContext"
        case body, isBase64Encoded
    }

    /// As the library decodes it: `cookies`, `queryStringParameters` and `pathParameters` may be absent.
    init(from decoder: Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        version = try c.decode(String.self, forKey: .version)
        routeKey = try c.decode(String.self, forKey: .routeKey)
        rawPath = try c.decode(String.self, forKey: .rawPath)
        rawQueryString = try c.decode(String.self, forKey: .rawQueryString)
        cookies = try c.decodeIfPresent([String].self, forKey: .cookies) ?? []
        headers = try c.decode(HTTPHeaders.self, forKey: .headers)
        queryStringParameters = try c.decodeIfPresent([String: String].self, forKey: .queryStringParameters) ?? [:]
        pathParameters = try c.decodeIfPresent([String: String].self, forKey: .pathParameters) ?? [:]
        context = try c.decode(Context.self, forKey: .context)
        body = try c.decodeIfPresent(String.self, forKey: .body)
        isBase64Encoded = try c.decode(Bool.self, forKey: .isBase64Encoded)
    }
}

struct APIGatewayV2Response: Codable {
    var statusCode: Int
    var headers: HTTPHeaders?
    var body: String?
    var isBase64Encoded: Bool?
    var cookies: [String]?

    init(statusCode: Int, headers: HTTPHeaders? = nil, body: String? = nil, isBase64Encoded: Bool? = nil, cookies: [String]? = nil) {
        self.statusCode = statusCode
        self.headers = headers
        self.body = body
        self.isBase64Encoded = isBase64Encoded
        self.cookies = cookies
    }
}
