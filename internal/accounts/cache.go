package accounts

import (
	"sync"
	"time"

	"talentd/internal/auth"
)

// principalCache remembers, for a few seconds, which principal a token hash stands for, so that a
// busy service window does not look its API key up for every scan.
//
// An entry never outlives its token: it expires at the earlier of the TTL and the token's own
// expiry. Changes made through this process (logout, disabling, a new password, a revoked key)
// drop the affected entries once they have committed, and bump a generation: a lookup that read
// the database before the change committed carries the older generation, and its entry is not
// stored, so it cannot bring the revoked principal back. A change made by another process (the
// command line) takes effect within the TTL.
type principalCache struct {
	mu      sync.Mutex
	ttl     time.Duration
	now     func() time.Time
	entries map[string]cachedPrincipal
	gen     uint64
}

type cachedPrincipal struct {
	p       auth.Principal
	expires time.Time
}

const maxCachedPrincipals = 10_000

func newPrincipalCache(ttl time.Duration, now func() time.Time) *principalCache {
	return &principalCache{ttl: ttl, now: now, entries: map[string]cachedPrincipal{}}
}

func (c *principalCache) get(hash []byte) (auth.Principal, bool) {
	if c.ttl <= 0 {
		return auth.Principal{}, false
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	e, ok := c.entries[string(hash)]
	if !ok {
		return auth.Principal{}, false
	}
	if !c.now().Before(e.expires) {
		delete(c.entries, string(hash))
		return auth.Principal{}, false
	}
	return e.p, true
}

// generation is taken before reading a principal from the database and handed to put.
func (c *principalCache) generation() uint64 {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.gen
}

// put remembers p until the TTL or tokenExpires (nil: the token does not expire), whichever is
// first, unless something was forgotten since gen was taken.
func (c *principalCache) put(hash []byte, p auth.Principal, tokenExpires *time.Time, gen uint64) {
	if c.ttl <= 0 {
		return
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if gen != c.gen {
		return
	}
	expires := c.now().Add(c.ttl)
	if tokenExpires != nil && tokenExpires.Before(expires) {
		expires = *tokenExpires
	}
	if len(c.entries) >= maxCachedPrincipals {
		clear(c.entries)
	}
	c.entries[string(hash)] = cachedPrincipal{p: p, expires: expires}
}

// forget drops every entry matching drop; call it after the change that prompted it committed.
func (c *principalCache) forget(drop func(auth.Principal) bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.gen++
	for k, e := range c.entries {
		if drop(e.p) {
			delete(c.entries, k)
		}
	}
}

func (c *principalCache) forgetAccount(id int64) {
	c.forget(func(p auth.Principal) bool { return p.AccountID == id })
}

func (c *principalCache) forgetToken(id int64) {
	c.forget(func(p auth.Principal) bool { return p.TokenID == id })
}
