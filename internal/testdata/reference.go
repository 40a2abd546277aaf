package testdata

import (
	"encoding/json"
	"os"
	"testing"
)

// Case is one prompt of a reference.json that llama.cpp made: the prompt's
// token ids (BOS added), the greedy continuation and its text, and the
// logits after the prompt.
type Case struct {
	Prompt    string    `json:"prompt"`
	PromptIDs []int32   `json:"prompt_ids"`
	Greedy    []int32   `json:"greedy_ids"`
	Text      string    `json:"greedy_text"`
	Logits    []float32 `json:"logits_after_prompt"`
}

// Reference reads dir/reference.json (dir is "stories260K" or
// "synth-tiny"): the cases of each model file, by file name.
func Reference(t testing.TB, dir string) map[string][]Case {
	t.Helper()
	data, err := os.ReadFile(Path(t, dir, "reference.json"))
	if err != nil {
		t.Fatal(err)
	}
	var ref struct {
		Cases map[string][]Case `json:"cases"`
	}
	if err := json.Unmarshal(data, &ref); err != nil {
		t.Fatalf("%s/reference.json: %v", dir, err)
	}
	if len(ref.Cases) == 0 {
		t.Fatalf("%s/reference.json holds no cases", dir)
	}
	return ref.Cases
}
