package tokenizer

// heapPush adds x to the binary min-heap q ordered by before, and returns
// the heap. The SPM and BPE merge loops keep their candidate pairs in it.
func heapPush[T any](q []T, x T, before func(a, b T) bool) []T {
	q = append(q, x)
	for i := len(q) - 1; i > 0; {
		p := (i - 1) / 2
		if !before(q[i], q[p]) {
			break
		}
		q[i], q[p] = q[p], q[i]
		i = p
	}
	return q
}

// heapPop removes the first element of the non-empty heap q and returns it
// with the heap.
func heapPop[T any](q []T, before func(a, b T) bool) (T, []T) {
	top := q[0]
	last := len(q) - 1
	q[0] = q[last]
	q = q[:last]
	for i := 0; ; {
		l, r, m := 2*i+1, 2*i+2, i
		if l < len(q) && before(q[l], q[m]) {
			m = l
		}
		if r < len(q) && before(q[r], q[m]) {
			m = r
		}
		if m == i {
			break
		}
		q[i], q[m] = q[m], q[i]
		i = m
	}
	return top, q
}
