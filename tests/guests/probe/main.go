// Command probe is a Go WASI command for gowasm's run tests: each argument
// pair is an operation on the guest's world (files, env, stdio, clocks),
// and each prints one line saying what happened.
package main

import (
	"bufio"
	"fmt"
	"io"
	"os"
	"strconv"
	"strings"
	"time"
)

func main() {
	args := os.Args[1:]
	for len(args) > 0 {
		op := args[0]
		args = args[1:]
		arg := func() string {
			a := args[0]
			args = args[1:]
			return a
		}
		switch op {
		case "read": // read PATH
			p := arg()
			b, err := os.ReadFile(p)
			report("read "+p, string(b), err)
		case "write": // write PATH DATA
			p, data := arg(), arg()
			report("write "+p, "ok", os.WriteFile(p, []byte(data), 0o644))
		case "ls": // ls DIR
			p := arg()
			entries, err := os.ReadDir(p)
			var names []string
			for _, e := range entries {
				names = append(names, e.Name())
			}
			report("ls "+p, strings.Join(names, ","), err)
		case "symlink": // symlink TARGET LINK
			target, link := arg(), arg()
			report("symlink "+link, "ok", os.Symlink(target, link))
		case "rawls": // rawls PATH: path_open on the first preopen without following symlinks, fd_readdir, fd_filestat_set_times
			p := arg()
			names, errno := rawList(p)
			if errno != 0 {
				fmt.Printf("rawls %s: ERR errno %d\n", p, errno)
			} else {
				fmt.Printf("rawls %s: %s\n", p, strings.Join(names, ","))
			}
		case "swap": // swap LINK TARGET1 TARGET2 N: point LINK at each target in turn, N times, atomically (symlink + rename)
			link, targets, n := arg(), [2]string{arg(), arg()}, atoi(arg())
			var err error
			for i := 0; i < n && err == nil; i++ {
				os.Remove(link + ".tmp")
				if err = os.Symlink(targets[i%2], link+".tmp"); err == nil {
					err = os.Rename(link+".tmp", link)
				}
			}
			report("swap "+link, "done", err)
		case "readloop": // readloop PATH N: read PATH N times, count each content
			p, n := arg(), atoi(arg())
			counts := map[string]int{}
			for i := 0; i < n; i++ {
				if b, err := os.ReadFile(p); err == nil {
					counts[string(b)]++
				} else {
					counts["ERR"]++
				}
			}
			fmt.Printf("readloop %s: secret=%d inside=%d\n", p, counts["secret"], counts["inside"])
		case "env":
			fmt.Println("env " + strings.Join(os.Environ(), ","))
		case "args":
			fmt.Println("args " + strings.Join(os.Args, ","))
		case "now":
			fmt.Println("now", time.Now().Unix())
		case "cat-stdin":
			n, err := io.Copy(os.Stdout, os.Stdin)
			report("cat-stdin", strconv.FormatInt(n, 10), err)
		case "lines": // lines N: N numbered lines on stdout
			n, _ := strconv.Atoi(arg())
			w := bufio.NewWriterSize(os.Stdout, 512)
			for i := 0; i < n; i++ {
				fmt.Fprintf(w, "line %d\n", i)
			}
			report("lines", "flushed", w.Flush())
		case "stderr": // stderr TEXT
			fmt.Fprintln(os.Stderr, arg())
		case "exit": // exit CODE
			code, _ := strconv.Atoi(arg())
			os.Exit(code)
		case "panic":
			panic("probe panicked")
		default:
			fmt.Fprintln(os.Stderr, "unknown op", op)
			os.Exit(100)
		}
	}
}

func atoi(s string) int {
	n, _ := strconv.Atoi(s)
	return n
}

func report(what, ok string, err error) {
	if err != nil {
		fmt.Printf("%s: ERR %v\n", what, err)
		return
	}
	fmt.Printf("%s: %s\n", what, ok)
}
