package cpu

import (
	"bufio"
	"bytes"
	"fmt"
	"os"
	"strconv"
)

// hostMemory reads MemAvailable and MemTotal from /proc/meminfo.
func hostMemory() (free, total uint64, err error) {
	data, err := os.ReadFile("/proc/meminfo")
	if err != nil {
		return 0, 0, fmt.Errorf("cpu: %w", err)
	}
	sc := bufio.NewScanner(bytes.NewReader(data))
	for sc.Scan() {
		f := bytes.Fields(sc.Bytes())
		if len(f) < 2 {
			continue
		}
		v, err := strconv.ParseUint(string(f[1]), 10, 64)
		if err != nil {
			continue
		}
		switch string(f[0]) {
		case "MemTotal:":
			total = v * 1024
		case "MemAvailable:":
			free = v * 1024
		}
	}
	if total == 0 {
		return 0, 0, fmt.Errorf("cpu: no MemTotal in /proc/meminfo")
	}
	return free, total, nil
}
