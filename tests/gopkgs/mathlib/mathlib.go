// Package mathlib is ordinary Go code, no //go:wasmexport anywhere: the
// tests load it with gowasm.Module.from_go. It has a function of every kind
// gowasm binds, and some it does not.
package mathlib

import (
	"errors"
	"fmt"
	"strings"
	"time"

	"example.com/mathlib/geom"
)

// Sum adds two ints.
func Sum(x, y int) int { return x + y }

// Upper upper-cases s.
func Upper(s string) string { return strings.ToUpper(s) }

// Div divides a by b.
func Div(a, b int) (int, error) {
	if b == 0 {
		return 0, errors.New("division by zero")
	}
	return a / b, nil
}

// DivMod returns the quotient and the remainder.
func DivMod(a, b int64) (q, r int64) { return a / b, a % b }

// Norm takes a struct of another package of the module, through JSON.
func Norm(p geom.Point) float64 { return geom.Norm(p) }

// Mid returns the midpoint: a struct result.
func Mid(a, b geom.Point) geom.Point {
	return geom.Point{X: (a.X + b.X) / 2, Y: (a.Y + b.Y) / 2, Label: "mid"}
}

// Count counts words: maps and slices.
func Count(words []string) map[string]int {
	out := map[string]int{}
	for _, w := range words {
		out[w]++
	}
	return out
}

// Find returns nil when nothing is found: a pointer result.
func Find(points []geom.Point, label string) *geom.Point {
	for i := range points {
		if points[i].Label == label {
			return &points[i]
		}
	}
	return nil
}

// Reverse reverses bytes.
func Reverse(b []byte) []byte {
	out := make([]byte, len(b))
	for i, c := range b {
		out[len(b)-1-i] = c
	}
	return out
}

// Int8 echoes an int8; Uint8 a uint8 (byte); Uint32 and Uint64 theirs.
func Int8(v int8) int8       { return v }
func Uint8(v byte) byte      { return v }
func Uint32(v uint32) uint32 { return v }
func Uint64(v uint64) uint64 { return v }

// Half works in float32.
func Half(v float32) float32 { return v / 2 }

// Not negates a bool.
func Not(b bool) bool { return !b }

// Celsius is a named type with a basic underlying type.
type Celsius float64

// Fahrenheit converts.
func Fahrenheit(c Celsius) float64 { return float64(c)*9/5 + 32 }

// Seconds takes a type from the standard library.
func Seconds(d time.Duration) float64 { return d.Seconds() }

// Validate returns only an error.
func Validate(name string) error {
	if name == "" {
		return fmt.Errorf("name: %w", ErrEmpty)
	}
	return nil
}

// ErrEmpty is wrapped by Validate.
var ErrEmpty = errors.New("empty")

// Stats returns several values, one of them an error.
func Stats(xs []float64) (min, max float64, n int, err error) {
	if len(xs) == 0 {
		return 0, 0, 0, errors.New("no values")
	}
	min, max = xs[0], xs[0]
	for _, x := range xs {
		min, max = minf(min, x), maxf(max, x)
	}
	return min, max, len(xs), nil
}

func minf(a, b float64) float64 {
	if a < b {
		return a
	}
	return b
}

func maxf(a, b float64) float64 {
	if a > b {
		return a
	}
	return b
}

// Explode panics: the exception must carry the panic's message.
func Explode(msg string) int { panic("exploded: " + msg) }

// Latin1 returns bytes that are not UTF-8 as a string.
func Latin1() string { return "caf\xe9" }

// Span has parameters named as Python keywords: Python calls them from_
// and lambda_.
func Span(from, to int, lambda float64) float64 { return float64(to-from) * lambda }

// Nothing returns nothing.
func Nothing() {}

// Join is variadic: Python passes separate arguments.
func Join(parts ...string) string { return strings.Join(parts, "") }

// Scale is variadic after a first parameter.
func Scale(by float64, xs ...float64) []float64 {
	for i := range xs {
		xs[i] *= by
	}
	return xs
}

// Unsupported functions: each is skipped with a reason.

// Apply takes a function.
func Apply(f func(int) int, x int) int { return f(x) }

// Drain takes a channel.
func Drain(c chan int) {}


// Max is generic.
func Max[T int | float64](a, b T) T {
	if a > b {
		return a
	}
	return b
}

// Scaled takes an unexported type.
func Scaled(s scale) float64 { return float64(s) }

type scale float64

// Stringer returns an interface with methods: skipped (its JSON would be
// its dynamic value's exported fields, usually none).
func Stringer() fmt.Stringer { return time.Second }

// Anything returns any: bound, its dynamic value as JSON.
func Anything(n int) any { return map[string]int{"n": n} }

// Area is a method: not bound.
func (c Celsius) Area() float64 { return 0 }
