package accounts

import (
	"sync"
	"time"

	"talentd/internal/auth"
)

// principalCache remembers, for a few seconds, which principal a token hash stands for, so that a
// busy service window does not look its API key up for every scan. Changes made through this
// process (logout, disabling, a new password, a revoked key) drop the affected entries at once;
// a change made by another process (the command line) takes effect within the TTL.
type principalCache struct {
	mu      sync.Mutex
	ttl     time.Duration
	now     func() time.Time
	entries map[string]cachedPrincipal
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
	if !ok || c.now().After(e.expires) {
		return auth.Principal{}, false
	}
	return e.p, true
}

func (c *principalCache) put(hash []byte, p auth.Principal) {
	if c.ttl <= 0 {
		return
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if len(c.entries) >= maxCachedPrincipals {
		clear(c.entries)
	}
	c.entries[string(hash)] = cachedPrincipal{p: p, expires: c.now().Add(c.ttl)}
}

// forget drops every entry matching drop.
func (c *principalCache) forget(drop func(auth.Principal) bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
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
