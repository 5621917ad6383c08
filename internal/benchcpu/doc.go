// Package benchcpu reports, beside a benchmark's wall-clock ns/op, the
// CPU time the process spent per operation, which stays meaningful when
// the machine is shared and the wall clock counts time spent waiting for a
// core.
//
// In a benchmark:
//
//	func BenchmarkCheck(b *testing.B) {
//		defer benchcpu.Start(b)() // reports cpu-ns/op beside ns/op
//		for b.Loop() { ... }
//	}
package benchcpu
