// Package geom is a package of the mathlib module that mathlib imports and
// that from_go can bind by itself.
package geom

import "math"

// Point is a point in the plane.
type Point struct {
	X, Y float64
	// Label is optional.
	Label string `json:"label,omitempty"`
}

// Norm is the distance of p from the origin.
func Norm(p Point) float64 { return math.Hypot(p.X, p.Y) }
