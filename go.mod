module github.com/tern-llm/tern

go 1.26
