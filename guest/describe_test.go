package gowasm

import (
	"encoding/json"
	"reflect"
	"strings"
	"testing"
)

func TestDescriptionEmpty(t *testing.T) {
	var r registry
	if got, want := string(r.json()), `{"version":1,"functions":{}}`; got != want {
		t.Errorf("got %s, want %s", got, want)
	}
}

func TestNamesMustMatchParams(t *testing.T) {
	defer func() {
		if recover() == nil {
			t.Fatal("Export with 2 names for 1 parameter did not panic")
		}
	}()
	var r registry
	r.add("f", Params(Int), nil, Names("a", "b"))
}

func TestDescription(t *testing.T) {
	var r registry
	// Out of order on purpose: the JSON is sorted by name.
	r.add("stats", Params(JSON), Results(JSON))
	r.add("greet", Params(String), Results(String), Names("name"))
	r.add("add", Params(Int, Int), Results(Int))
	r.add("reverse", Params(Bytes), Results(Bytes))
	r.add("ping", nil, nil)
	r.add("scale", Params(Float, Bool), Results(Float))

	want := `{"version":1,"functions":{` +
		`"add":{"params":["int","int"],"results":["int"]},` +
		`"greet":{"params":["str"],"results":["str"],"names":["name"]},` +
		`"ping":{"params":[],"results":[]},` +
		`"reverse":{"params":["bytes"],"results":["bytes"]},` +
		`"scale":{"params":["float","bool"],"results":["float"]},` +
		`"stats":{"params":["json"],"results":["json"]}}}`
	got := r.json()
	if string(got) != want {
		t.Fatalf("got  %s\nwant %s", got, want)
	}

	// What the host will do with it.
	var d struct {
		Version   int
		Functions map[string]struct{ Params, Results []string }
	}
	if err := json.Unmarshal(got, &d); err != nil {
		t.Fatal(err)
	}
	if d.Version != DescriptionVersion || len(d.Functions) != 6 {
		t.Errorf("decoded %+v", d)
	}
	if f := d.Functions["scale"]; !reflect.DeepEqual(f.Params, []string{"float", "bool"}) ||
		!reflect.DeepEqual(f.Results, []string{"float"}) {
		t.Errorf("scale: %+v", f)
	}
}

func TestDescriptionEscapes(t *testing.T) {
	names := []string{`quo"te`, `back\slash`, "tab\tnew\nline\x00\x1f", "ünïcødé ☃", "</script>"}
	var r registry
	for _, n := range names {
		r.add(n, Params(String), nil)
	}
	got := r.json()
	var d struct{ Functions map[string]any }
	if err := json.Unmarshal(got, &d); err != nil {
		t.Fatalf("%v in %s", err, got)
	}
	for _, n := range names {
		if _, ok := d.Functions[n]; !ok {
			t.Errorf("%q missing from %s", n, got)
		}
	}
	if !strings.Contains(string(got), `"tab\u0009new\u000aline\u0000\u001f"`) {
		t.Errorf("control characters not escaped as \\u00XX: %s", got)
	}
}

func TestExportCopiesItsArguments(t *testing.T) {
	var r registry
	params := Params(Int, Int)
	r.add("add", params, Results(Int))
	params[0] = String
	if got := string(r.json()); !strings.Contains(got, `"params":["int","int"]`) {
		t.Errorf("the caller's slice changed the description: %s", got)
	}
}

func TestExportPanics(t *testing.T) {
	for _, c := range []struct {
		name            string
		params, results []Type
		want            string
	}{
		{"", nil, nil, "empty or not UTF-8"},
		{"bad\xff", nil, nil, "empty or not UTF-8"},
		{"f", Params("string"), nil, `unknown type "string"`},
		{"f", nil, Results("none"), `unknown type "none"`},
		{"f", nil, Results(Int, Int), "2 results"},
		{"dup", nil, nil, "called twice"},
	} {
		var r registry
		r.add("dup", nil, nil)
		func() {
			defer func() {
				msg, _ := recover().(string)
				if !strings.Contains(msg, c.want) {
					t.Errorf("add(%q, %v, %v) panicked with %q, want %q", c.name, c.params, c.results, msg, c.want)
				}
			}()
			r.add(c.name, c.params, c.results)
		}()
	}
}

func TestAnnotations(t *testing.T) {
	var r registry
	r.add("join", Params(String, JSON), Results(JSON), Variadic(),
		Annotations([]string{"str", "str"}, []string{"Optional[str]"}))
	want := `{"version":1,"functions":{"join":{"params":["str","json"],"results":["json"],"variadic":true,` +
		`"annotations":{"params":["str","str"],"results":["Optional[str]"]}}}}`
	if got := string(r.json()); got != want {
		t.Fatalf("got  %s\nwant %s", got, want)
	}
	defer func() {
		if recover() == nil {
			t.Fatal("Annotations with 1 of 2 parameters did not panic")
		}
	}()
	r.add("bad", Params(Int, Int), nil, Annotations([]string{"int"}, nil))
}
