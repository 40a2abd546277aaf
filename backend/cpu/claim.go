package cpu

import "unsafe"

// claimLines writes a zero byte to every cache line of b, whose contents
// the caller is about to overwrite in full: the core then holds each line
// to write before the writing begins, the requests for all of them in
// flight together (see convert for what that saves). b's contents are
// undefined after.
func claimLines(b []byte) {
	for i := 0; i < len(b); i += cacheLine {
		b[i] = 0
	}
	if len(b) > 0 {
		b[len(b)-1] = 0 // the last line, where b does not start on a line
	}
}

// wordBytes is the memory of s as bytes.
func wordBytes[T int32 | float32](s []T) []byte {
	return unsafe.Slice((*byte)(unsafe.Pointer(unsafe.SliceData(s))), 4*len(s))
}
