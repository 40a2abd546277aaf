package server

import (
	"fmt"
	"io"
	"net/http"
	"strconv"

	"github.com/tern-llm/tern/engine"
)

// metrics writes Prometheus text: the gauges Kubernetes' Gateway API
// Inference Extension reads from a model server (vLLM's names), then
// Tern's own counters and latency histograms.
func (s *Server) metrics(w http.ResponseWriter, r *http.Request) {
	w.Header().Set("Content-Type", "text/plain; version=0.0.4; charset=utf-8")
	st := s.eng.Stats()
	writeMetrics(w, s.cfg.Model, st)
}

func writeMetrics(w io.Writer, model string, st engine.Stats) {
	lbl := fmt.Sprintf(`model_name=%q`, model)
	gauge := func(name, help string, v float64) {
		fmt.Fprintf(w, "# HELP %s %s\n# TYPE %s gauge\n%s{%s} %s\n", name, help, name, name, lbl, strconv.FormatFloat(v, 'g', -1, 64))
	}
	counter := func(name, help string, v uint64) {
		fmt.Fprintf(w, "# HELP %s %s\n# TYPE %s counter\n%s{%s} %d\n", name, help, name, name, lbl, v)
	}
	gauge("vllm:num_requests_waiting", "Requests waiting to be scheduled.", float64(st.Waiting))
	gauge("vllm:num_requests_running", "Requests being computed.", float64(st.Running))
	gauge("vllm:kv_cache_usage_perc", "Fraction of KV cache blocks in use (1 means full).", st.KVUsage())
	fmt.Fprintf(w, "# HELP vllm:cache_config_info Information of the KV cache configuration.\n# TYPE vllm:cache_config_info gauge\n")
	fmt.Fprintf(w, "vllm:cache_config_info{block_size=\"%d\",num_gpu_blocks=\"%d\"} 1\n", st.BlockSize, st.BlocksTotal)
	counter("tern_requests_total", "Requests received.", st.Requests)
	counter("tern_requests_finished_total", "Requests that ran to their end.", st.Finished)
	counter("tern_requests_cancelled_total", "Requests cancelled (client gone).", st.Cancelled)
	counter("tern_prompt_tokens_total", "Prompt tokens processed.", st.PromptTokens)
	counter("tern_generation_tokens_total", "Tokens generated.", st.GenTokens)
	counter("tern_prefix_cache_queries_total", "Prompt tokens looked up in the prefix cache.", st.PrefixQueries)
	counter("tern_prefix_cache_hits_total", "Prompt tokens found in the prefix cache.", st.PrefixHits)
	counter("tern_preemptions_total", "Sequences preempted when KV blocks ran out.", st.Preemptions)
	histogram(w, "tern_time_to_first_token_seconds", "Time from arrival to the first token.", lbl, st.TTFT)
	histogram(w, "tern_time_per_output_token_seconds", "Time between consecutive tokens of a request.", lbl, st.TPOT)
}

func histogram(w io.Writer, name, help, lbl string, h engine.Histogram) {
	fmt.Fprintf(w, "# HELP %s %s\n# TYPE %s histogram\n", name, help, name)
	for i, b := range h.Bounds {
		fmt.Fprintf(w, "%s_bucket{%s,le=\"%s\"} %d\n", name, lbl, strconv.FormatFloat(b, 'g', -1, 64), h.Buckets[i])
	}
	fmt.Fprintf(w, "%s_bucket{%s,le=\"+Inf\"} %d\n%s_sum{%s} %s\n%s_count{%s} %d\n",
		name, lbl, h.Count, name, lbl, strconv.FormatFloat(h.Sum, 'g', -1, 64), name, lbl, h.Count)
}
