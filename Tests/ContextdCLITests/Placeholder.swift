import Testing
@Test func placeholderContextdCLITests() { #expect(Bool(true)) }
