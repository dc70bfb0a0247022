//go:build unix

package sandbox

import (
	"os"
	"path/filepath"
	"sort"
	"testing"
	"time"

	experimentalsys "github.com/tetratelabs/wazero/experimental/sys"
)

// TestMountParentDirectorySwapRace: the operations gowasm's WASI functions
// make through a parent directory (rename, link, unlink, rmdir, mkdir,
// symlink, times of a link, open without following) while another thread
// swaps that parent between a real directory and a symlink to one outside:
// nothing outside is created, removed, renamed or touched.
func TestMountParentDirectorySwapRace(t *testing.T) {
	fsys, mnt, outside := newSandbox(t)
	for _, n := range []string{"a", "b"} {
		if err := os.WriteFile(filepath.Join(outside, n), []byte("secret"), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	if err := os.Mkdir(filepath.Join(outside, "sd"), 0o755); err != nil {
		t.Fatal(err)
	}
	listing := func() []string {
		var names []string
		filepath.Walk(outside, func(p string, fi os.FileInfo, _ error) error {
			if fi != nil {
				names = append(names, p+" "+fi.ModTime().String()+" "+fi.Mode().String())
			}
			return nil
		})
		sort.Strings(names)
		return names
	}
	before := listing()
	d, tmp := filepath.Join(mnt, "d"), filepath.Join(mnt, "d_tmp")
	stop := swapping(func(i int) {
		os.RemoveAll(tmp)
		if i%2 == 0 {
			os.Symlink(outside, tmp)
		} else {
			os.Mkdir(tmp, 0o755)
			os.WriteFile(filepath.Join(tmp, "a"), nil, 0o644)
			os.Mkdir(filepath.Join(tmp, "sd"), 0o755)
		}
		os.RemoveAll(d)
		os.Rename(tmp, d)
	})
	deadline := time.Now().Add(1500 * time.Millisecond)
	var ok int
	count := func(errno experimentalsys.Errno) {
		if errno == 0 {
			ok++
		}
	}
	for i := 0; i < 20000 && time.Now().Before(deadline); i++ {
		count(fsys.Rename("d/a", "d/b"))
		count(fsys.Rename("d/b", "d/a"))
		count(fsys.Link("d/a", "d/c"))
		count(fsys.Unlink("d/c"))
		count(fsys.Unlink("d/b"))
		count(fsys.Rmdir("d/sd"))
		count(fsys.Mkdir("d/m", 0o700))
		count(fsys.Symlink("a", "d/s"))
		count(fsys.(Lutimenser).Lutimens("d/a", 1e9, 1e9))
		if f, errno := fsys.OpenFile("d/n", experimentalsys.O_CREAT|experimentalsys.O_RDWR|experimentalsys.O_NOFOLLOW, 0o600); errno == 0 {
			ok++
			f.Close()
		}
		if f, errno := fsys.OpenFile("d/a", experimentalsys.O_TRUNC|experimentalsys.O_RDWR|experimentalsys.O_NOFOLLOW, 0); errno == 0 {
			f.Close()
		}
	}
	stop()
	if ok == 0 {
		t.Fatal("no call succeeded while the directory moved: the test tests nothing")
	}
	after := listing()
	if len(after) != len(before) {
		t.Fatalf("outside changed:\nbefore %v\nafter  %v", before, after)
	}
	for i := range before {
		if before[i] != after[i] {
			t.Fatalf("outside changed:\nbefore %v\nafter  %v", before, after)
		}
	}
	if b, _ := os.ReadFile(filepath.Join(outside, "a")); string(b) != "secret" {
		t.Fatal("outside file truncated")
	}
}
