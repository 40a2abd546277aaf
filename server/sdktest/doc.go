// Package sdktest drives Tern's server with OpenAI's official Go SDK. It is
// a module of its own so that the SDK and its dependencies stay out of
// Tern's go.mod; .ci/run runs its tests.
package sdktest
