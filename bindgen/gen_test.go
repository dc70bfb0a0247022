package main

import (
	"path/filepath"
	"strings"
	"testing"
)

// TestGenerate binds tests/gopkgs/mathlib (the Python tests build and call
// the result): which functions are bound, which are skipped and why, and
// how a few of them cross.
func TestGenerate(t *testing.T) {
	t.Chdir(filepath.Join("..", "tests", "gopkgs", "mathlib"))
	t.Setenv("GOOS", "wasip1")
	t.Setenv("GOARCH", "wasm")
	t.Setenv("GOFLAGS", "-mod=mod")
	rep, src, err := generate("example.com/mathlib", "", nil, nil)
	if err != nil {
		t.Fatal(err)
	}
	if rep.Package != "mathlib" || rep.SamePackage {
		t.Errorf("package %q, same package %v", rep.Package, rep.SamePackage)
	}
	bound := strings.Join(rep.Functions, " ")
	for _, name := range []string{"Sum", "Upper", "Div", "DivMod", "Norm", "Stats", "Uint64", "Nothing", "Join"} {
		if !strings.Contains(" "+bound+" ", " "+name+" ") {
			t.Errorf("%s not bound (bound: %s)", name, bound)
		}
	}
	for name, want := range map[string]string{
		"Apply":        "functions cannot cross",
		"Drain":        "channels",
		"Max":          "generic",
		"Scaled":       "unexported type scale",
		"Celsius.Area": "method",
	} {
		if got := rep.Skipped[name]; !strings.Contains(got, want) {
			t.Errorf("skipped[%s] = %q, want it to say %q", name, got, want)
		}
	}
	code := string(src)
	for _, want := range []string{
		// Go int travels as an i64; a uint8 as a uint32 (Python checks its range).
		"func _gowasm_Sum(p0 int64, p1 int64) int64 {",
		"func _gowasm_Uint8(p0 uint32) int64 {",
		// A trailing error makes a framed result.
		"return _gowasmguest.ReturnError(err)",
		// JSON parameters decode into the declared type, or say why not.
		`return _gowasmguest.ReturnArgError("p", err)`,
		`_gowasmguest.GoFunc("func Sum(x, y int) int", "Sum adds two ints.\n"`,
		// Each argument of a ...string is a str.
		`_gowasmguest.Annotations([]string{"str"}, []string{"str"})`,
	} {
		if !strings.Contains(code, want) {
			t.Errorf("generated code lacks %q", want)
		}
	}
}

func TestJSONOmitted(t *testing.T) {
	for tag, want := range map[string]bool{
		`json:"name,omitempty"`:       false,
		`xml:"a" json:"-"`:            true,
		`json:"-,"`:                   false, // the field is called "-"
		`yaml:"x"`:                    false,
		`json:",omitempty" other:"x"`: false,
	} {
		if got := jsonOmitted(tag); got != want {
			t.Errorf("jsonOmitted(%s) = %v, want %v", tag, got, want)
		}
	}
}
