// Deliberately does not compile: the emulator's tests check that the compiler's message reaches
// the build logs and the compilation ends `failed`.
let answer: Int = "forty-two"
print(answer)
