package calibrate

import (
	"github.com/tern-llm/tern/backend"
	"github.com/tern-llm/tern/device"
)

// Fractions of a GPU's data-sheet figures that its kernels reach, for a
// device not yet measured: memory-bound kernels reach most of the bandwidth,
// and a PCIe 4 x16 link moves about 25 GB/s.
const (
	estBandwidthShare = 0.8
	estMatVecShare    = 0.6
	estFlopsPerSM     = 0.25e12 // FP16 tensor-core flops per SM a plain kernel gets
	estOpLatency      = 10e-6   // a kernel launch and its synchronization
	estCopy           = 25e9
)

// Estimate is a rough profile of a GPU from its data sheet (device
// discovery's PeakBandwidth and SM count), marked Estimated, for planning
// before its backend can calibrate it. Nil for the CPU, which is always
// measured, and for a device without a bandwidth figure.
func Estimate(info *device.Device) *Profile {
	if info == nil || info.Kind == backend.CPU || info.PeakBandwidth <= 0 {
		return nil
	}
	bw := estBandwidthShare * info.PeakBandwidth
	p := &Profile{Version: Version, Device: info.Name, Kind: info.Kind, Model: info.Model, Estimated: true,
		Bandwidth: bw, MatVec: map[string]float64{}, MatMat: map[string]float64{}, MatMatRows: matmatRows,
		OpLatency: estOpLatency, HostToDevice: estCopy, DeviceToHost: estCopy}
	for _, t := range DefaultFormats {
		p.MatVec[t.String()] = estMatVecShare * info.PeakBandwidth
		p.MatMat[t.String()] = estFlopsPerSM * float64(max(info.Cores, 1))
	}
	return p
}
