package gguf

import "math"

// String returns a string metadata value.
func (f *File) String(key string) (string, bool) {
	v, _ := f.Lookup(key)
	s, ok := v.(string)
	return s, ok
}

// Bool returns a bool metadata value.
func (f *File) Bool(key string) (bool, bool) {
	v, _ := f.Lookup(key)
	b, ok := v.(bool)
	return b, ok
}

// Int returns an integer metadata value of any integer type that fits int64.
func (f *File) Int(key string) (int64, bool) {
	v, ok := f.Lookup(key)
	if !ok {
		return 0, false
	}
	return asInt(v)
}

// Uint returns an integer metadata value of any integer type, when it is not negative.
func (f *File) Uint(key string) (uint64, bool) {
	v, ok := f.Lookup(key)
	if !ok {
		return 0, false
	}
	if u, ok := v.(uint64); ok {
		return u, true
	}
	i, ok := asInt(v)
	if !ok || i < 0 {
		return 0, false
	}
	return uint64(i), true
}

// Float returns a float32 or float64 metadata value, or an integer one as a float.
func (f *File) Float(key string) (float64, bool) {
	v, ok := f.Lookup(key)
	if !ok {
		return 0, false
	}
	switch x := v.(type) {
	case float32:
		return float64(x), true
	case float64:
		return x, true
	case uint64:
		return float64(x), true
	}
	i, ok := asInt(v)
	return float64(i), ok
}

// Strings returns an array-of-strings metadata value. The slice is the
// File's (as are those of Float32s and Int32s of an int32 array): do not
// modify it.
func (f *File) Strings(key string) ([]string, bool) {
	v, _ := f.Lookup(key)
	a, ok := v.(Array)
	if !ok {
		return nil, false
	}
	s, ok := a.Values.([]string)
	return s, ok
}

// Float32s returns an array-of-float32 metadata value.
func (f *File) Float32s(key string) ([]float32, bool) {
	v, _ := f.Lookup(key)
	a, ok := v.(Array)
	if !ok {
		return nil, false
	}
	s, ok := a.Values.([]float32)
	return s, ok
}

// Int32s returns an array of integers as int32, when every element fits.
func (f *File) Int32s(key string) ([]int32, bool) {
	v, _ := f.Lookup(key)
	a, ok := v.(Array)
	if !ok {
		return nil, false
	}
	if s, ok := a.Values.([]int32); ok {
		return s, true
	}
	n := a.Len()
	out := make([]int32, n)
	for i := 0; i < n; i++ {
		var x int64
		switch s := a.Values.(type) {
		case []uint8:
			x = int64(s[i])
		case []int8:
			x = int64(s[i])
		case []uint16:
			x = int64(s[i])
		case []int16:
			x = int64(s[i])
		case []uint32:
			x = int64(s[i])
		case []int64:
			x = s[i]
		case []uint64:
			if s[i] > math.MaxInt32 {
				return nil, false
			}
			x = int64(s[i])
		default:
			return nil, false
		}
		if x < math.MinInt32 || x > math.MaxInt32 {
			return nil, false
		}
		out[i] = int32(x)
	}
	return out, true
}

func asInt(v any) (int64, bool) {
	switch x := v.(type) {
	case uint8:
		return int64(x), true
	case int8:
		return int64(x), true
	case uint16:
		return int64(x), true
	case int16:
		return int64(x), true
	case uint32:
		return int64(x), true
	case int32:
		return int64(x), true
	case int64:
		return x, true
	case uint64:
		if x > math.MaxInt64 {
			return 0, false
		}
		return int64(x), true
	}
	return 0, false
}
