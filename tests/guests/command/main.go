// Command command is a plain Go WASI program: it exports only _start.
package main

import "fmt"

func main() { fmt.Println("hello from a Go command") }
