package engine

import (
	"errors"
	"strings"
	"testing"

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
