package engine

import (
	"context"
	"math"

	"github.com/gowasm/gowasm/gohost/internal/wasmbin"
	"github.com/tetratelabs/wazero/api"
)

// Tables count against memory_limit. wazero allocates a table's entries on
// the Go heap (8 bytes each) and grows it for any table.grow below 2^32
// entries and its declared maximum: table.grow(ref.null, 0x7FFFFFFF) in a
// 49-byte module was a 16 GiB allocation, Go's fatal "out of memory". So a
// module's tables together hold at most maxTableEntries (Config): at load,
// wasmbin.CheckLimits refuses initial sizes over it; while it runs, every
// table.grow first calls the host's table_grow (wasmbin/instrument.go rewrites
// them), which answers a delta that makes the grow fail (-1 in the guest)
// past it. wazero offers no hook in its grow and no API for tables; the
// rewrite is the one place gowasm already changes code (RATIONALE.md,
// "Hostile modules").

// tableBudget is a module's tables' entries against its limit.
type tableBudget struct {
	// checked says the guest's table.grow calls table_grow.
	checked bool
	limit   uint64
	tables  []wasmbin.TableInfo
	sizes   []uint64 // each table's size as last known
	total   uint64
}

func newTableBudget(tables []wasmbin.TableInfo, limit uint64) tableBudget {
	b := tableBudget{limit: limit, tables: tables, sizes: make([]uint64, len(tables))}
	for i, t := range tables {
		b.sizes[i] = uint64(t.Min)
		b.total += uint64(t.Min)
	}
	return b
}

// failGrow is a delta with which wazero's table.grow fails, growing
// nothing: any size plus it reaches 2^32-1.
const failGrow = math.MaxUint32

// grow is table_grow: table.grow of delta entries of table (now of size
// entries) is about to run; it returns the delta to grow by, delta itself
// or failGrow.
func (b *tableBudget) grow(delta, size, table uint32) uint32 {
	if int(table) >= len(b.sizes) {
		return failGrow
	}
	b.total = b.total - b.sizes[table] + uint64(size) // the size it has
	b.sizes[table] = uint64(size)
	newSize := uint64(size) + uint64(delta)
	if t := b.tables[table]; delta == 0 || newSize >= math.MaxUint32 || (t.HasMax && newSize > uint64(t.Max)) {
		return delta // grows nothing, or wazero refuses it
	}
	if b.total+uint64(delta) > b.limit {
		return failGrow
	}
	b.sizes[table] = newSize
	b.total += uint64(delta)
	return delta
}

// tableGrowFunc is the table_grow import.
func (m *Module) tableGrowFunc() api.GoModuleFunc {
	return func(_ context.Context, _ api.Module, stack []uint64) {
		stack[0] = uint64(m.tables.grow(uint32(stack[0]), uint32(stack[1]), uint32(stack[2])))
	}
}
