package gowasm

import (
	"encoding/binary"
	"errors"
	"math"
	"strings"
	"testing"
)

func TestFrame(t *testing.T) {
	var f Frame
	f.Int(-2)
	f.Uint(math.MaxUint64)
	f.Float(0.5)
	f.Bool(true)
	f.String("hé")
	f.Bytes([]byte{0, 1})
	if err := f.JSON(map[string]int{"a": 1}); err != nil {
		t.Fatal(err)
	}
	got := ReadBytes(Unpack(f.Return()))
	le := binary.LittleEndian
	want := []byte{FrameOK, TagInt}
	want = le.AppendUint64(want, uint64(1<<64-2))
	want = append(want, TagUint)
	want = le.AppendUint64(want, math.MaxUint64)
	want = append(want, TagFloat)
	want = le.AppendUint64(want, math.Float64bits(0.5))
	want = append(want, TagBool, 1, TagStr)
	want = append(le.AppendUint32(want, 3), "hé"...)
	want = append(want, TagBytes)
	want = append(le.AppendUint32(want, 2), 0, 1)
	want = append(want, TagJSON)
	want = append(le.AppendUint32(want, 7), `{"a":1}`...)
	if string(got) != string(want) {
		t.Errorf("frame\n got %q\nwant %q", got, want)
	}

	var empty Frame
	if got := ReadBytes(Unpack(empty.Return())); string(got) != string([]byte{FrameOK}) {
		t.Errorf("a frame of no results is %q, want just the status", got)
	}
	if err := new(Frame).JSON(make(chan int)); err == nil {
		t.Error("JSON of a channel did not fail")
	}
}

func TestReturnError(t *testing.T) {
	got := ReadBytes(Unpack(ReturnError(errors.New("no"))))
	typ := "*errors.errorString"
	if got[0] != FrameError || binary.LittleEndian.Uint32(got[1:]) != uint32(len(typ)) ||
		string(got[5:5+len(typ)]) != typ || string(got[5+len(typ):]) != "no" {
		t.Errorf("error frame %q", got)
	}
	got = ReadBytes(Unpack(ReturnArgError("p", errors.New("bad"))))
	if got[0] != FrameArgError || string(got[1:]) != "argument p: bad" {
		t.Errorf("argument error frame %q", got)
	}
}

func TestDescriptionOfBindings(t *testing.T) {
	var r registry
	r.add("DivMod", Params(Int, Int), Results(Int, Int), Names("a", "b"), Framed(),
		GoFunc("func DivMod(a, b int) (int, int)", "DivMod divides.\n", []string{"int", "int"}, []string{"int", "int"}))
	r.skip("Apply", "functions cannot cross")
	want := `{"version":1,"functions":{"DivMod":{"params":["int","int"],"results":["int","int"],"names":["a","b"],` +
		`"frame":true,"go":{"declaration":"func DivMod(a, b int) (int, int)","doc":"DivMod divides.\u000a",` +
		`"params":["int","int"],"results":["int","int"]}}},"skipped":{"Apply":"functions cannot cross"}}`
	if got := string(r.json()); got != want {
		t.Errorf("got  %s\nwant %s", got, want)
	}
	defer func() {
		if e := recover(); e == nil || !strings.Contains(e.(string), "Framed") {
			t.Errorf("two results without Framed: panic %v", e)
		}
	}()
	r.add("two", nil, Results(Int, Int))
}

type ptrErr struct{ msg string }

func (e *ptrErr) Error() string { return e.msg }

func TestErrorTextOfANilPointer(t *testing.T) {
	var p *ptrErr
	if got := errorText(p); got != "<nil>" {
		t.Errorf("errorText(nil *ptrErr) = %q, want <nil>", got)
	}
	if got := errorText(&ptrErr{"x"}); got != "x" {
		t.Errorf("errorText = %q, want x", got)
	}
}
