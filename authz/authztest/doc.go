// Package authztest holds what a host needs to test code built on
// package authz: [TestStore], the conformance suite that every
// [authz.Store] implementation must pass, in the manner of
// testing/fstest.
//
// [TestEngine] drives the store through an authz.Service with random
// models and tuples and compares the answers with a reference evaluator.
// Run both in the store's own tests, with a fresh store for each case:
//
//	func TestMyStore(t *testing.T) {
//		newStore := func(t *testing.T) authz.Store { return newMyStore(t) }
//		authztest.TestStore(t, newStore)
//		authztest.TestEngine(t, newStore)
//	}
package authztest
