package engine

import (
	"errors"
	"testing"

	"github.com/gowasm/gowasm/gohost/internal/errs"
)

func TestClassifyNames(t *testing.T) {
	imp := func(module, name string) []ImportName { return []ImportName{{module, name}} }
	for _, c := range []struct {
		names FuncNames
		want  Kind
	}{
		{FuncNames{Exports: []string{"_start"}}, KindCommand},
		{FuncNames{Exports: []string{"_start", "_initialize"}}, KindReactor},
		{FuncNames{Exports: []string{"_initialize"}}, KindReactor},
		{FuncNames{Exports: []string{"_start", "resume"}}, KindTinyGoJS},
		{FuncNames{Exports: []string{"go_scheduler", "_start"}}, KindTinyGoJS},
		{FuncNames{Imports: imp("gojs", "runtime.wasmExit"), Exports: []string{"_start"}}, KindGoJS},
		{FuncNames{Imports: imp("go", "syscall/js.valueGet")}, KindGoJS},
		{FuncNames{Imports: imp("go", "runtime.ticks"), Exports: []string{"_initialize"}}, KindGoJS},
		{FuncNames{Imports: imp("go", "debug")}, KindLibrary},
		{FuncNames{Imports: imp("env", "runtime.ticks"), Exports: []string{"resume"}}, KindLibrary},
		{FuncNames{}, KindLibrary},
	} {
		if got := c.names.Classify(); got != c.want {
			t.Errorf("%+v: %s, want %s", c.names, got, c.want)
		}
	}
}

func TestClassifyJSON(t *testing.T) {
	kind, err := ClassifyJSON([]byte(`{"imports": [{"module": "gojs", "name": "x", "params": ["i32"]}], "exports": ["_start"]}`))
	if kind != KindGoJS || err != nil {
		t.Fatalf("got %q, %v", kind, err)
	}
	if kind, err := ClassifyJSON([]byte(`{}`)); kind != KindLibrary || err != nil {
		t.Fatalf("{}: got %q, %v", kind, err)
	}
	var e *errs.Error
	if _, err := ClassifyJSON([]byte(`{"exports": "_start"}`)); !errors.As(err, &e) || e.Code != errs.ErrUsage {
		t.Fatalf("want a usage error, got %v", err)
	}
}
