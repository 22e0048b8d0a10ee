package accounts

import (
	"sync"
	"time"
)

// throttle counts failed logins per key (a username, a client address) in a fixed window and
// refuses further attempts once a key reaches its limit, until the window has passed. It lives in
// memory: a restart forgets it, which only gives an attacker a handful more guesses.
type throttle struct {
	mu     sync.Mutex
	limit  int
	window time.Duration
	now    func() time.Time
	keys   map[string]*failures
}

type failures struct {
	count int
	start time.Time
}

func newThrottle(limit int, window time.Duration, now func() time.Time) *throttle {
	return &throttle{limit: limit, window: window, now: now, keys: map[string]*failures{}}
}

// blocked returns how long key must still wait, or 0 when it may try.
func (t *throttle) blocked(key string) time.Duration {
	t.mu.Lock()
	defer t.mu.Unlock()
	f, ok := t.keys[key]
	if !ok {
		return 0
	}
	left := f.start.Add(t.window).Sub(t.now())
	if left <= 0 {
		delete(t.keys, key)
		return 0
	}
	if f.count >= t.limit {
		return left
	}
	return 0
}

// fail records a failed attempt for key.
func (t *throttle) fail(key string) {
	t.mu.Lock()
	defer t.mu.Unlock()
	now := t.now()
	f, ok := t.keys[key]
	if !ok || now.Sub(f.start) >= t.window {
		if len(t.keys) > 100_000 {
			t.prune(now)
		}
		t.keys[key] = &failures{count: 1, start: now}
		return
	}
	f.count++
}

// reset forgets key's failures (after a successful login).
func (t *throttle) reset(key string) {
	t.mu.Lock()
	defer t.mu.Unlock()
	delete(t.keys, key)
}

// prune drops expired windows so a flood of distinct keys cannot grow the map without bound.
func (t *throttle) prune(now time.Time) {
	for k, f := range t.keys {
		if now.Sub(f.start) >= t.window {
			delete(t.keys, k)
		}
	}
}
