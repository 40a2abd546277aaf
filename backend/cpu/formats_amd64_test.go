//go:build amd64 && gc && !purego

package cpu

// x4Expected says whether the four-token kernels must run at the current
// level.
func x4Expected() bool { return useVNNI && useX4 }

// floatX4Expected says whether the float32 and F16 four-token kernels
// must run at the current level.
func floatX4Expected() bool { return useAVX2 }
