package sdktest

import (
	"context"
	"errors"
	"strings"
	"testing"

	"github.com/openai/openai-go/v3"
	"github.com/openai/openai-go/v3/option"
	"github.com/tern-llm/tern/engine"
	"github.com/tern-llm/tern/internal/servetest"
)

func client(t *testing.T) openai.Client {
	srv, _ := servetest.Start(t, engine.Config{}, "test-key")
	return openai.NewClient(option.WithBaseURL(srv.URL+"/v1/"), option.WithAPIKey("test-key"), option.WithMaxRetries(0))
}

func TestChat(t *testing.T) {
	c := client(t)
	resp, err := c.Chat.Completions.New(context.Background(), openai.ChatCompletionNewParams{
		Model:     servetest.Model,
		Messages:  []openai.ChatCompletionMessageParamUnion{openai.SystemMessage("Tell a story."), openai.UserMessage("Once upon a time")},
		MaxTokens: openai.Int(16),
		Seed:      openai.Int(3),
		Logprobs:  openai.Bool(true), TopLogprobs: openai.Int(3),
	})
	if err != nil {
		t.Fatal(err)
	}
	if len(resp.Choices) != 1 || resp.Choices[0].Message.Content == "" || resp.Choices[0].FinishReason != "length" {
		t.Fatalf("response %+v", resp)
	}
	if resp.Usage.CompletionTokens != 16 || resp.Usage.TotalTokens != resp.Usage.PromptTokens+16 {
		t.Errorf("usage %+v", resp.Usage)
	}
	if lp := resp.Choices[0].Logprobs.Content; len(lp) != 16 || len(lp[0].TopLogprobs) != 3 {
		t.Errorf("logprobs %+v", resp.Choices[0].Logprobs)
	}
}

func TestChatStream(t *testing.T) {
	c := client(t)
	stream := c.Chat.Completions.NewStreaming(context.Background(), openai.ChatCompletionNewParams{
		Model:         servetest.Model,
		Messages:      []openai.ChatCompletionMessageParamUnion{openai.UserMessage("Once upon a time")},
		MaxTokens:     openai.Int(20),
		Temperature:   openai.Float(0),
		StreamOptions: openai.ChatCompletionStreamOptionsParam{IncludeUsage: openai.Bool(true)},
	})
	var acc openai.ChatCompletionAccumulator
	var text strings.Builder
	for stream.Next() {
		ch := stream.Current()
		acc.AddChunk(ch)
		if len(ch.Choices) > 0 {
			text.WriteString(ch.Choices[0].Delta.Content)
		}
	}
	if err := stream.Err(); err != nil {
		t.Fatal(err)
	}
	if text.String() == "" || acc.Choices[0].Message.Content != text.String() {
		t.Errorf("streamed %q, accumulated %q", text.String(), acc.Choices[0].Message.Content)
	}
	if acc.Usage.CompletionTokens != 20 {
		t.Errorf("usage %+v", acc.Usage)
	}
}

func TestCompletion(t *testing.T) {
	c := client(t)
	resp, err := c.Completions.New(context.Background(), openai.CompletionNewParams{
		Model:       servetest.Model,
		Prompt:      openai.CompletionNewParamsPromptUnion{OfString: openai.String("Once upon a time")},
		MaxTokens:   openai.Int(64),
		Temperature: openai.Float(0),
		Stop:        openai.CompletionNewParamsStopUnion{OfString: openai.String(" park")},
	})
	if err != nil {
		t.Fatal(err)
	}
	// llama.cpp's greedy text: ", there was a little girl named Lily. She loved to play outside in the park. …"
	want := ", there was a little girl named Lily. She loved to play outside in the"
	if resp.Choices[0].Text != want || resp.Choices[0].FinishReason != "stop" {
		t.Errorf("text %q finish %q, want %q stop", resp.Choices[0].Text, resp.Choices[0].FinishReason, want)
	}
}

func TestModelsAndErrors(t *testing.T) {
	c := client(t)
	page, err := c.Models.List(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	if len(page.Data) != 1 || page.Data[0].ID != servetest.Model {
		t.Errorf("models %+v", page.Data)
	}
	_, err = c.Chat.Completions.New(context.Background(), openai.ChatCompletionNewParams{
		Model:    "no-such-model",
		Messages: []openai.ChatCompletionMessageParamUnion{openai.UserMessage("hi")},
	})
	var apiErr *openai.Error
	if !errors.As(err, &apiErr) || apiErr.StatusCode != 400 || apiErr.Code != "model_not_found" {
		t.Errorf("unknown model: %v", err)
	}
}
