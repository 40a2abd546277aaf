package engine

import "time"

// KVGrower decides whether the KV cache may put more of its blocks to use.
//
// The cache's tensors are allocated once at their full size, but a device
// that commits memory when it is first written (the CPU: untouched pages of
// the cache take no RAM) pays for a block only once it is used. The engine
// starts with Config.KVBlocks in use and, when a step needs more, asks the
// grower first, so that free memory is read again before the cache grows:
// when another process has taken the memory, growth stops and requests wait
// or are preempted, as when the cache is full, instead of the process being
// killed for memory it counted on.
type KVGrower interface {
	// GrowKV is asked for want more blocks when active blocks are in use.
	// It returns how many it grants, 0 to want, and, when fewer than want,
	// why (the engine logs it).
	GrowKV(active, want int) (granted int, why string)
}

// Defaults of the KV growth settings.
const (
	// DefaultKVGrowDivisor: without Config.KVGrowBlocks the cache grows by
	// an eighth of its capacity at a time, so that free memory is read a
	// few times over the cache's life rather than at every block.
	DefaultKVGrowDivisor = 8
	// DefaultKVRetry is how long the engine waits, after a refusal, before
	// asking the grower again (reading free memory costs a millisecond
	// where the cgroup files are read; a step can take less).
	DefaultKVRetry = time.Second
)

// kvGrowth is the scheduler's state of the cache's growth.
type kvGrowth struct {
	refusedAt time.Time // last refusal; zero when the last answer granted enough
	grown     uint64    // growths granted
	refusals  uint64    // growths refused (in full or in part)
}

// grow puts blocks to use until need are free, when the cache has room and
// the grower allows. It reports whether need blocks are free.
func (s *scheduler) grow(need int) bool {
	short := need - s.pool.numFree()
	if short <= 0 {
		return true
	}
	room := s.pool.capacity() - s.pool.active
	g := s.cfg.KVGrow
	if g == nil || room < short {
		return false
	}
	now := s.cfg.Now()
	if !s.kv.refusedAt.IsZero() && now.Sub(s.kv.refusedAt) < s.cfg.KVRetry {
		return false
	}
	want := min(max(short, s.cfg.KVGrowBlocks), room)
	got, why := g.GrowKV(s.pool.active, want)
	got = min(max(got, 0), want)
	if got > 0 {
		from := s.pool.active
		s.pool.grow(got)
		s.kv.grown++
		s.cfg.Log.Info("KV cache grows", "blocks", from, "to", s.pool.active, "of", s.pool.capacity(),
			"tokens", s.pool.active*s.pool.size)
	}
	if got >= short {
		s.kv.refusedAt = time.Time{}
		return true
	}
	if s.kv.refusedAt.IsZero() { // log the decision once, not at every retry
		s.cfg.Log.Warn("KV cache growth refused: requests wait or are preempted until blocks free up",
			"blocks", s.pool.active, "of", s.pool.capacity(), "tokens", s.pool.active*s.pool.size,
			"asked", want, "granted", got, "why", why)
	}
	s.kv.refusals++
	s.kv.refusedAt = now
	return false
}
