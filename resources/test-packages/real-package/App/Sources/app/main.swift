import Foundation
import Greeting
import Shared

// Each line proves one path of a real build: a resource bundle, a path dependency, a git dependency.
guard let url = Bundle.module.url(forResource: "message", withExtension: "txt"),
      let message = try? String(contentsOf: url, encoding: .utf8) else {
    print("resource: missing")
    exit(1)
}
print("resource: \(message.trimmingCharacters(in: .whitespacesAndNewlines))")
print("shared: \(sharedGreeting())")
print("greeting: \(Greeting.version)")
