package main

import (
	"os"
	"testing"
)

// TestGeneratedFilesAreCurrent fails when calls_gen.go or gowasm.h were
// edited by hand or the generator changed without `go generate ./gohost`.
func TestGeneratedFilesAreCurrent(t *testing.T) {
	src, err := goSource()
	if err != nil {
		t.Fatal(err)
	}
	if got, _ := os.ReadFile("../../calls_gen.go"); string(got) != string(src) {
		t.Error("gohost/calls_gen.go is stale: run go generate ./gohost")
	}
	header, err := os.ReadFile("../../gowasm.h")
	if err != nil {
		t.Fatal(err)
	}
	want, err := replaceSection(string(header), headerSection())
	if err != nil {
		t.Fatal(err)
	}
	if string(header) != want {
		t.Error("gohost/gowasm.h is stale: run go generate ./gohost")
	}
}
