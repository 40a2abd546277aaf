package gguf

import (
	"encoding/binary"
	"fmt"
	"math"
)

// checkValue validates a metadata value for the Writer and returns it in the
// form the reader produces: scalars as they are, slices wrapped in an Array.
func checkValue(v any, depth int) (any, error) {
	switch x := v.(type) {
	case uint8, int8, uint16, int16, uint32, int32, uint64, int64, float32, float64, bool, string:
		return v, nil
	case Array:
		if err := checkArray(x, depth); err != nil {
			return nil, err
		}
		return x, nil
	case nil:
		return nil, fmt.Errorf("nil value")
	case int, uint, uintptr:
		return nil, fmt.Errorf("value of type %T: use a sized integer type (int32, uint64 …)", v)
	}
	if elem, ok := sliceElem(v); ok {
		a := Array{Elem: elem, Values: v}
		if err := checkArray(a, depth); err != nil {
			return nil, err
		}
		return a, nil
	}
	return nil, fmt.Errorf("value of type %T is not a GGUF value type", v)
}

// sliceElem is the element type of a slice that can be an Array's Values.
func sliceElem(v any) (ValueType, bool) {
	switch v.(type) {
	case []uint8:
		return TypeUint8, true
	case []int8:
		return TypeInt8, true
	case []uint16:
		return TypeUint16, true
	case []int16:
		return TypeInt16, true
	case []uint32:
		return TypeUint32, true
	case []int32:
		return TypeInt32, true
	case []float32:
		return TypeFloat32, true
	case []bool:
		return TypeBool, true
	case []string:
		return TypeString, true
	case []Array:
		return TypeArray, true
	case []uint64:
		return TypeUint64, true
	case []int64:
		return TypeInt64, true
	case []float64:
		return TypeFloat64, true
	}
	return 0, false
}

// checkArray checks that an Array's Values match its Elem, recursively.
func checkArray(a Array, depth int) error {
	if depth >= maxNesting {
		return fmt.Errorf("arrays nested more than %d deep", maxNesting)
	}
	elem, ok := sliceElem(a.Values)
	if !ok {
		return fmt.Errorf("array Values of type %T is not a slice of a GGUF value type", a.Values)
	}
	if elem != a.Elem {
		return fmt.Errorf("array of %s holds %T", a.Elem, a.Values)
	}
	if inner, ok := a.Values.([]Array); ok {
		for i, x := range inner {
			if err := checkArray(x, depth+1); err != nil {
				return fmt.Errorf("element %d: %w", i, err)
			}
		}
	}
	return nil
}

// typeOf is the GGUF type of a value that checkValue accepted.
func typeOf(v any) ValueType {
	switch v.(type) {
	case uint8:
		return TypeUint8
	case int8:
		return TypeInt8
	case uint16:
		return TypeUint16
	case int16:
		return TypeInt16
	case uint32:
		return TypeUint32
	case int32:
		return TypeInt32
	case float32:
		return TypeFloat32
	case bool:
		return TypeBool
	case string:
		return TypeString
	case uint64:
		return TypeUint64
	case int64:
		return TypeInt64
	case float64:
		return TypeFloat64
	}
	return TypeArray
}

func appendString(b []byte, s string) []byte {
	b = binary.LittleEndian.AppendUint64(b, uint64(len(s)))
	return append(b, s...)
}

func appendBool(b []byte, x bool) []byte {
	if x {
		return append(b, 1)
	}
	return append(b, 0)
}

// appendValue encodes a value that checkValue accepted, without its type tag.
func appendValue(b []byte, v any) []byte {
	le := binary.LittleEndian
	switch x := v.(type) {
	case uint8:
		return append(b, x)
	case int8:
		return append(b, uint8(x))
	case uint16:
		return le.AppendUint16(b, x)
	case int16:
		return le.AppendUint16(b, uint16(x))
	case uint32:
		return le.AppendUint32(b, x)
	case int32:
		return le.AppendUint32(b, uint32(x))
	case float32:
		return le.AppendUint32(b, math.Float32bits(x))
	case bool:
		return appendBool(b, x)
	case string:
		return appendString(b, x)
	case uint64:
		return le.AppendUint64(b, x)
	case int64:
		return le.AppendUint64(b, uint64(x))
	case float64:
		return le.AppendUint64(b, math.Float64bits(x))
	case Array:
		return appendArray(b, x)
	}
	panic(fmt.Sprintf("gguf: appendValue of unchecked type %T", v))
}

func appendArray(b []byte, a Array) []byte {
	le := binary.LittleEndian
	b = le.AppendUint32(b, uint32(a.Elem))
	b = le.AppendUint64(b, uint64(a.Len()))
	switch s := a.Values.(type) {
	case []uint8:
		return append(b, s...)
	case []int8:
		for _, x := range s {
			b = append(b, uint8(x))
		}
	case []uint16:
		for _, x := range s {
			b = le.AppendUint16(b, x)
		}
	case []int16:
		for _, x := range s {
			b = le.AppendUint16(b, uint16(x))
		}
	case []uint32:
		for _, x := range s {
			b = le.AppendUint32(b, x)
		}
	case []int32:
		for _, x := range s {
			b = le.AppendUint32(b, uint32(x))
		}
	case []float32:
		for _, x := range s {
			b = le.AppendUint32(b, math.Float32bits(x))
		}
	case []bool:
		for _, x := range s {
			b = appendBool(b, x)
		}
	case []string:
		for _, x := range s {
			b = appendString(b, x)
		}
	case []uint64:
		for _, x := range s {
			b = le.AppendUint64(b, x)
		}
	case []int64:
		for _, x := range s {
			b = le.AppendUint64(b, uint64(x))
		}
	case []float64:
		for _, x := range s {
			b = le.AppendUint64(b, math.Float64bits(x))
		}
	case []Array:
		for _, x := range s {
			b = appendArray(b, x)
		}
	}
	return b
}
