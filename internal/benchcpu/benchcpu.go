package benchcpu

import (
	"syscall"
	"testing"
	"time"
)

// Start notes the process's CPU time; call the returned function after
// the timed loop to report "cpu-ns/op" (user and system time of all the
// process's threads, the garbage collector's included, divided by b.N).
func Start(b *testing.B) (stop func()) {
	before := cpuTime()
	return func() {
		if b.N > 0 {
			b.ReportMetric(float64((cpuTime()-before).Nanoseconds())/float64(b.N), "cpu-ns/op")
		}
	}
}

func cpuTime() time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}
