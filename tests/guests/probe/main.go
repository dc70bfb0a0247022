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
		case "rawopen": // rawopen PATH OFLAGS RIGHTS FDFLAGS DIRFLAGS: path_open on the first mount, then read
			p := arg()
			oflags, rights, fdflags, dirflags := atoi(arg()), atoi(arg()), atoi(arg()), atoi(arg())
			fd, errno := rawOpenAt(preopenFd, p, int32(dirflags), int32(oflags), int64(rights), int32(fdflags))
			if errno != 0 {
				fmt.Printf("rawopen %s: ERR errno %d\n", p, errno)
				break
			}
			data, _ := rawRead(fd)
			fdClose(fd)
			fmt.Printf("rawopen %s: ok %q\n", p, data)
		case "rawstat", "rawopenat", "rawtimes", "rawdots": // OP DIR PATH FOLLOW: relative to DIR ("-": the first mount)
			dir, p, follow := arg(), arg(), arg() == "1"
			what := op + " " + dir + " " + p
			base := int32(preopenFd)
			if dir != "-" {
				fd, errno := rawOpenAt(preopenFd, dir, 0, oflagDirectory, 0, 0)
				if errno != 0 {
					fmt.Printf("%s: ERR opening the directory: errno %d\n", what, errno)
					break
				}
				base = fd
			}
			dirFd := base
			dirflags := int32(0)
			if follow {
				dirflags = lookupSymlinkFollow
			}
			switch op {
			case "rawstat":
				if ino, typ, errno := rawStat(base, p, follow); errno != 0 {
					fmt.Printf("%s: ERR errno %d\n", what, errno)
				} else {
					fmt.Printf("%s: ino=%d type=%d\n", what, ino, typ)
				}
			case "rawopenat":
				fd, errno := rawOpenAt(base, p, dirflags, 0, 2, 0)
				if errno != 0 {
					fmt.Printf("%s: ERR errno %d\n", what, errno)
					break
				}
				data, _ := rawRead(fd)
				names, _ := rawDirents(fd)
				fdClose(fd)
				fmt.Printf("%s: ok %q %s\n", what, data, strings.Join(names, ","))
			case "rawtimes":
				if errno := rawTimes(base, p, follow); errno != 0 {
					fmt.Printf("%s: ERR errno %d\n", what, errno)
				} else {
					fmt.Printf("%s: ok\n", what)
				}
			case "rawdots":
				fd, errno := rawOpenAt(base, p, dirflags, oflagDirectory, 0, 0)
				if errno != 0 {
					fmt.Printf("%s: ERR errno %d\n", what, errno)
					break
				}
				names, errno := rawDirents(fd)
				fdClose(fd)
				fmt.Printf("%s: %s (errno %d)\n", what, strings.Join(names, ","), errno)
			}
			if dirFd != preopenFd {
				fdClose(dirFd)
			}
		case "rawlink": // rawlink OLD NEW FOLLOW: path_link in the first mount
			old, nw, follow := arg(), arg(), arg() == "1"
			fmt.Printf("rawlink %s %s: errno %d\n", old, nw, rawLink(old, nw, follow))
		case "rawrenumber": // rawrenumber DIR: fd_renumber a directory onto the preopen, then reach up from there
			dir := arg()
			fd, errno := rawOpenAt(preopenFd, dir, 0, oflagDirectory, 0, 0)
			if errno != 0 {
				fmt.Printf("rawrenumber %s: ERR errno %d\n", dir, errno)
				break
			}
			onto := fdRenumber(fd, preopenFd)
			again, away := fdRenumber(preopenFd, fd), fdRenumber(preopenFd, 100) // neither is open now
			ino, _, serr := rawStat(preopenFd, ".", false)
			_, _, uerr := rawStat(preopenFd, "..", false)
			names, lerr := rawDirents(preopenFd)
			fmt.Printf("rawrenumber %s: onto=%d again=%d away=%d ino=%d(%d) up=%d list=%d(%d)\n", dir, onto, again, away, ino, serr, uerr, len(names), lerr)
		case "holddir": // holddir DIR READY GO PATH: hold DIR open, make READY, wait for GO, then open PATH under DIR and list DIR
			dir, ready, goFile, p := arg(), arg(), arg(), arg()
			fd, errno := rawOpenAt(preopenFd, dir, 0, oflagDirectory, 0, 0)
			if errno != 0 {
				fmt.Printf("holddir %s: ERR errno %d\n", dir, errno)
				break
			}
			os.WriteFile(ready, nil, 0o644)
			for i := 0; i < 500; i++ {
				if _, err := os.Stat(goFile); err == nil {
					break
				}
				time.Sleep(10 * time.Millisecond)
			}
			got := "opened"
			if f, errno := rawOpenAt(fd, p, 0, 0, 2, 0); errno != 0 {
				got = fmt.Sprintf("ERR errno %d", errno)
			} else {
				data, _ := rawRead(f)
				got = fmt.Sprintf("opened %q", data)
				fdClose(f)
			}
			names, _ := rawDirents(fd)
			fdClose(fd)
			fmt.Printf("holddir %s %s: %s; lists %s\n", dir, p, got, strings.Join(names, ","))
		case "flip": // flip LINK T1 T2 N: point LINK at T1, then T2, ... N times, each an atomic replacement
			link, t1, t2, n := arg(), arg(), arg(), atoi(arg())
			var err error
			for i := 0; i < n && err == nil; i++ {
				target := t1
				if i%2 == 1 {
					target = t2
				}
				os.Remove(link + ".tmp")
				if err = os.Symlink(target, link+".tmp"); err == nil {
					err = os.Rename(link+".tmp", link)
				}
			}
			report("flip "+link, "done", err)
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
		case "alloc": // alloc N: allocate (and keep) N MiB
			n := atoi(arg())
			var keep [][]byte
			for i := 0; i < n; i++ {
				keep = append(keep, make([]byte, 1<<20))
				keep[i][0] = 1
			}
			report("alloc", strconv.Itoa(len(keep)), nil)
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
