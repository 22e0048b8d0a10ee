package accounts

import (
	"context"
	"math"
	"runtime"
	"time"
)

// Defaults for the hashing cap. Each Argon2id computation holds argonMemory (19 MiB) until it
// returns, so the cap bounds that part of the heap at a few tens of MiB; more slots than cores
// would not check passwords any faster, they would only hold more memory while waiting for CPU.
const (
	maxDefaultHashSlots = 4
	defaultHashWait     = 3 * time.Second
)

// hashLimiter runs at most cap(slots) password hashes at once; a caller waits up to wait for a slot.
type hashLimiter struct {
	slots chan struct{}
	wait  time.Duration
}

func newHashLimiter(slots int, wait time.Duration) *hashLimiter {
	if slots <= 0 {
		slots = min(runtime.GOMAXPROCS(0), maxDefaultHashSlots)
	}
	if wait <= 0 {
		wait = defaultHashWait
	}
	return &hashLimiter{slots: make(chan struct{}, slots), wait: wait}
}

// do runs f holding a slot, or returns ErrHashingBusy (with a Retry-After) when none frees in time,
// or the context's error when the caller gave up first.
func (h *hashLimiter) do(ctx context.Context, f func()) error {
	select {
	case h.slots <- struct{}{}:
	default:
		timer := time.NewTimer(h.wait)
		defer timer.Stop()
		select {
		case h.slots <- struct{}{}:
		case <-timer.C:
			return ErrHashingBusy.RetryAfter(max(1, int(math.Ceil(h.wait.Seconds()))))
		case <-ctx.Done():
			return ctx.Err()
		}
	}
	defer func() { <-h.slots }()
	f()
	return nil
}

// verifyPassword checks pw against hash within the hashing cap.
func (s *Service) verifyPassword(ctx context.Context, hash, pw string) (bool, error) {
	var ok bool
	err := s.hashSlots.do(ctx, func() {
		s.hashed()
		ok = VerifyPassword(hash, pw)
	})
	return ok, err
}

// hashPassword hashes pw within the hashing cap.
func (s *Service) hashPassword(ctx context.Context, pw string) (string, error) {
	var (
		hash string
		err  error
	)
	if lerr := s.hashSlots.do(ctx, func() {
		s.hashed()
		hash, err = HashPassword(pw)
	}); lerr != nil {
		return "", lerr
	}
	return hash, err
}

// hashed counts a hash about to run (tests read the count and may hold the slot in onHash).
func (s *Service) hashed() {
	s.hashes.Add(1)
	if s.onHash != nil {
		s.onHash()
	}
}
