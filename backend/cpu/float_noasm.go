//go:build (!amd64 && !arm64) || purego || !gc

package cpu

func vecDotF32(x, y []float32) float32           { return vecDotF32Generic(x, y) }
func axpy(acc, v []float32, w float32)           { axpyGeneric(acc, v, w) }
func softmaxExp(s []float32, mx float32) float64 { return softmaxExpGeneric(s, mx) }
func swigluVec(out, g, u []float32)              { swigluVecGeneric(out[:len(out)&^(vecLanes-1)], g, u) }

func tileDotF32(a, b []float32) float32 { return tileDotF32Generic(a, b) }

func f16s(dst []float32, src []byte) []float32 { return f16sGeneric(dst, src) }

func scaleMul(dst, a, b []float32, s float32) { scaleMulGeneric(dst, a, b, s) }
func vecDotF16(x, y []float32) float32        { return vecDotF16Generic(x, y) }

func addF32(dst, a, b []float32) { addF32Generic(dst, a, b) }

func rotateAdjacent(x, cs, ss []float32) { rotateAdjacentGeneric(x, cs, ss) }
func rotatePairs(a, b, cs, ss []float32) { rotatePairsGeneric(a, b, cs, ss) }

func kqScores(out, k []float32, stride int, q []float32, scale float32) {
	kqScoresGeneric(out, k, stride, q, scale)
}

func axpyRows(acc []float32, hd, mask, t0 int, v []float32, stride int, w []float32) {
	axpyRowsGeneric(acc, hd, mask, t0, v, stride, w)
}

func maxF32(x []float32) float32      { return maxF32Generic(x) }
func scaleF32(x []float32, s float32) { scaleF32Generic(x, s) }

func f16Rows(dst []float32, src []byte, rows, hd, stride int) {
	f16RowsGeneric(dst, src, rows, hd, stride)
}
