// Package wordfreq is ordinary Go code, with no //go:wasmexport and no
// build command: examples/from_go.py calls it from Python through
// gowasm.Module.from_go.
package wordfreq

import (
	"errors"
	"sort"
	"strings"
	"unicode"
)

// Count is how often a word occurs.
type Count struct {
	Word string `json:"word"`
	N    int    `json:"n"`
}

// Words splits text into lower-case words.
func Words(text string) []string {
	return strings.FieldsFunc(strings.ToLower(text), func(r rune) bool {
		return !unicode.IsLetter(r) && r != '\''
	})
}

// Top returns the n most frequent words of text, most frequent first.
func Top(text string, n int) ([]Count, error) {
	if n <= 0 {
		return nil, errors.New("n must be positive")
	}
	counts := map[string]int{}
	for _, w := range Words(text) {
		counts[w]++
	}
	out := make([]Count, 0, len(counts))
	for w, c := range counts {
		out = append(out, Count{w, c})
	}
	sort.Slice(out, func(i, j int) bool {
		if out[i].N != out[j].N {
			return out[i].N > out[j].N
		}
		return out[i].Word < out[j].Word
	})
	if len(out) > n {
		out = out[:n]
	}
	return out, nil
}
