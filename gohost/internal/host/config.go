package host

import (
	"encoding/json"
	"fmt"
)

// Config is how a caller configures a module. It crosses the C ABI as JSON so
// that options can be added (WASI args, env, mounts, limits, timeouts) without
// changing any function's signature.
type Config struct {
	// Name names the module in messages (e.g. the file it came from).
	Name string `json:"name"`
	// Cache selects the compilation cache: "" for the process-wide in-memory
	// cache only, or a directory for a persistent cache shared by processes.
	CacheDir string `json:"cache_dir"`
	// StrictImports makes a missing import fail at load instead of being
	// satisfied by a stub that fails when called.
	StrictImports bool `json:"strict_imports"`
	// Stdout and Stderr are output stream ids handed back to the output
	// callback; 0 discards the output.
	Stdout uint64 `json:"stdout"`
	Stderr uint64 `json:"stderr"`
}

// ParseConfig decodes the JSON configuration; empty input means defaults.
func ParseConfig(data []byte) (Config, error) {
	var c Config
	if len(data) == 0 {
		return c, nil
	}
	if err := json.Unmarshal(data, &c); err != nil {
		return c, errorf(ErrUsage, "gowasm: bad module configuration: %v", err)
	}
	return c, nil
}

func (c Config) displayName() string {
	if c.Name == "" {
		return "<module>"
	}
	return fmt.Sprintf("%q", c.Name)
}
