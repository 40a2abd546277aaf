package modelgen

import (
	"bytes"
	"context"
	"errors"
	"testing"
)

// TestWriteRows writes rows whose bytes name the row, with odd sizes,
// chunks that do not divide the rows and several worker counts, and checks
// the order.
func TestWriteRows(t *testing.T) {
	for _, c := range []struct{ rows, rowBytes, workers int }{
		{0, 8, 2}, {1, 3, 4}, {7, chunkBytes/3 + 1, 3}, {1000, 4097, 3}, {5000, 33, 1}, {3, chunkBytes + 5, 8},
	} {
		var out bytes.Buffer
		newState := func() *int { return new(int) }
		fill := func(calls *int, r0 int, dst []byte) error {
			*calls++
			for k := 0; k*c.rowBytes < len(dst); k++ {
				row := dst[k*c.rowBytes : (k+1)*c.rowBytes]
				for i := range row {
					row[i] = byte((r0 + k) * 7)
				}
			}
			return nil
		}
		if err := writeRows(context.Background(), &out, c.rows, c.rowBytes, c.workers, newState, fill); err != nil {
			t.Fatal(err)
		}
		if out.Len() != c.rows*c.rowBytes {
			t.Fatalf("%+v: wrote %d bytes, want %d", c, out.Len(), c.rows*c.rowBytes)
		}
		for r := range c.rows {
			row := out.Bytes()[r*c.rowBytes : (r+1)*c.rowBytes]
			if want := bytes.Repeat([]byte{byte(r * 7)}, c.rowBytes); !bytes.Equal(row, want) {
				t.Fatalf("%+v: row %d holds another row's bytes", c, r)
			}
		}
	}
}

type failWriter struct{ after int }

func (w *failWriter) Write(p []byte) (int, error) {
	if w.after <= 0 {
		return 0, errors.New("disk full")
	}
	w.after--
	return len(p), nil
}

func TestWriteRowsErrors(t *testing.T) {
	boom := errors.New("boom")
	newState := func() struct{} { return struct{}{} }
	failAt := func(row int) func(struct{}, int, []byte) error {
		return func(_ struct{}, r0 int, dst []byte) error {
			if r0 <= row && row < r0+len(dst)/100 {
				return boom
			}
			return nil
		}
	}
	err := writeRows(context.Background(), &bytes.Buffer{}, 100000, 100, 3, newState, failAt(54321))
	if !errors.Is(err, boom) {
		t.Errorf("fill error: got %v", err)
	}
	err = writeRows(context.Background(), &failWriter{after: 5}, 100000, 100, 3, newState, failAt(-1))
	if err == nil || err.Error() != "disk full" {
		t.Errorf("write error: got %v", err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	err = writeRows(ctx, &bytes.Buffer{}, 100000, 100, 3, newState, failAt(-1))
	if !errors.Is(err, context.Canceled) {
		t.Errorf("cancelled: got %v", err)
	}
}
