package backend

// SharedMatMuler is implemented by devices that compute several products
// of one input together faster than one MatMul each (one launch for the
// q, k and v projections of a decode step, say). Devices without it get
// one MatMul per product.
type SharedMatMuler interface {
	// MatMulShared sets dsts[i] = x·ws[i]ᵀ for every i, as MatMul does.
	MatMulShared(dsts []*Tensor, x *Tensor, ws []*Tensor) error
}
