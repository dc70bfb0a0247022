module example.com/mathlib

go 1.24
