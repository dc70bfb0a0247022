package wasip1

import (
	"math"
	"time"

	experimentalsys "github.com/tetratelabs/wazero/experimental/sys"
)

// pollOneoff is poll_oneoff as poll(2): descriptors that are ready end the
// wait at once, and a clock is reported only if nothing else was ready in
// time. An open descriptor is always ready to write (wazero answered
// ENOTSUP), and ready to read unless its file can tell (stdin), which is
// then asked, waiting up to the nearest clock.
func pollOneoff(c *wasiCall, p []uint64) wasiErrno {
	in, out, n, resultNevents := uint32(p[0]), uint32(p[1]), uint32(p[2]), uint32(p[3])
	if n == 0 || n > (1<<32-1)/48 { // (more would not fit in a 4 GiB memory)
		return errnoInval
	}
	inBuf, ok := c.mem.Read(in, n*48)
	if !ok {
		return errnoFault
	}
	outBuf, ok := c.mem.Read(out, n*32)
	if !ok {
		return errnoFault
	}
	clear(outBuf)
	var nevents uint32
	event := func(sub []byte, errno wasiErrno) {
		e := outBuf[nevents*32:]
		copy(e, sub[:8]) // userdata
		le.PutUint16(e[8:], uint16(errno))
		e[10] = sub[8] // type
		nevents++
	}
	timeout := time.Duration(-1) // none
	// Subscriptions are kept by index (4 bytes each): a guest's memory
	// holds up to 89 million of them.
	var clocks, waiting []uint32
	for i := uint32(0); i < n; i++ {
		sub := inBuf[i*48 : (i+1)*48]
		arg := sub[16:]
		switch sub[8] {
		case EventtypeClock:
			switch le.Uint16(arg[24:]) {
			case 0: // relative
			case subclockAbstime:
				return errnoNotsup
			default:
				return errnoInval
			}
			if d := clockTimeout(sub); timeout < 0 || d < timeout {
				timeout = d
			}
			clocks = append(clocks, i)
		case EventtypeFdRead, EventtypeFdWrite:
			fd := int32(le.Uint32(arg))
			if fd < 0 {
				return ErrnoBadf
			}
			e, ok := c.fds.Get(fd)
			if !ok {
				event(sub, ErrnoBadf)
				continue
			}
			f := unwrap(e.File())
			if _, canPoll := f.(experimentalsys.Pollable); sub[8] == EventtypeFdRead && canPoll && !isNonblock(f) {
				waiting = append(waiting, i)
				continue
			}
			event(sub, 0)
		default:
			return errnoInval
		}
	}
	for i, at := range waiting {
		sub := inBuf[at*48 : (at+1)*48]
		// (Read again: events written over an overlapping input may have
		// changed it.)
		e, ok := c.fds.Get(int32(le.Uint32(sub[16:])))
		if !ok {
			event(sub, ErrnoBadf)
			continue
		}
		pollable, ok := unwrap(e.File()).(experimentalsys.Pollable)
		if !ok {
			event(sub, 0)
			continue
		}
		wait := int32(0)
		if nevents == 0 && i == 0 {
			wait = pollMillis(timeout)
		}
		if ready, errno := pollable.Poll(experimentalsys.POLLIN, wait); errno != 0 {
			event(sub, errnoFrom(errno))
		} else if ready {
			event(sub, 0)
		}
	}
	if nevents == 0 && timeout >= 0 {
		if len(waiting) == 0 {
			if c.sleep != nil {
				c.sleep(c.fds.Clocks, int64(timeout))
			} else {
				c.fds.Clocks.Nanosleep(int64(timeout))
			}
		}
		for _, at := range clocks {
			if sub := inBuf[at*48 : (at+1)*48]; clockTimeout(sub) == timeout {
				event(sub, 0)
			}
		}
	}
	if !c.mem.WriteUint32Le(resultNevents, nevents) {
		return errnoFault
	}
	return 0
}

// clockTimeout is a clock subscription's timeout; one past what a
// Duration holds (2^63 ns, 292 years) is the longest one (not negative:
// no timeout).
func clockTimeout(sub []byte) time.Duration {
	return time.Duration(min(le.Uint64(sub[24:]), math.MaxInt64))
}

// pollMillis is a wait for Pollable.Poll: -1 for none.
func pollMillis(d time.Duration) int32 {
	if d < 0 || d.Milliseconds() > 1<<31-1 {
		return -1
	}
	return int32((d + time.Millisecond - 1) / time.Millisecond)
}

func isNonblock(f experimentalsys.File) bool {
	pf, ok := f.(experimentalsys.PollableFile)
	return ok && pf.IsNonblock()
}

// sockNotSocket is every sock_* function: gowasm gives guests no sockets
// (no listeners are configured), so an open descriptor is not one.
func sockNotSocket(c *wasiCall, p []uint64) wasiErrno {
	if _, ok := c.fds.Get(int32(p[0])); !ok {
		return ErrnoBadf
	}
	return errnoNotsock
}
