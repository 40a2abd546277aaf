//go:build !race

package modelgen_test

const raceEnabled = false
