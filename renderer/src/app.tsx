export function App() {
  return <main className="app">SwiftLambda Local</main>;
}
