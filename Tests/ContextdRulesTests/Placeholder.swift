import Testing
@Test func placeholderContextdRulesTests() { #expect(Bool(true)) }
