package engine

import (
	"errors"
	"math"
	"strings"
	"testing"
	"time"

	"github.com/gowasm/gowasm/gohost/internal/errs"
)

// A NUL byte in argv or the environment is a usage error at configuration
// time, not a trap of the guest's start function.
func TestConfigRefusesNULBytes(t *testing.T) {
	for _, tc := range []struct{ json, want string }{
		{`{"args": ["prog", "a\u0000b"]}`, `argv[1] "a\x00b" contains a NUL byte`},
		{`{"env": ["K=v\u0000"]}`, `environment entry "K=v\x00" contains a NUL byte`},
	} {
		_, err := ParseConfig([]byte(tc.json))
		var e *errs.Error
		if !errors.As(err, &e) || e.Code != errs.ErrUsage || !strings.Contains(e.Msg, tc.want) {
			t.Errorf("%s: want ErrUsage containing %q, got %v", tc.json, tc.want, err)
		}
	}
	if _, err := ParseConfig([]byte(`{"args": ["prog", "a b"], "env": ["K=v"]}`)); err != nil {
		t.Errorf("a valid configuration was refused: %v", err)
	}
}

func TestParseConfigRefusesUnknownFields(t *testing.T) {
	for _, data := range []string{`{"timeoutt": 5}`, `{"name": "x"} {}`} {
		if _, err := ParseConfig([]byte(data)); err == nil {
			t.Errorf("ParseConfig(%s) accepted it", data)
		} else if e := AsError(err); e.Code != errs.ErrUsage {
			t.Errorf("ParseConfig(%s): %v, want a usage error", data, err)
		}
	}
	if _, err := ParseConfig([]byte(`{"name": "x", "timeout": 2}`)); err != nil {
		t.Error(err)
	}
}

// A positive timeout under a nanosecond is the shortest timeout, not none
// (0 ns), which would lift the call's deadline; 0 and -0 stay none.
func TestSecondsNeverRoundsATimeoutToNone(t *testing.T) {
	for _, tc := range []struct {
		s    float64
		want time.Duration
	}{
		{0, 0}, {math.Copysign(0, -1), 0}, {5e-324, 1}, {1e-10, 1}, {1e-9, 1}, {1.5, 1500 * time.Millisecond},
		{MaxTimeout, MaxTimeout * time.Second},
	} {
		if got := seconds(tc.s); got != tc.want {
			t.Errorf("seconds(%v) = %v, want %v", tc.s, got, tc.want)
		}
	}
	if d := (Config{Timeout: 1e-10}).timeout(); d != 1 {
		t.Errorf("a config's timeout of 1e-10 s is %v, want 1ns", d)
	}
}
