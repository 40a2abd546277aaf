package calibrate

import (
	"bytes"
	"os"
	"strconv"
	"syscall"
)

// watchContention starts measuring how much of the machine's CPU time
// other processes (and, in a virtual machine, the hypervisor's other
// guests: steal) take; the function it returns gives their share of the
// time since, from 0 to 1. Linux's /proc/stat counts every CPU's time in
// USER_HZ ticks, which are 1/100 s on every architecture Go supports.
// Where the counters cannot be read it reports 0.
func watchContention() func() float64 {
	busy0, total0, ok0 := cpuTicks()
	own0, okOwn0 := ownTicks()
	return func() float64 {
		busy1, total1, ok1 := cpuTicks()
		own1, okOwn1 := ownTicks()
		if !ok0 || !ok1 || !okOwn0 || !okOwn1 || total1 <= total0 {
			return 0
		}
		others := float64(busy1-busy0) - (own1 - own0)
		return min(max(others/float64(total1-total0), 0), 1)
	}
}

// cpuTicks reads the machine's busy and total CPU ticks from /proc/stat.
func cpuTicks() (busy, total uint64, ok bool) {
	data, err := os.ReadFile("/proc/stat")
	if err != nil {
		return 0, 0, false
	}
	line, _, _ := bytes.Cut(data, []byte("\n"))
	f := bytes.Fields(line)
	if len(f) < 9 || string(f[0]) != "cpu" {
		return 0, 0, false
	}
	// user nice system idle iowait irq softirq steal (guest time is
	// already inside user and nice)
	var v [8]uint64
	for i := range v {
		if v[i], err = strconv.ParseUint(string(f[1+i]), 10, 64); err != nil {
			return 0, 0, false
		}
	}
	busy = v[0] + v[1] + v[2] + v[5] + v[6] + v[7]
	return busy, busy + v[3] + v[4], true
}

// ownTicks is this process's CPU time (user and system), in ticks.
func ownTicks() (float64, bool) {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0, false
	}
	sec := func(t syscall.Timeval) float64 { return float64(t.Sec) + float64(t.Usec)/1e6 }
	return (sec(ru.Utime) + sec(ru.Stime)) * ticksPerSecond, true
}

// ticksPerSecond is Linux's USER_HZ.
const ticksPerSecond = 100
