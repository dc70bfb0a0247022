package compile

import (
	"sync"

	"github.com/tetratelabs/wazero"
)

// Compilation caches live for the whole process and are shared by every
// runtime: wazero keeps compiled code per cache, so a module loaded twice is
// compiled once, and a cache directory makes that true across processes too
// (a load from disk is a small fraction of a cold one: README, "Performance").
var Caches struct {
	sync.Mutex
	memory wazero.CompilationCache
	Dirs   map[string]wazero.CompilationCache
}

func compilationCache(dir string) (wazero.CompilationCache, error) {
	Caches.Lock()
	defer Caches.Unlock()
	if dir == "" {
		if Caches.memory == nil {
			Caches.memory = wazero.NewCompilationCache()
		}
		return Caches.memory, nil
	}
	if c, ok := Caches.Dirs[dir]; ok {
		return c, nil
	}
	c, err := wazero.NewCompilationCacheWithDir(dir)
	if err != nil {
		return nil, err
	}
	if Caches.Dirs == nil {
		Caches.Dirs = map[string]wazero.CompilationCache{}
	}
	Caches.Dirs[dir] = c
	return c, nil
}
